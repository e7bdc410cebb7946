package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
	"github.com/gardenfleet/gardenfleet/clusters"
	"github.com/gardenfleet/gardenfleet/reconciler"
	"github.com/gardenfleet/gardenfleet/reconciler/source"
)

const reconcileDoc = `Run one pass of the reconciler without a Fleet object.

Fetches the fleet repo, renders it and server-side applies it to the garden
cluster with the reconciler's phases: shoots that need new Kubernetes versions
get the next step of their plan only when Gardener confirmed the previous one,
so repeat the command (or run serve) to walk a plan to its end. With --prune,
objects the owner applied before and the fleet no longer has are deleted
within the deletion guard.

Prints the change set, one object per line, then each shoot's upgrade state
and the outcome. Exits 0 when the revision was applied, 1 when it failed or
was refused (an invalid fleet, one past --eval-timeout or --eval-memory, the
deletion guard, a stalled shoot, a pass longer than --timeout), 2 on bad
flags or Ctrl-C.

--ref takes a branch name, tag:NAME, semver:RANGE or a full commit SHA-1.
--repo takes a URL, or a local directory holding a Git repository.

Examples:
  gardenfleet reconcile --once --repo https://git.example.com/fleet.git --ref main --path clusters
  gardenfleet reconcile --once --repo . --ref semver:'>=1.0.0' --prune --kubeconfig garden.yaml`

type reconcileOptions struct {
	once                 bool
	repo                 string
	ref                  string
	path                 string
	prune                bool
	allowShootDeletion   bool
	confirmShootDeletion bool
	maxShootPercent      int32
	owner                string
	kubeconfig           string
	timeout              time.Duration
	limits               clientLimits
	evalTimeout          time.Duration
	evalMemory           int64
}

func newReconcileCmd(streams Streams) *cobra.Command {
	opts := &reconcileOptions{limits: defaultClientLimits()}
	cmd := &cobra.Command{
		Use:   "reconcile --once --repo URL [--ref REF] [--path DIR] [--prune] [--kubeconfig FILE]",
		Short: "Apply a fleet repo to the garden cluster once",
		Long:  reconcileDoc,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runReconcile(cmd.Context(), streams, opts)
		},
	}
	f := cmd.Flags()
	opts.limits.addFlags(f)
	f.BoolVar(&opts.once, "once", false, "run one pass and exit (required: the daemon is `gardenfleet serve`)")
	f.StringVar(&opts.repo, "repo", "", "URL of the fleet repository, or a local directory")
	f.StringVar(&opts.ref, "ref", "", "branch, tag:NAME, semver:RANGE or commit SHA-1 (default the branch main)")
	f.StringVar(&opts.path, "path", "", "fleet directory inside the repository")
	f.BoolVar(&opts.prune, "prune", false, "delete objects the fleet no longer has, within the deletion guard")
	f.BoolVar(&opts.allowShootDeletion, "allow-shoot-deletion", false, "with --prune: let the deletion guard delete shoots")
	f.BoolVar(&opts.confirmShootDeletion, "confirm-shoot-deletion", false, "with --prune: set Gardener's deletion confirmation on pruned shoots")
	f.Int32Var(&opts.maxShootPercent, "max-shoot-percent", v1alpha1.DefaultMaxShootPercent, "largest share of the shoots, in percent, one prune may delete")
	f.StringVar(&opts.owner, "owner", "gardenfleet-system/gardenfleet", "the Fleet (NAMESPACE/NAME) the objects are applied for")
	f.StringVar(&opts.kubeconfig, "kubeconfig", "", "kubeconfig of the garden cluster (default: $KUBECONFIG, in-cluster, ~/.kube/config)")
	f.DurationVar(&opts.timeout, "timeout", 5*time.Minute, "bound of the whole pass, and so of each of fetch, apply and prune")
	addEvalTimeoutFlag(cmd, &opts.evalTimeout)
	addEvalMemoryFlag(cmd, &opts.evalMemory)
	return cmd
}

func runReconcile(ctx context.Context, streams Streams, opts *reconcileOptions) error {
	if !opts.once {
		return errors.New("reconcile runs one pass: pass --once, or run `gardenfleet serve`")
	}
	if opts.repo == "" {
		return errors.New("--repo is required")
	}
	// --repo may carry a token: messages name it redacted.
	repo := source.RedactURL(opts.repo)
	once := reconciler.DefaultOnceOptions()
	var err error
	if once.URL, err = repoURL(opts.repo); err != nil {
		return err
	}
	if once.Ref, err = parseRef(opts.ref); err != nil {
		return err
	}
	if err := checkSource(once.URL, once.Ref); err != nil {
		if errors.Is(err, source.ErrInvalidSemVer) || errors.Is(err, source.ErrInvalidCommit) {
			return fmt.Errorf("--ref %q: %w", opts.ref, err)
		}
		return fmt.Errorf("--repo %s: %w", repo, err)
	}
	if opts.path != "" && !filepath.IsLocal(opts.path) {
		return fmt.Errorf("--path %q: want a relative path inside the repository", opts.path)
	}
	if once.Owner, err = parseOwner(opts.owner); err != nil {
		return err
	}
	if opts.maxShootPercent < 0 || opts.maxShootPercent > 100 {
		return fmt.Errorf("--max-shoot-percent %d: want a percent from 0 to 100", opts.maxShootPercent)
	}
	once.Path, once.Prune, once.Timeout = opts.path, opts.prune, opts.timeout
	once.Eval.Time, once.Eval.Memory = opts.evalTimeout, opts.evalMemory
	once.ConfirmShootDeletion = opts.confirmShootDeletion
	once.DeletionGuard = v1alpha1.DeletionGuard{AllowShootDeletion: opts.allowShootDeletion, MaxShootPercent: &opts.maxShootPercent}

	c, _, err := kubeClient(opts.kubeconfig, opts.limits)
	if err != nil {
		return err
	}
	// The clone is removed here, not by RunOnce: the pass may be abandoned.
	if once.CacheDir, err = os.MkdirTemp("", "gardenfleet-once-"); err != nil {
		return fmt.Errorf("create cache directory: %w", err)
	}
	defer os.RemoveAll(once.CacheDir)
	// --timeout bounds the whole pass too: building the fleet (CUE) cannot
	// be cancelled, so the pass runs aside and is abandoned when it is over.
	type outcome struct {
		res *reconciler.OnceResult
		err error
	}
	out, err := bounded(ctx, repo, "reconciling", opts.timeout, func(ctx context.Context) (outcome, error) {
		res, err := reconciler.RunOnce(ctx, c, once)
		return outcome{res, err}, nil
	})
	if err != nil {
		return err
	}
	res := out.res
	printOnce(streams, res)
	if err := out.err; err != nil {
		return failure(err)
	}
	if res.Ready.Status == metav1.ConditionFalse {
		return failure(fmt.Errorf("%s: %s", res.Ready.Reason, res.Ready.Message))
	}
	fmt.Fprintln(streams.Err, res.Ready.Message)
	return nil
}

// printOnce writes the change sets and each shoot's state to stdout.
func printOnce(streams Streams, res *reconciler.OnceResult) {
	if res == nil {
		return
	}
	for _, cs := range []*clusters.ChangeSet{res.Applied, res.Pruned} {
		if cs != nil && len(cs.Entries) > 0 {
			fmt.Fprintln(streams.Out, cs.String())
		}
	}
	for _, s := range res.Shoots {
		line := fmt.Sprintf("Shoot/%s/%s %s", s.Namespace, s.Name, s.Phase)
		if s.Message != "" {
			line += ": " + s.Message
		}
		fmt.Fprintln(streams.Out, line)
	}
}

var commitRef = regexp.MustCompile(`^[0-9a-f]{40}$`)

// parseRef reads --ref: a branch, tag:NAME, semver:RANGE or a commit SHA-1.
func parseRef(s string) (v1alpha1.GitRef, error) {
	kind, value, found := strings.Cut(s, ":")
	switch {
	case s == "":
		return v1alpha1.GitRef{}, nil
	case found && kind == "tag" && value != "":
		return v1alpha1.GitRef{Tag: value}, nil
	case found && kind == "semver" && value != "":
		return v1alpha1.GitRef{SemVer: value}, nil
	case found && kind == "branch" && value != "":
		return v1alpha1.GitRef{Branch: value}, nil
	case found && kind == "commit" && commitRef.MatchString(value):
		return v1alpha1.GitRef{Commit: value}, nil
	case found:
		return v1alpha1.GitRef{}, fmt.Errorf("--ref %q: want a branch, tag:NAME, semver:RANGE or a 40 character commit SHA-1", s)
	case commitRef.MatchString(s):
		return v1alpha1.GitRef{Commit: s}, nil
	default:
		return v1alpha1.GitRef{Branch: strings.TrimPrefix(s, "refs/heads/")}, nil
	}
}

// repoURL turns a local directory into a file:// URL and leaves URLs alone.
func repoURL(repo string) (string, error) {
	if strings.Contains(repo, "://") || strings.Contains(repo, "@") {
		return repo, nil
	}
	abs, err := filepath.Abs(repo)
	if err != nil {
		return "", fmt.Errorf("--repo %s: %w", repo, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return "", fmt.Errorf("--repo %s: neither a URL nor a directory: %w", repo, err)
	}
	return "file://" + abs, nil
}

// checkSource checks the URL and ref as the Git source will, so that a bad
// flag is a usage error rather than a failed pass.
func checkSource(url string, ref v1alpha1.GitRef) error {
	o := source.Options{URL: url, CacheDir: os.TempDir(), Branch: ref.Branch, Tag: ref.Tag, SemVer: ref.SemVer, Commit: ref.Commit}
	return o.Validate()
}

// parseOwner reads NAMESPACE/NAME.
func parseOwner(s string) (clusters.Owner, error) {
	ns, name, ok := strings.Cut(s, "/")
	if !ok || ns == "" || name == "" || strings.Contains(name, "/") {
		return clusters.Owner{}, fmt.Errorf("--owner %q: want NAMESPACE/NAME", s)
	}
	return clusters.Owner{Namespace: ns, Name: name}, nil
}

// kubeConfig reads the kubeconfig at path, or the default one: $KUBECONFIG,
// in-cluster, ~/.kube/config.
func kubeConfig(path string) (*rest.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if path != "" {
		rules.ExplicitPath = path
	}
	// With no kubeconfig found, the deferred loader falls back to in-cluster.
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("read kubeconfig: %w", err)
	}
	return cfg, nil
}

// kubeScheme knows the built-in kinds and the Fleet API; Gardener's kinds are
// used as unstructured objects.
func kubeScheme() (*runtime.Scheme, error) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	return scheme, nil
}

// kubeClient connects to the cluster of a kubeconfig.
func kubeClient(path string, limits clientLimits) (client.Client, *rest.Config, error) {
	cfg, err := kubeConfig(path)
	if err != nil {
		return nil, nil, err
	}
	limits.apply(cfg)
	scheme, err := kubeScheme()
	if err != nil {
		return nil, nil, err
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, nil, fmt.Errorf("connect to the cluster: %w", err)
	}
	return c, cfg, nil
}
