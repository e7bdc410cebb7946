package main

import (
	"fmt"
	"strconv"
	"strings"
)

// clientLimit is a client-side rate limit of the rest.Config gardenfleet
// applies with; a negative qps means none (client-go then builds no limiter).
type clientLimit struct {
	qps   float32
	burst int
}

// String renders the limit as -limits takes it.
func (l clientLimit) String() string {
	if l.qps < 0 {
		return "none"
	}
	return fmt.Sprintf("%g/%d", l.qps, l.burst)
}

// parseLimits parses a comma-separated list of "none" or "QPS/BURST".
func parseLimits(s string) ([]clientLimit, error) {
	var out []clientLimit
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "none" {
			out = append(out, clientLimit{qps: -1})
			continue
		}
		qs, bs, ok := strings.Cut(f, "/")
		if !ok {
			return nil, fmt.Errorf("%q: want none or QPS/BURST", f)
		}
		qps, err := strconv.ParseFloat(qs, 32)
		if err != nil || qps <= 0 {
			return nil, fmt.Errorf("%q: QPS must be a positive number", f)
		}
		burst, err := strconv.Atoi(bs)
		if err != nil || burst < 1 {
			return nil, fmt.Errorf("%q: burst must be a positive integer", f)
		}
		out = append(out, clientLimit{qps: float32(qps), burst: burst})
	}
	return out, nil
}
