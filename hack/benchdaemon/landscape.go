package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/hack/benchfleet"
	"github.com/gardenfleet/gardenfleet/hack/gitserver"
	"github.com/gardenfleet/gardenfleet/hack/simulator"
	"github.com/gardenfleet/gardenfleet/hack/testenv"
)

// fleetNamespace holds the Fleets and the daemons' Leases.
const fleetNamespace = "gardenfleet-system"

// shardLabel is the label of a Fleet a daemon's --fleet-selector picks.
const shardLabel = "shard"

// shard is one Fleet, the part of the generated fleet it follows, and the
// daemon whose --fleet-selector picks it.
type shard struct {
	index   int
	key     types.NamespacedName
	dir     string // the generated part
	part    benchfleet.Part
	shoots  int
	objects int // what it renders to
	// revision is what the Fleet reports once the pushed commit is applied.
	revision string
}

// newShards splits a fleet of shoots into n parts, as even as they go,
// each with shoots and projects of its own, generates them under work and
// renders each, to know how many objects its daemon must apply.
func newShards(work string, shoots, n int) ([]*shard, error) {
	shards := make([]*shard, n)
	first := 0
	for i := range shards {
		s := &shard{
			index:  i,
			key:    types.NamespacedName{Namespace: fleetNamespace, Name: fmt.Sprintf("bench-%d", i)},
			dir:    filepath.Join(work, fmt.Sprintf("fleet-%d", i)),
			part:   benchfleet.Part{FirstShoot: first, FirstProject: i * benchfleet.Projects},
			shoots: shoots / n,
		}
		if i < shoots%n {
			s.shoots++
		}
		first += s.shoots
		var err error
		if s.objects, err = renderedObjects(s.dir, s.shoots, s.part); err != nil {
			return nil, fmt.Errorf("shard %d: %w", i, err)
		}
		shards[i] = s
	}
	return shards, nil
}

// selector is the daemon's --fleet-selector.
func (s *shard) selector() string { return fmt.Sprintf("%s=%d", shardLabel, s.index) }

// metricLabels select the Fleet's samples in its daemon's metrics.
func (s *shard) metricLabels(more ...string) []string {
	return append([]string{`namespace="` + s.key.Namespace + `"`, `name="` + s.key.Name + `"`}, more...)
}

// landscape is the garden cluster and Git server the daemons run against.
type landscape struct {
	env        *testenv.Env
	git        *gitserver.Server
	kubeconfig string
}

// startLandscape starts the API server with the simulator, installs the
// Fleet CRD, pushes each shard's fleet to a repository of a Git server and
// creates the shard's Fleet following it, labelled for its daemon.
func startLandscape(ctx context.Context, o options, shards []*shard, work string) (_ *landscape, retErr error) {
	l := &landscape{}
	defer func() {
		if retErr != nil {
			retErr = errors.Join(retErr, l.stop())
		}
	}()
	logf("starting the API server and the gardenlet simulator (delay %s)", o.delay)
	sctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	var err error
	l.env, err = testenv.Start(sctx, testenv.Options{
		BinaryAssetsDirectory: o.assets,
		Verbose:               o.verbose,
		Simulator:             simulator.Options{Delay: o.delay, Clock: clock.RealClock{}, Resync: time.Second},
	})
	cancel()
	if err != nil {
		return l, err
	}
	if err := installFleetCRD(ctx, l.env); err != nil {
		return l, err
	}
	if l.git, err = gitserver.Start(ctx, filepath.Join(work, "git")); err != nil {
		return l, fmt.Errorf("start git server: %w", err)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fleetNamespace}}
	if err := l.env.Client.Create(ctx, ns); err != nil {
		return l, fmt.Errorf("create namespace %s: %w", ns.Name, err)
	}
	for _, s := range shards {
		repo := s.key.Name
		if err := l.git.CreateRepo(ctx, repo); err != nil {
			return l, err
		}
		commit, err := l.git.PushDir(ctx, repo, s.dir, fmt.Sprintf("%d shoots", s.shoots))
		if err != nil {
			return l, err
		}
		s.revision = gitserver.DefaultBranch + "@sha1:" + commit
		f := &v1alpha1.Fleet{
			ObjectMeta: metav1.ObjectMeta{
				Namespace: s.key.Namespace, Name: s.key.Name,
				Labels: map[string]string{shardLabel: strconv.Itoa(s.index)},
			},
			Spec: v1alpha1.FleetSpec{
				URL:      l.git.URL(repo),
				Ref:      &v1alpha1.GitRef{Branch: gitserver.DefaultBranch},
				Interval: &metav1.Duration{Duration: o.interval},
				Prune:    true,
			},
		}
		if err := l.env.Client.Create(ctx, f); err != nil {
			return l, fmt.Errorf("create Fleet %s: %w", s.key, err)
		}
	}

	l.kubeconfig = filepath.Join(work, "kubeconfig")
	if err := writeKubeconfig(l.kubeconfig, l.env.Config); err != nil {
		return l, err
	}
	return l, nil
}

// fleetJSON returns the Fleet as the API server serves it in JSON, which
// is how etcd stores a custom resource (managedFields included).
func (l *landscape) fleetJSON(ctx context.Context, key types.NamespacedName) ([]byte, error) {
	hc, err := rest.HTTPClientFor(l.env.Config)
	if err != nil {
		return nil, fmt.Errorf("HTTP client for the API server: %w", err)
	}
	url := fmt.Sprintf("%s/apis/%s/namespaces/%s/fleets/%s", strings.TrimSuffix(l.env.Config.Host, "/"),
		v1alpha1.GroupVersion.String(), key.Namespace, key.Name)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("get Fleet %s as JSON: %w", key, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("get Fleet %s as JSON: %w", key, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("get Fleet %s as JSON: %s: %s", key, resp.Status, b)
	}
	return b, nil
}

// stop stops the Git server and the API server; it may be called twice.
func (l *landscape) stop() error {
	var errs []error
	if l.git != nil {
		errs = append(errs, l.git.Stop())
		l.git = nil
	}
	if l.env != nil {
		errs = append(errs, l.env.Stop())
		l.env = nil
	}
	return errors.Join(errs...)
}

// installFleetCRD installs the CRD as shipped in config/crd/bases and adds
// the Fleet API to the environment's scheme.
func installFleetCRD(ctx context.Context, e *testenv.Env) error {
	if err := v1alpha1.AddToScheme(e.Scheme); err != nil {
		return fmt.Errorf("add the Fleet API to the scheme: %w", err)
	}
	root, err := testenv.RepoRoot()
	if err != nil {
		return err
	}
	b, err := os.ReadFile(filepath.Join(root, "config", "crd", "bases", "gardenfleet.dev_fleets.yaml"))
	if err != nil {
		return fmt.Errorf("read the Fleet CRD: %w", err)
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.UnmarshalStrict(b, crd); err != nil {
		return fmt.Errorf("parse the Fleet CRD: %w", err)
	}
	if err := e.Client.Create(ctx, crd); err != nil {
		return fmt.Errorf("create the Fleet CRD: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		if err := e.Client.Get(ctx, client.ObjectKeyFromObject(crd), crd); err != nil {
			return fmt.Errorf("get the Fleet CRD: %w", err)
		}
		for _, c := range crd.Status.Conditions {
			if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the Fleet CRD is not established: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// writeKubeconfig writes a kubeconfig reaching the API server of cfg with
// its client certificate, for the daemon.
func writeKubeconfig(path string, cfg *rest.Config) error {
	kc := clientcmdapi.NewConfig()
	kc.Clusters["bench"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["bench"] = &clientcmdapi.AuthInfo{
		ClientCertificateData: cfg.CertData,
		ClientKeyData:         cfg.KeyData,
		Token:                 cfg.BearerToken,
	}
	kc.Contexts["bench"] = &clientcmdapi.Context{Cluster: "bench", AuthInfo: "bench"}
	kc.CurrentContext = "bench"
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	return nil
}
