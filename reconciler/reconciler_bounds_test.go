package reconciler

import (
	"strings"
	"testing"
	"time"

	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gardenfleet/gardenfleet/fleet/bounded"
	"github.com/gardenfleet/gardenfleet/fleet/bounded/hostile"
)

// TestHostileCommit pushes commits that pass each evaluation limit after a
// good one: each fails its revision like an invalid fleet (the good one
// stays applied, the status and one Event say which limit), the daemon
// lives on, and applies the next good commit.
func TestHostileCommit(t *testing.T) {
	h := newHarness(t)
	fl := newFleet()
	fl.shoot("s1", "1.36.4", "")
	good := h.push(fl.files())
	h.createFleet()
	opts := h.reconcilerOptions()
	// The time limit is long enough that the memory and output cases meet
	// their own limit first on a loaded machine, short enough for the slow
	// case to be refused within the test's wait.
	opts.Eval = bounded.Limits{Time: 30 * time.Second, Memory: 256 << 20, OutputBytes: 1 << 20}
	h.startWith(opts)
	h.eventually(t, func(g Gomega) { readyAt(g, h.fleet(g), good) })
	// The simulator writes the shoot's status: its spec is what must not move.
	s1 := h.shoot("s1").GetGeneration()

	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{
			name:  "a terabyte at once",
			files: map[string]string{"hostile.cue": hostile.Terabyte},
			want:  "fleet is refused: evaluating the fleet needed more than 256 MiB of memory",
		},
		{
			name:  "a gigabyte",
			files: map[string]string{"hostile.cue": hostile.Gigabyte},
			want:  "fleet is refused: evaluating the fleet needed more than 256 MiB of memory",
		},
		{
			name:  "hours of comprehension",
			files: map[string]string{"hostile.cue": hostile.Slow},
			want:  "fleet is refused: evaluating the fleet took longer than 30s",
		},
		{
			name:  "megabytes of objects",
			files: map[string]string{"fleet.cue": hostile.Wide(20, 100000)},
			want:  "fleet is refused: the objects the fleet renders take more than 1 MiB",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := fl.files()
			for name, src := range tt.files {
				if _, ok := files[name]; ok {
					files = map[string]string{} // the hostile fleet alone
				}
				files[name] = src
			}
			seen := len(h.events.all())
			rev := h.push(files)
			h.eventually(t, func(g Gomega) {
				f := h.fleet(g)
				g.Expect(f.Status.LastAttemptedRevision).To(Equal(rev))
				status, reason, msg := readyReason(f)
				g.Expect(status).To(Equal(metav1.ConditionFalse))
				g.Expect(reason).To(Equal(BuildFailedReason))
				g.Expect(msg).To(Equal(tt.want))
				g.Expect(conditions.IsStalled(f)).To(BeTrue())
				g.Expect(f.Status.LastAppliedRevision).To(Equal(good), "the good revision stays in force")
			})
			if got := h.shoot("s1"); got == nil || got.GetGeneration() != s1 || got.GetDeletionTimestamp() != nil {
				t.Errorf("shoot s1 changed or went while the revision was refused")
			}
			// The revision is evaluated once, not on every pass (interval 1s).
			oneEvent := func(g Gomega) {
				n := countEvents(h.events.all()[seen:], "Warning BuildFailed "+tt.want)
				g.Expect(n).To(Equal(1), "BuildFailed Events %q (one evaluation per revision); events:\n%s", tt.want, strings.Join(h.events.all(), "\n"))
			}
			h.eventually(t, oneEvent)
			h.consistently(t, 2*time.Second, oneEvent)
		})
	}

	t.Run("a good commit after them: applied", func(t *testing.T) {
		fl.shoots[0].with(`labels: team: "blue"`)
		rev := h.push(fl.files())
		h.eventually(t, func(g Gomega) {
			readyAt(g, h.fleet(g), rev)
			g.Expect(h.shoot("s1").GetLabels()).To(HaveKeyWithValue("team", "blue"))
		})
	})
}

func countEvents(events []string, want string) int {
	n := 0
	for _, e := range events {
		if e == want {
			n++
		}
	}
	return n
}
