package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/resource"

	boundedeval "github.com/gardenfleet/gardenfleet/fleet/bounded"
)

// memoryFlag is a number of bytes written as a Kubernetes quantity: 2Gi,
// 512Mi.
type memoryFlag struct{ n *int64 }

func (m memoryFlag) String() string {
	if m.n == nil {
		return ""
	}
	return resource.NewQuantity(*m.n, resource.BinarySI).String()
}

func (m memoryFlag) Set(s string) error {
	q, err := resource.ParseQuantity(s)
	if err != nil {
		return fmt.Errorf("want a quantity such as 2Gi or 512Mi: %w", err)
	}
	if q.Sign() <= 0 {
		return fmt.Errorf("want a quantity above zero, such as 2Gi")
	}
	*m.n = q.Value()
	return nil
}

func (memoryFlag) Type() string { return "quantity" }

// addEvalMemoryFlag adds --eval-memory, the memory a fleet may take to
// evaluate.
func addEvalMemoryFlag(cmd *cobra.Command, memory *int64) {
	*memory = boundedeval.DefaultMemory
	cmd.Flags().Var(memoryFlag{memory}, "eval-memory", "refuse a fleet that needs more memory than this to evaluate (heap and stacks of the child process evaluating it)")
}

// addEvalTimeoutFlag adds --eval-timeout, the time a fleet may take to
// evaluate, for the commands whose --timeout bounds more than that.
func addEvalTimeoutFlag(cmd *cobra.Command, timeout *time.Duration) {
	cmd.Flags().DurationVar(timeout, "eval-timeout", boundedeval.DefaultTime, "refuse a revision whose fleet takes longer than this to evaluate")
}
