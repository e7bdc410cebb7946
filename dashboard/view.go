package dashboard

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gardenfleet/gardenfleet/api/v1alpha1"
)

// Phases lists the shoot phases in the order the dashboard shows them.
var Phases = []v1alpha1.ShootPhase{v1alpha1.ShootStalled, v1alpha1.ShootUpgrading,
	v1alpha1.ShootWaiting, v1alpha1.ShootHeld, v1alpha1.ShootUpToDate}

// Source is where a Fleet's repository is; credentials are left out.
type Source struct {
	URL  string `json:"url"`
	Ref  string `json:"ref"`
	Path string `json:"path,omitempty"`
}

// Condition is one status condition of a Fleet.
type Condition struct {
	Type    string    `json:"type"`
	Status  string    `json:"status"`
	Reason  string    `json:"reason,omitempty"`
	Message string    `json:"message,omitempty"`
	Since   time.Time `json:"since"`
}

// LastError is the message of a failed Ready condition and the position it
// names, if any.
type LastError struct {
	Reason   string `json:"reason"`
	Message  string `json:"message"`
	Position string `json:"position,omitempty"`
}

// Fleet is the summary of one Fleet: the list view and the head of its page.
type Fleet struct {
	Namespace         string         `json:"namespace"`
	Name              string         `json:"name"`
	Source            Source         `json:"source"`
	Suspended         bool           `json:"suspended,omitempty"`
	AppliedRevision   string         `json:"appliedRevision,omitempty"`
	AttemptedRevision string         `json:"attemptedRevision,omitempty"`
	Conditions        []Condition    `json:"conditions"`
	LastError         *LastError     `json:"lastError,omitempty"`
	Phases            map[string]int `json:"phases"`
	Shoots            int            `json:"shoots"`
	Waves             []Wave         `json:"waves"`
	Labs              int            `json:"labs"`
}

// Wave is one upgrade wave on the timeline.
type Wave struct {
	Name        string     `json:"name"`
	Phase       string     `json:"phase"`
	CompletedAt *time.Time `json:"completedAt,omitempty"`
	// BakeUntil is when its bake time ends and the next wave may start;
	// BakeLeft the seconds until then, 0 once it passed.
	BakeUntil *time.Time `json:"bakeUntil,omitempty"`
	BakeLeft  int64      `json:"bakeLeft,omitempty"`
	// Phases counts the wave's shoots by phase; Shoots all of them.
	Phases map[string]int `json:"phases"`
	Shoots int            `json:"shoots"`
}

// Operation is Gardener's last operation on a shoot.
type Operation struct {
	Type  string `json:"type"`
	State string `json:"state"`
}

// Shoot is one shoot's line: where it is on its version path and why.
type Shoot struct {
	Namespace    string            `json:"namespace"`
	Name         string            `json:"name"`
	Project      string            `json:"project"`
	Phase        string            `json:"phase"`
	Reason       string            `json:"reason,omitempty"`
	Message      string            `json:"message,omitempty"`
	Wave         string            `json:"wave,omitempty"`
	Hibernated   bool              `json:"hibernated,omitempty"`
	Operation    *Operation        `json:"lastOperation,omitempty"`
	ControlPlane string            `json:"controlPlane,omitempty"`
	Pools        map[string]string `json:"pools,omitempty"`
	Target       string            `json:"target,omitempty"`
	Step         int32             `json:"step"`
	Steps        int32             `json:"steps"`
	StepSince    *time.Time        `json:"stepSince,omitempty"`
}

// ShootPage is one page of a Fleet's shoots after the filters.
type ShootPage struct {
	Page  int     `json:"page"`
	Size  int     `json:"size"`
	Total int     `json:"total"`
	Pages int     `json:"pages"`
	Items []Shoot `json:"items"`
	// All is true when the pages hold every shoot (the reconciler's view);
	// false when they hold only the shoots the status lists, and Unlisted
	// counts the others, which are in no page.
	All      bool `json:"all"`
	Unlisted int  `json:"unlisted,omitempty"`
}

// Filter selects shoots; empty fields select all.
type Filter struct {
	Phase   string
	Project string
	// Wave selects the shoots of one wave when ByWave ("" is the shoots of
	// none).
	Wave   string
	ByWave bool
	// Text matches a substring of the name, reason or message.
	Text string
}

// positionRE finds the file:line:col a fleet error names (cue and the loader
// print positions this way).
var positionRE = regexp.MustCompile(`[\w./-]+\.(?:cue|ya?ml|json):\d+:\d+`)

// hibernatedReason is the reconciler's reason of a shoot held while asleep.
const hibernatedReason = "Hibernated"

func summarize(f *v1alpha1.Fleet, now time.Time) Fleet {
	out := Fleet{
		Namespace: f.Namespace, Name: f.Name,
		Source:            source(&f.Spec),
		Suspended:         f.Spec.Suspend,
		AppliedRevision:   f.Status.LastAppliedRevision,
		AttemptedRevision: f.Status.LastAttemptedRevision,
		Conditions:        []Condition{},
		Waves:             []Wave{},
	}
	for _, c := range f.Status.Conditions {
		out.Conditions = append(out.Conditions, Condition{Type: c.Type, Status: string(c.Status),
			Reason: c.Reason, Message: c.Message, Since: c.LastTransitionTime.UTC()})
		if c.Type == meta.ReadyCondition && c.Status == metav1.ConditionFalse {
			out.LastError = &LastError{Reason: c.Reason, Message: c.Message, Position: positionRE.FindString(c.Message)}
		}
	}
	counts := shootCounts(f)
	out.Phases, out.Shoots = phases(&counts), int(counts.Total)
	for _, w := range f.Status.Waves {
		wc := v1alpha1.ShootCounts{}
		if w.Shoots != nil {
			wc = *w.Shoots
		}
		ow := Wave{Name: w.Name, Phase: string(w.Phase), CompletedAt: timeOf(w.CompletedAt), BakeUntil: timeOf(w.BakeUntil),
			Phases: phases(&wc), Shoots: int(wc.Total)}
		if w.BakeUntil != nil && now.Before(w.BakeUntil.Time) {
			ow.BakeLeft = int64(w.BakeUntil.Sub(now).Round(time.Second) / time.Second)
		}
		out.Waves = append(out.Waves, ow)
	}
	out.Labs = len(labRefs(f))
	return out
}

// shootCounts is the status' counts by phase; for a Fleet written before it
// had them, the listed shoots and the UpToDate ones only counted.
func shootCounts(f *v1alpha1.Fleet) v1alpha1.ShootCounts {
	if c := f.Status.ShootCounts; c != nil {
		return *c
	}
	var c v1alpha1.ShootCounts
	for i := range f.Status.Shoots {
		c.Add(f.Status.Shoots[i].Phase)
	}
	c.Total += int32(unlisted(f))
	c.UpToDate += int32(unlisted(f))
	return c
}

func phases(c *v1alpha1.ShootCounts) map[string]int {
	out := make(map[string]int, len(Phases))
	for _, p := range Phases {
		out[string(p)] = int(c.Of(p))
	}
	return out
}

// unlisted counts the UpToDate shoots an older status counts but does not
// list.
func unlisted(f *v1alpha1.Fleet) int {
	listed := 0
	for i := range f.Status.Shoots {
		if f.Status.Shoots[i].Phase == v1alpha1.ShootUpToDate {
			listed++
		}
	}
	return max(0, int(f.Status.ShootsUpToDate)-listed)
}

func source(s *v1alpha1.FleetSpec) Source {
	out := Source{URL: redactURL(s.URL), Ref: "branch main", Path: s.Path}
	if r := s.Ref; r != nil {
		switch {
		case r.Commit != "":
			out.Ref = "commit " + r.Commit
		case r.Tag != "":
			out.Ref = "tag " + r.Tag
		case r.SemVer != "":
			out.Ref = "semver " + r.SemVer
		case r.Branch != "":
			out.Ref = "branch " + r.Branch
		}
	}
	return out
}

// redactURL drops the user info someone put into an http(s) URL (a token
// is often the user name there) and any password.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	_, hasPassword := u.User.Password()
	switch {
	case u.Scheme == "http" || u.Scheme == "https":
		u.User = url.User("redacted")
	case hasPassword:
		u.User = url.User(u.User.Username())
	}
	return u.String()
}

// project is the Gardener project of a project namespace ("garden-<name>";
// the namespace garden is project garden's).
func project(namespace string) string {
	if p, ok := strings.CutPrefix(namespace, "garden-"); ok {
		return p
	}
	return namespace
}

func shootOf(s *v1alpha1.ShootStatus) Shoot {
	out := Shoot{
		Namespace: s.Namespace, Name: s.Name, Project: project(s.Namespace),
		Phase: string(s.Phase), Reason: s.Reason, Message: s.Message,
		Wave: s.Wave,
		// A status written before it had the flag says so by the reason.
		Hibernated:   s.Hibernated || s.Phase == v1alpha1.ShootHeld && s.Reason == hibernatedReason,
		ControlPlane: s.ControlPlane, Pools: s.Pools, Target: s.Target,
		Step: s.CurrentStep, Steps: s.CurrentStep + s.StepsLeft, StepSince: timeOf(s.StepStartedAt),
	}
	if op := s.LastOperation; op != nil {
		out.Operation = &Operation{Type: op.Type, State: op.State}
	}
	return out
}

func (f Filter) match(s *v1alpha1.ShootStatus) bool {
	if f.Phase != "" && string(s.Phase) != f.Phase {
		return false
	}
	if f.Project != "" && project(s.Namespace) != f.Project {
		return false
	}
	if f.ByWave && s.Wave != f.Wave {
		return false
	}
	if f.Text != "" {
		t := strings.ToLower(f.Text)
		return strings.Contains(strings.ToLower(s.Namespace+"/"+s.Name), t) ||
			strings.Contains(strings.ToLower(s.Reason), t) || strings.Contains(strings.ToLower(s.Message), t)
	}
	return true
}

// shootPage filters shoots (sorted by namespace and name), most urgent phase
// first, and cuts page (counted from 1) of size out of them. all tells
// whether shoots is every shoot of f or only those its status lists.
func shootPage(f *v1alpha1.Fleet, shoots []v1alpha1.ShootStatus, all bool, filter Filter, page, size int) ShootPage {
	idx := make([]int, 0, len(shoots))
	for i := range shoots {
		if filter.match(&shoots[i]) {
			idx = append(idx, i)
		}
	}
	rank := map[v1alpha1.ShootPhase]int{}
	for i, p := range Phases {
		rank[p] = i
	}
	// A stable sort by phase keeps namespace and name order within a phase.
	slices.SortStableFunc(idx, func(a, b int) int {
		return rank[shoots[a].Phase] - rank[shoots[b].Phase]
	})
	out := ShootPage{Page: page, Size: size, Total: len(idx), Pages: (len(idx) + size - 1) / size, Items: []Shoot{}, All: all}
	if !all {
		// The status counts what it does not list, by phase only.
		counts := shootCounts(f)
		n := int(counts.Total)
		if filter.Phase != "" {
			n = int(counts.Of(v1alpha1.ShootPhase(filter.Phase)))
		}
		listed := 0
		for i := range shoots {
			if filter.Phase == "" || string(shoots[i].Phase) == filter.Phase {
				listed++
			}
		}
		out.Unlisted = max(0, n-listed)
	}
	for _, i := range idx[min(len(idx), (page-1)*size):min(len(idx), page*size)] {
		out.Items = append(out.Items, shootOf(&shoots[i]))
	}
	return out
}

func timeOf(t *metav1.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
