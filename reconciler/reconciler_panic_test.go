package reconciler

import (
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestPanicIsNotSuccess: a pass that panics must not leave the Fleet Ready.
// controller-runtime recovers panics; without a guard the pass would end
// with no error and be recorded as a success.
func TestPanicIsNotSuccess(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	fl := newFleet()
	fl.shoot("s1", "1.36.4", "")
	h.push(fl.files())
	h.counter.mu.Lock()
	h.counter.panicOn = "/shoots"
	h.counter.mu.Unlock()
	h.createFleet()
	h.start()
	h.eventually(t, func(g Gomega) {
		status, _, msg := readyReason(h.fleet(g))
		g.Expect(status).To(Equal(metav1.ConditionFalse))
		g.Expect(msg).To(ContainSubstring("reconcile panicked: test: request to"))
	})
}
