package admission

import (
	"context"
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"sync"

	"github.com/gardener/gardener/pkg/api/core/validation"
	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	securityv1alpha1 "github.com/gardener/gardener/pkg/apis/security/v1alpha1"
	gardencoreinformers "github.com/gardener/gardener/pkg/client/core/informers/externalversions"
	securityinformers "github.com/gardener/gardener/pkg/client/security/informers/externalversions"
	"github.com/gardener/gardener/pkg/controllermanager/controller/namespacedcloudprofile"
	gardenerutils "github.com/gardener/gardener/pkg/utils/gardener"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	apiruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/authentication/user"
)

// Judge admits objects as gardener-apiserver would, against the garden
// objects added to it. It is safe for concurrent use once filled.
type Judge struct {
	plugins  *chain
	core     gardencoreinformers.SharedInformerFactory
	security securityinformers.SharedInformerFactory
	user     user.Info
	// namespaced are the NamespacedCloudProfiles without a status, whose
	// spec Gardener's controller computes from the parent: see Admit.
	namespaced []*gardencorev1beta1.NamespacedCloudProfile
}

// New returns a Judge with Gardener's feature gates set to featureGates
// (Gardener's syntax: "InPlaceNodeUpdates=true,..."; "" for Gardener's
// defaults). Gates are process-wide: a New with other gates changes what an
// earlier Judge admits.
func New(featureGates string) (*Judge, error) {
	if err := setFeatureGates(featureGates); err != nil {
		return nil, err
	}
	j := &Judge{
		// nil clients: the informers are never started, only their stores used.
		core:     gardencoreinformers.NewSharedInformerFactory(nil, 0),
		security: securityinformers.NewSharedInformerFactory(nil, 0),
		user:     &user.DefaultInfo{Name: "gardenfleet"},
	}
	c, err := newChain(j.core, j.security)
	if err != nil {
		return nil, err
	}
	j.plugins = c
	return j, nil
}

// AddGarden adds the garden's CloudProfiles, NamespacedCloudProfiles,
// Projects and CredentialsBindings the plugins read; objects of other kinds
// are ignored. Call it before Admit, not during.
func (j *Judge) AddGarden(objs ...*unstructured.Unstructured) error {
	for _, u := range objs {
		obj, err := typed(u)
		if err != nil {
			return err
		}
		// The garden stores objects defaulted (a machine image version
		// without a CRI gets containerd): so must the stores.
		scheme.Default(obj)
		switch o := obj.(type) {
		case *gardencorev1beta1.CloudProfile:
			err = j.core.Core().V1beta1().CloudProfiles().Informer().GetStore().Add(o)
		case *gardencorev1beta1.NamespacedCloudProfile:
			if o.Status.CloudProfileSpec.Type == "" {
				j.namespaced = append(j.namespaced, o)
				continue
			}
			err = j.core.Core().V1beta1().NamespacedCloudProfiles().Informer().GetStore().Add(o)
		case *gardencorev1beta1.Project:
			err = j.core.Core().V1beta1().Projects().Informer().GetStore().Add(o)
		case *securityv1alpha1.CredentialsBinding:
			err = j.security.Security().V1alpha1().CredentialsBindings().Informer().GetStore().Add(o)
		}
		if err != nil {
			return fmt.Errorf("admission: adding %s %s: %w", u.GetKind(), u.GetName(), err)
		}
	}
	return nil
}

// Result is the verdict on a set of objects.
type Result struct {
	// Refusals are the objects Gardener refuses, in input order.
	Refusals []Refusal
	// Notes say which checks were skipped and why, each once, sorted.
	Notes []string
}

// Refusal is one object Gardener refuses and why.
type Refusal struct {
	Kind, Namespace, Name string
	Violations            []Violation
}

// Admit judges every Shoot and Project of objs as created anew. The
// Projects among objs are the garden's too (a Shoot's project is looked up
// there). A Shoot whose CloudProfile is unknown gets its defaults and
// ValidateShoot only; a CredentialsBinding it names that is unknown gets a
// stand-in, so that check is skipped rather than failed: the notes say so.
func (j *Judge) Admit(ctx context.Context, objs []*unstructured.Unstructured) (*Result, error) {
	notes := newNotes()
	if err := j.completeGarden(objs, notes); err != nil {
		return nil, err
	}
	verdicts := make([][]Violation, len(objs))
	errs := make([]error, len(objs))
	next := make(chan int)
	var wg sync.WaitGroup
	// Gardener's checks take about half a millisecond a Shoot: use every
	// core. The plugins only read listers over thread-safe stores.
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				verdicts[i], errs[i] = j.admitOne(ctx, objs[i], notes)
			}
		})
	}
	for i := range objs {
		next <- i
	}
	close(next)
	wg.Wait()
	res := &Result{Notes: notes.sorted()}
	for i, o := range objs {
		if errs[i] != nil {
			return nil, errs[i]
		}
		if len(verdicts[i]) > 0 {
			res.Refusals = append(res.Refusals, Refusal{Kind: o.GetKind(), Namespace: o.GetNamespace(), Name: o.GetName(), Violations: verdicts[i]})
		}
	}
	return res, nil
}

// completeGarden adds what the judged objects need from the garden: their
// Projects, the status of NamespacedCloudProfiles as Gardener's controller
// computes it, and stand-ins for unknown CredentialsBindings.
func (j *Judge) completeGarden(objs []*unstructured.Unstructured, notes *notes) error {
	var projects []*unstructured.Unstructured
	for _, o := range objs {
		if isKind(o, "Project") {
			projects = append(projects, o)
		}
	}
	if err := j.AddGarden(projects...); err != nil {
		return err
	}
	cpLister := j.core.Core().V1beta1().CloudProfiles().Lister()
	for _, ncp := range j.namespaced {
		parent, err := cpLister.Get(ncp.Spec.Parent.Name)
		if err != nil {
			notes.add(fmt.Sprintf("NamespacedCloudProfile %s/%s: no parent CloudProfile %s: its shoots get no CloudProfile checks", ncp.Namespace, ncp.Name, ncp.Spec.Parent.Name))
			continue
		}
		ncp = ncp.DeepCopy()
		namespacedcloudprofile.MergeCloudProfiles(ncp, parent)
		if err := j.core.Core().V1beta1().NamespacedCloudProfiles().Informer().GetStore().Add(ncp); err != nil {
			return fmt.Errorf("admission: adding NamespacedCloudProfile %s: %w", ncp.Name, err)
		}
	}
	j.namespaced = nil
	bindings := j.security.Security().V1alpha1().CredentialsBindings()
	for _, o := range objs {
		if !isKind(o, "Shoot") {
			continue
		}
		name, _, _ := unstructured.NestedString(o.Object, "spec", "credentialsBindingName")
		if name == "" {
			continue
		}
		if _, err := bindings.Lister().CredentialsBindings(o.GetNamespace()).Get(name); err == nil {
			continue
		}
		typ, _, _ := unstructured.NestedString(o.Object, "spec", "provider", "type")
		cb := &securityv1alpha1.CredentialsBinding{
			ObjectMeta:     metav1.ObjectMeta{Namespace: o.GetNamespace(), Name: name},
			Provider:       securityv1alpha1.CredentialsBindingProvider{Type: typ},
			CredentialsRef: corev1.ObjectReference{APIVersion: "v1", Kind: "Secret", Namespace: o.GetNamespace(), Name: name},
		}
		if err := bindings.Informer().GetStore().Add(cb); err != nil {
			return fmt.Errorf("admission: adding a stand-in CredentialsBinding %s: %w", name, err)
		}
		// Once per name: a fleet names one binding in every project.
		notes.add(fmt.Sprintf("no CredentialsBinding %s: its provider type is not checked", name))
	}
	return nil
}

// admitOne judges one object; objects other than Shoots and Projects pass.
func (j *Judge) admitOne(ctx context.Context, o *unstructured.Unstructured, notes *notes) ([]Violation, error) {
	switch {
	case isKind(o, "Shoot"):
		s, err := j.internalShoot(o)
		if err != nil {
			return violationsOf(err), nil
		}
		return j.createShoot(ctx, s, notes), nil
	case isKind(o, "Project"):
		return j.createProject(ctx, o), nil
	}
	return nil, nil
}

func isKind(o *unstructured.Unstructured, kind string) bool {
	gvk := o.GroupVersionKind()
	return gvk.Group == core.GroupName && gvk.Kind == kind
}

// internalShoot decodes, defaults and converts a Shoot as the apiserver's
// decoder does.
func (j *Judge) internalShoot(o *unstructured.Unstructured) (*core.Shoot, error) {
	obj, err := typed(o)
	if err != nil {
		return nil, err
	}
	ext, ok := obj.(*gardencorev1beta1.Shoot)
	if !ok {
		return nil, fmt.Errorf("%s is not a v1beta1 Shoot", o.GetAPIVersion())
	}
	scheme.Default(ext)
	s := &core.Shoot{}
	if err := scheme.Convert(ext, s, nil); err != nil {
		return nil, fmt.Errorf("converting Shoot %s/%s: %w", o.GetNamespace(), o.GetName(), err)
	}
	return s, nil
}

// NoCloudProfileNote starts the note of a CloudProfile a shoot names that
// is not known.
const NoCloudProfileNote = "no CloudProfile"

// knownProfile reports whether the plugins can judge s: they fail on a
// CloudProfile or Project they cannot find (an internal error, no verdict).
func (j *Judge) knownProfile(s *core.Shoot, notes *notes) bool {
	if _, err := gardenerutils.GetCloudProfileSpec(j.core.Core().V1beta1().CloudProfiles().Lister(), j.core.Core().V1beta1().NamespacedCloudProfiles().Lister(), s); err != nil {
		ref := gardenerutils.BuildCoreCloudProfileReference(s)
		what := NoCloudProfileNote
		name := ""
		if ref != nil {
			name = ref.Name
			if ref.Kind == "NamespacedCloudProfile" {
				what = NoCloudProfileNote + " (namespaced) in namespace " + s.Namespace + " named"
			}
		}
		notes.add(fmt.Sprintf("%s %s: the checks that need it (versions, machine types and images, regions) are skipped", what, name))
		return false
	}
	projects := j.core.Core().V1beta1().Projects().Lister().List
	all, _ := projects(labelsEverything)
	for _, p := range all {
		if p.Spec.Namespace != nil && *p.Spec.Namespace == s.Namespace {
			return true
		}
	}
	notes.add(fmt.Sprintf("no Project for namespace %s: the checks that need one are skipped", s.Namespace))
	return false
}

// createShoot is the apiserver's create path for a Shoot: ShootMutator,
// the registry strategy (PrepareForCreate, Validate), ShootValidator.
func (j *Judge) createShoot(ctx context.Context, s *core.Shoot, notes *notes) []Violation {
	plugins := j.knownProfile(s, notes)
	if plugins {
		if err := j.plugins.admit(ctx, j.attrs(s, nil, admission.Create)); err != nil {
			return violationsOf(err)
		}
	}
	prepareForCreate(s)
	errs := validateCreate(s)
	if !plugins {
		errs = withoutMutatorDefaults(errs)
	}
	if len(errs) > 0 {
		return fieldViolations(errs)
	}
	if plugins {
		if err := j.plugins.validate(ctx, j.attrs(s, nil, admission.Create)); err != nil {
			return violationsOf(err)
		}
	}
	return fieldViolations(validateMetal(s, j.profileOf(s)))
}

// withoutMutatorDefaults drops what ValidateShoot requires and the
// ShootMutator would have set from the CloudProfile: a pool's machine image.
// Without the CloudProfile the mutator cannot run, and that is noted.
func withoutMutatorDefaults(errs field.ErrorList) field.ErrorList {
	out := errs[:0]
	for _, e := range errs {
		if e.Type == field.ErrorTypeRequired && poolImage.MatchString(e.Field) {
			continue
		}
		out = append(out, e)
	}
	return out
}

var poolImage = regexp.MustCompile(`^spec\.provider\.workers\[[0-9]+\]\.machine\.image$`)

// prepareForCreate is registry/core/shoot.Strategy.PrepareForCreate (that
// package does not build against this k8s.io/apiserver), without
// SyncDNSProviderCredentials: it only moves DNS provider secret names.
func prepareForCreate(s *core.Shoot) {
	s.Generation = 1
	s.Status = core.ShootStatus{}
	gardenerutils.SyncCloudProfileFields(nil, s)
}

// validateCreate is registry/core/shoot.Strategy.Validate.
func validateCreate(s *core.Shoot) field.ErrorList {
	errs := validation.ValidateShoot(s)
	errs = append(errs, validation.ValidateForceDeletion(s, nil)...)
	errs = append(errs, validation.ValidateFinalizersOnCreation(s.Finalizers, field.NewPath("metadata", "finalizers"))...)
	return append(errs, validation.ValidateInPlaceUpdateStrategyOnCreation(s)...)
}

// AdmitUpdate judges obj as an update of old, which the garden holds (it
// was admitted when created): ShootMutator, the registry strategy's update
// steps with ValidateShootUpdate, ShootValidator. Only Shoots are judged.
func (j *Judge) AdmitUpdate(ctx context.Context, obj, old *unstructured.Unstructured) ([]Violation, []string, error) {
	if !isKind(obj, "Shoot") || !isKind(old, "Shoot") {
		return nil, nil, nil
	}
	notes := newNotes()
	if err := j.completeGarden([]*unstructured.Unstructured{obj, old}, notes); err != nil {
		return nil, nil, err
	}
	o, err := j.internalShoot(old)
	if err != nil {
		return nil, nil, fmt.Errorf("old object: %w", err)
	}
	plugins := j.knownProfile(o, notes)
	// The stored object went through the mutator on its own create.
	if plugins {
		if err := j.plugins.admit(ctx, j.attrs(o, nil, admission.Create)); err != nil {
			return nil, nil, fmt.Errorf("old object: %w", err)
		}
	}
	prepareForCreate(o)
	s, err := j.internalShoot(obj)
	if err != nil {
		return violationsOf(err), notes.sorted(), nil
	}
	s.ResourceVersion, o.ResourceVersion = "2", "1" // ValidateObjectMetaUpdate wants one
	// What the API server keeps of the stored object on every update
	// (k8s.io/apiserver's rest.BeforeUpdate): a rendered object has none
	// of it, a live one has it all.
	if s.UID == "" {
		s.UID = o.UID
	}
	s.CreationTimestamp = o.CreationTimestamp
	if s.DeletionTimestamp == nil {
		s.DeletionTimestamp, s.DeletionGracePeriodSeconds = o.DeletionTimestamp, o.DeletionGracePeriodSeconds
	}
	if plugins {
		if err := j.plugins.admit(ctx, j.attrs(s, o, admission.Update)); err != nil {
			return violationsOf(err), notes.sorted(), nil
		}
	}
	// registry/core/shoot.Strategy.PrepareForUpdate, without the
	// annotations that also raise the generation.
	s.Status = o.Status
	s.Generation = o.Generation
	if !apiequality.Semantic.DeepEqual(s.Spec, o.Spec) {
		s.Generation++
	}
	gardenerutils.SyncCloudProfileFields(o, s)
	errs := validation.ValidateShootUpdate(s, o)
	errs = append(errs, validation.ValidateForceDeletion(s, o)...)
	if !plugins {
		errs = withoutMutatorDefaults(errs)
	}
	if len(errs) > 0 {
		return fieldViolations(errs), notes.sorted(), nil
	}
	if plugins {
		if err := j.plugins.validate(ctx, j.attrs(s, o, admission.Update)); err != nil {
			return violationsOf(err), notes.sorted(), nil
		}
	}
	if errs := validateMetalUpdate(o, s, j.profileOf(s)); len(errs) > 0 {
		return fieldViolations(errs), notes.sorted(), nil
	}
	return nil, notes.sorted(), nil
}

func (j *Judge) attrs(shoot, old *core.Shoot, op admission.Operation) admission.Attributes {
	var oldObj apiruntime.Object
	if op == admission.Update {
		oldObj = old
	}
	return j.attributes(shoot, oldObj, "Shoot", "shoots", shoot.Namespace, shoot.Name, op)
}

// attributes is the admission request of the user creating or updating obj.
func (j *Judge) attributes(obj, old apiruntime.Object, kind, resource, namespace, name string, op admission.Operation) admission.Attributes {
	var opts apiruntime.Object = &metav1.CreateOptions{}
	if op == admission.Update {
		opts = &metav1.UpdateOptions{}
	}
	return admission.NewAttributesRecord(obj, old, core.Kind(kind).WithVersion("v1beta1"),
		namespace, name, core.Resource(resource).WithVersion("v1beta1"), "", op, opts, false, j.user)
}

// createProject is the apiserver's create path for a Project: the mutating
// plugins (ProjectMutator), ValidateProject, the validating plugins.
func (j *Judge) createProject(ctx context.Context, o *unstructured.Unstructured) []Violation {
	obj, err := typed(o)
	if err != nil {
		return violationsOf(err)
	}
	scheme.Default(obj)
	p := &core.Project{}
	if err := scheme.Convert(obj, p, nil); err != nil {
		return violationsOf(fmt.Errorf("converting Project %s: %w", o.GetName(), err))
	}
	a := j.attributes(p, nil, "Project", "projects", "", p.Name, admission.Create)
	if err := j.plugins.admit(ctx, a); err != nil {
		return violationsOf(err)
	}
	if errs := validation.ValidateProject(p); len(errs) > 0 {
		return fieldViolations(errs)
	}
	if err := j.plugins.validate(ctx, a); err != nil {
		return violationsOf(err)
	}
	return nil
}

// notes collects notes from concurrent checks, each once.
type notes struct {
	mu  sync.Mutex
	set map[string]bool
}

func newNotes() *notes { return &notes{set: map[string]bool{}} }

func (n *notes) add(s string) {
	n.mu.Lock()
	n.set[s] = true
	n.mu.Unlock()
}

func (n *notes) sorted() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]string, 0, len(n.set))
	for s := range n.set {
		out = append(out, s)
	}
	sort.Strings(out)
	return slices.Clip(out)
}
