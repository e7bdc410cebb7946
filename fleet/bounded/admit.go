package bounded

import (
	"context"
	"fmt"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gardenfleet/gardenfleet/admission"
	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/render"
)

// Admission asks Check to judge the rendered objects with Gardener's own
// defaulting, admission plugins and validation (package admission), after
// the fleet passed: in the child, as that is where the objects are, and
// because it is Gardener's code on input the fleet controls.
type Admission struct {
	// Garden holds garden objects beside the repo's cloudprofiles/:
	// CloudProfiles, NamespacedCloudProfiles, Projects and
	// CredentialsBindings as YAML, by a name for messages (a file given
	// with --cloudprofile, or the live garden).
	Garden []fleet.File
	// FeatureGates are Gardener's, in its syntax; "" is its defaults.
	FeatureGates string
}

// judge runs admission on what f rendered. A refusal is placed at the
// declaration of the shoot or project in the fleet, or at the overlay when
// the object, or the field Gardener refuses, came from the overlay. An
// unreadable garden file is a refusal too: it is the repo's or the user's.
func judge(ctx context.Context, f *fleet.Fleet, pos *fleet.Positions, res *render.Result, adm *Admission, dir string) ([]fleet.Issue, []string, error) {
	j, issues, err := NewJudge(f, adm)
	if err != nil || issues != nil {
		return issues, nil, err
	}
	r, err := j.Admit(ctx, res.Objects)
	if err != nil {
		return nil, nil, err
	}
	p := newPlacer(f, res.Objects, dir)
	p.pos = pos
	for _, ref := range r.Refusals {
		for _, v := range ref.Violations {
			issues = append(issues, p.place(ref, v))
		}
	}
	return issues, Notes(f, adm, r.Notes), nil
}

// NewJudge is Gardener's admission with the garden objects of the fleet's
// cloudprofiles/ and of adm. A garden file that cannot be read is an issue:
// it is the repo's or the user's.
func NewJudge(f *fleet.Fleet, adm *Admission) (*admission.Judge, []fleet.Issue, error) {
	j, err := admission.New(adm.FeatureGates)
	if err != nil {
		return nil, nil, err
	}
	var issues []fleet.Issue
	for _, file := range append(slices.Clip(f.CloudProfiles), adm.Garden...) {
		objs, err := admission.Decode(file.Path, file.Data)
		if err == nil {
			err = j.AddGarden(objs...)
		}
		if err != nil {
			issues = append(issues, fleet.Issue{Message: err.Error()})
		}
	}
	return j, issues, nil
}

// Notes are a judge's notes as the user reads them: without any
// CloudProfile, that is said once rather than once for each one named.
func Notes(f *fleet.Fleet, adm *Admission, notes []string) []string {
	if len(f.CloudProfiles) > 0 || len(adm.Garden) > 0 {
		return notes
	}
	out := []string{"no CloudProfiles (cloudprofiles/, --cloudprofile or --kubeconfig): Gardener's checks that need one are skipped"}
	for _, n := range notes {
		if !strings.HasPrefix(n, admission.NoCloudProfileNote) {
			out = append(out, n)
		}
	}
	return out
}

// placer finds where in the fleet a refusal belongs.
type placer struct {
	dir      string
	shoots   map[string]*fleet.Shoot // by namespace/name
	projects map[string]*fleet.Project
	overlay  bool
	// shootsAfter are the rendered Shoots after the overlay.
	shootsAfter map[string]*unstructured.Unstructured
	// pos places a refused field at the setting that produced it.
	pos *fleet.Positions
}

func newPlacer(f *fleet.Fleet, objs []*unstructured.Unstructured, dir string) *placer {
	p := &placer{dir: dir, shoots: map[string]*fleet.Shoot{}, projects: map[string]*fleet.Project{}, overlay: f.Overlay != nil, shootsAfter: map[string]*unstructured.Unstructured{}}
	for _, o := range objs {
		if o.GetKind() == "Shoot" {
			p.shootsAfter[o.GetNamespace()+"/"+o.GetName()] = o
		}
	}
	for i := range f.Shoots {
		s := &f.Shoots[i]
		p.shoots[s.Namespace+"/"+s.Name] = s
	}
	for i := range f.Projects {
		p.projects[f.Projects[i].Name] = &f.Projects[i]
	}
	return p
}

// overlayFile is where an object or field of the overlay is placed.
var overlayFile = path.Join(fleet.OverlayDir, "kustomization.yaml")

func (p *placer) place(ref admission.Refusal, v admission.Violation) fleet.Issue {
	switch ref.Kind {
	case "Shoot":
		s, ok := p.shoots[ref.Namespace+"/"+ref.Name]
		if !ok || p.overlay && v.Field != "" && p.fromOverlay(s, ref, v.Field) {
			return p.atOverlay("shoots."+ref.Name, v)
		}
		at := s.Declared
		if p.pos != nil && v.Field != "" {
			if field, ok := fieldPos(p.pos, s.Name, p.shootsAfter[ref.Namespace+"/"+ref.Name], v.Field); ok && field.IsValid() {
				at = field
			}
		}
		return fleet.DeclaredIssue(at, p.dir, "shoots."+ref.Name, v.Message)
	case "Project":
		pr, ok := p.projects[ref.Name]
		if !ok {
			return p.atOverlay("projects."+ref.Name, v)
		}
		return fleet.DeclaredIssue(pr.Declared, p.dir, "projects."+ref.Name, v.Message)
	}
	return fleet.Issue{Message: fmt.Sprintf("%s %s/%s: %s", ref.Kind, ref.Namespace, ref.Name, v.Message)}
}

func (p *placer) atOverlay(at string, v admission.Violation) fleet.Issue {
	return fleet.Issue{File: overlayFile, Line: 1, Column: 1, Path: at, Message: v.Message}
}

// fromOverlay tells whether the overlay changed the value at Gardener's
// field path (spec.provider.workers[0].kubernetes.version) of the shoot
// the fleet rendered as before.
func (p *placer) fromOverlay(s *fleet.Shoot, ref admission.Refusal, fieldPath string) bool {
	after, ok := p.shootsAfter[ref.Namespace+"/"+ref.Name]
	if !ok {
		return false
	}
	before, err := render.Shoot(s)
	if err != nil {
		// The fleet's own render failed, so the value cannot be from the fleet.
		return true
	}
	a, aok := valueAt(after.Object, fieldPath)
	b, bok := valueAt(before.Object, fieldPath)
	return aok != bok || !reflect.DeepEqual(a, b)
}

// valueAt follows a field path as Gardener writes it: names, [index] and
// [key]; ok is false when a step is missing.
func valueAt(obj any, fieldPath string) (any, bool) {
	for fieldPath != "" {
		var step string
		switch fieldPath[0] {
		case '[':
			end := strings.IndexByte(fieldPath, ']')
			if end < 0 {
				return nil, false
			}
			step, fieldPath = fieldPath[1:end], fieldPath[end+1:]
			if list, ok := obj.([]any); ok {
				i, err := strconv.Atoi(step)
				if err != nil || i < 0 || i >= len(list) {
					return nil, false
				}
				obj = list[i]
				continue
			}
		default:
			fieldPath = strings.TrimPrefix(fieldPath, ".")
			end := strings.IndexAny(fieldPath, ".[")
			if end < 0 {
				end = len(fieldPath)
			}
			step, fieldPath = fieldPath[:end], fieldPath[end:]
		}
		m, ok := obj.(map[string]any)
		if !ok {
			return nil, false
		}
		if obj, ok = m[step]; !ok {
			return nil, false
		}
	}
	return obj, true
}

// maxGardenBytes bounds the garden objects a request carries.
const maxGardenBytes = 64 << 20
