package cli

import (
	"github.com/spf13/pflag"
	"k8s.io/client-go/rest"
)

// clientLimits are client-go's own rate limits towards the API server.
//
// NOTE: the default is no client-side limit. The API server protects itself
// with priority and fairness; a token bucket of 50 QPS (Flux's default)
// makes a cold apply of 1,000 shoots slower than kubectl (make bench-apply).
type clientLimits struct {
	qps   float32
	burst int
}

func defaultClientLimits() clientLimits { return clientLimits{qps: -1, burst: 0} }

func (l *clientLimits) addFlags(f *pflag.FlagSet) {
	f.Float32Var(&l.qps, "kube-api-qps", l.qps, "requests per second to the API server; negative: no client-side limit")
	f.IntVar(&l.burst, "kube-api-burst", l.burst, "burst of requests to the API server, with a positive --kube-api-qps")
}

func (l clientLimits) apply(cfg *rest.Config) {
	cfg.QPS, cfg.Burst = l.qps, l.burst
	if l.qps > 0 && l.burst < int(l.qps) {
		cfg.Burst = int(l.qps)
	}
}
