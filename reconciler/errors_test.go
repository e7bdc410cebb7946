package reconciler

import (
	"errors"
	"fmt"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gardenfleet/gardenfleet/clusters"
	"github.com/gardenfleet/gardenfleet/clusters/inventory"
)

func TestErrorClasses(t *testing.T) {
	t.Parallel()
	shoot := inventory.Ref{Group: "core.gardener.cloud", Version: "v1beta1", Kind: "Shoot", Namespace: "garden-a", Name: "s"}
	gk := schema.GroupKind{Group: "core.gardener.cloud", Kind: "Shoot"}
	immutable := &clusters.ImmutableFieldError{Ref: shoot, Err: errors.New("spec.region: field is immutable")}
	invalid := &clusters.ObjectError{Ref: shoot, Op: "apply", Err: apierrors.NewInvalid(gk, "s",
		field.ErrorList{field.Invalid(field.NewPath("spec", "kubernetes", "version"), "1.35.6", "skips a minor")})}
	notFound := &clusters.ObjectError{Ref: shoot, Op: "apply", Err: apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, "garden-a")}

	tests := []struct {
		name         string
		err          error
		wantTerminal bool
		wantReason   string
	}{
		// phase errors
		{name: "terminal", err: terminal(BuildFailedReason, errors.New("x")), wantTerminal: true, wantReason: BuildFailedReason},
		{name: "transient", err: transient(FetchFailedReason, errors.New("x")), wantReason: FetchFailedReason},
		{name: "wrapped terminal", err: fmt.Errorf("pass: %w", terminal(PruneRefusedReason, errors.New("x"))), wantTerminal: true, wantReason: PruneRefusedReason},
		{name: "unclassified", err: errors.New("x"), wantReason: ProgressingWithRetryReason},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := isTerminal(tt.err); got != tt.wantTerminal {
				t.Errorf("isTerminal = %t, want %t", got, tt.wantTerminal)
			}
			if got := reasonOf(tt.err); got != tt.wantReason {
				t.Errorf("reasonOf = %q, want %q", got, tt.wantReason)
			}
		})
	}

	applyTests := []struct {
		name string
		err  error
		want bool
	}{
		{name: "immutable field", err: errors.Join(immutable), want: true},
		{name: "refused by a rule", err: errors.Join(invalid, immutable), want: true},
		{name: "a namespace not there yet", err: errors.Join(immutable, notFound), want: false},
		{name: "none", err: nil, want: false},
	}
	for _, tt := range applyTests {
		t.Run("apply/"+tt.name, func(t *testing.T) {
			t.Parallel()
			if got := applyErrorIsTerminal(tt.err); got != tt.want {
				t.Errorf("applyErrorIsTerminal = %t, want %t", got, tt.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	var errs []error
	for i := range 7 {
		errs = append(errs, fmt.Errorf("Shoot/garden-a/s%d apply: boom", i))
	}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{name: "few are kept", err: errors.Join(errs[:2]...), want: "Shoot/garden-a/s0 apply: boom\nShoot/garden-a/s1 apply: boom"},
		{name: "many are counted", err: errors.Join(errs...), want: "Shoot/garden-a/s0 apply: boom\nShoot/garden-a/s1 apply: boom\n" +
			"Shoot/garden-a/s2 apply: boom\nShoot/garden-a/s3 apply: boom\nShoot/garden-a/s4 apply: boom\nand 2 more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := summarize(tt.err, maxListedErrors).Error(); got != tt.want {
				t.Errorf("summarize() = %q, want %q", got, tt.want)
			}
		})
	}
}
