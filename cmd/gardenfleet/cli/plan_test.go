package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/testscript"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/gardenfleet/gardenfleet/clusters"
	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/hack/testenv"
	"github.com/gardenfleet/gardenfleet/render"
)

// TestPlanScripts runs testdata/plan/*.txtar, each in a Git repository it
// makes itself; GARDENFLEET_UPDATE=1 rewrites their expected output.
func TestPlanScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/plan",
		UpdateScripts: os.Getenv("GARDENFLEET_UPDATE") == "1",
		Cmds:          map[string]func(*testscript.TestScript, bool, []string){"exits": cmdExits},
	})
}

// cmdExits is `exits CODE COMMAND [ARGS...]`: it runs COMMAND like exec and
// wants exactly exit code CODE, where exec only tells zero from non-zero.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE COMMAND [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: code %q: %v", args[0], err)
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			ts.Fatalf("exits: %v", err)
		}
		got = exitErr.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit code %d, want %d", got, want)
	}
}

// TestPlanLive plans against a live garden cluster through --kubeconfig:
// the cluster's CloudProfile gives the versions, its objects the base.
func TestPlanLive(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a kube-apiserver")
	}
	ctx := context.Background()
	// The simulator plays Gardener's project controller: Apply waits for the Project.
	env, err := testenv.Start(ctx, testenv.Options{})
	if errors.Is(err, testenv.ErrNoBinaries) && os.Getenv("CI") == "" {
		t.Skipf("envtest not available: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Error(err)
		}
	})
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	kc := clientcmdapi.NewConfig()
	kc.Clusters["garden"] = &clientcmdapi.Cluster{Server: env.Config.Host, CertificateAuthorityData: env.Config.CAData}
	kc.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: env.Config.CertData, ClientKeyData: env.Config.KeyData, Token: env.Config.BearerToken}
	kc.Contexts["garden"] = &clientcmdapi.Context{Cluster: "garden", AuthInfo: "admin"}
	kc.CurrentContext = "garden"
	if err := clientcmd.WriteToFile(*kc, kubeconfig); err != nil {
		t.Fatal(err)
	}

	ns := env.NewNamespace(t)
	p := strings.TrimPrefix(ns, "garden-")
	dir := t.TempDir()
	writeFleet := func(version string, maximum int) {
		t.Helper()
		src := fmt.Sprintf(`package fleet

defaults: {
	cloudProfile: "local"
	region:       "local"
	provider: type: "local"
	credentialsBinding: "creds"
	networking: type:    "calico"
	pool: machine:       "local"
}
projects: %q: {}
shoots: s: {project: %q, kubernetes: version: %q, pools: a: maximum: %d}
`, p, p, version, maximum)
		if err := os.WriteFile(filepath.Join(dir, "fleet.cue"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeFleet("1.35.4", 2)
	f, err := fleet.Load(dir)
	if err != nil {
		t.Fatal(fleet.Details(err, "."))
	}
	res, err := render.Fleet(f)
	if err != nil {
		t.Fatal(err)
	}
	owner := clusters.Owner{Namespace: "garden", Name: "plan-live"}
	if _, err := clusters.NewManager(env.Client, owner).Apply(ctx, clusters.Whole(res.Objects...), clusters.DefaultApplyOptions()); err != nil {
		t.Fatal(err)
	}

	run := func(args ...string) (string, string, int) {
		var out, errOut strings.Builder
		code := Run(ctx, args, Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
		return out.String(), errOut.String(), code
	}
	out, stderr, code := run("plan", "--kubeconfig", kubeconfig, "--owner", "garden/plan-live", "--exit-code", dir)
	if code != ExitOK || stderr != "" {
		t.Fatalf("unchanged fleet: exit %d, stderr %q, stdout:\n%s", code, stderr, out)
	}
	if want := "plan against cluster garden: 0 to add, 0 to change, 0 to remove, 2 unchanged\n"; out != want {
		t.Errorf("unchanged fleet:\n%s\nwant:\n%s", out, want)
	}

	writeFleet("1.37.1", 3)
	out, stderr, code = run("plan", "--kubeconfig", kubeconfig, "--owner", "garden/plan-live", "--exit-code", dir)
	if code != ExitFailure || stderr != "" {
		t.Fatalf("changed fleet: exit %d, stderr %q, stdout:\n%s", code, stderr, out)
	}
	want := fmt.Sprintf(`plan against cluster garden: 0 to add, 1 to change, 0 to remove, 1 unchanged; 1 shoot upgrade

Objects:
  ~ Shoot/%[1]s/s
      ~ spec.kubernetes.version: "1.35.4" -> "1.37.1"
      ~ spec.provider.workers[name=a].maximum: 2 -> 3

Upgrades:
  %[1]s/s
    current: control plane 1.35.4, pool a 1.35.4
    step 1: control plane 1.35.4 -> 1.36.4
    step 2: control plane 1.36.4 -> 1.37.1
    step 3: pool a 1.35.4 -> 1.37.1
    target: control plane 1.37.1, pool a 1.37.1

Waves:
  1. no wave: %[1]s/s

Schedule (earliest starts, each step taking 30m):
  1. no wave:
    %[1]s/s: step 1 of 3, control plane 1.35.4 -> 1.36.4, at +0m
    %[1]s/s: step 2 of 3, control plane 1.36.4 -> 1.37.1, at +30m
    %[1]s/s: step 3 of 3, pool a 1.35.4 -> 1.37.1, at +1h
`, ns)
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("changed fleet (-want +got):\n%s", diff)
	}
}
