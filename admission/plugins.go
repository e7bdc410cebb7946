package admission

import (
	"context"
	"fmt"
	"io"

	"github.com/gardener/gardener/pkg/apiserver/admission/initializer"
	gardencoreinformers "github.com/gardener/gardener/pkg/client/core/informers/externalversions"
	securityinformers "github.com/gardener/gardener/pkg/client/security/informers/externalversions"
	plugin "github.com/gardener/gardener/plugin/pkg"
	projectmutator "github.com/gardener/gardener/plugin/pkg/project/mutator"
	shootmutator "github.com/gardener/gardener/plugin/pkg/shoot/mutator"
	"github.com/gardener/gardener/plugin/pkg/shoot/resourcereservation"
	"github.com/gardener/gardener/plugin/pkg/shoot/tolerationrestriction"
	shootvalidator "github.com/gardener/gardener/plugin/pkg/shoot/validator"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/authorization/authorizerfactory"
	kubeinformers "k8s.io/client-go/informers"
)

// registerOffline registers the admission plugins gardener-apiserver enables
// by default that judge a Shoot or Project from objects gardenfleet has: the
// others need garden objects a fleet does not hold (doc.go names each).
func registerOffline(plugins *admission.Plugins) {
	tolerationrestriction.Register(plugins)
	shootmutator.Register(plugins)
	shootvalidator.Register(plugins)
	resourcereservation.Register(plugins)
	projectmutator.Register(plugins)
}

// chain is gardener-apiserver's admission chain reduced to the plugins
// registerOffline registers: every mutating plugin in order, then, after the
// registry strategy, every validating one in order (k8s.io/apiserver's
// chainAdmissionHandler, whose type is not exported).
type chain struct {
	names   []string
	plugins []admission.Interface
}

// newChain builds the chain as gardener-apiserver does: the plugins enabled
// by default, in Gardener's order (plugin.AllOrderedPluginNames), each with
// its default configuration (the server is given none), initialized by
// Gardener's plugin initializer over the given informer factories.
func newChain(core gardencoreinformers.SharedInformerFactory, security securityinformers.SharedInformerFactory) (*chain, error) {
	plugins := admission.NewPlugins()
	registerOffline(plugins)
	registered := map[string]bool{}
	for _, name := range plugins.Registered() {
		registered[name] = true
	}
	init := admission.PluginInitializers{
		initializer.New(core, nil, nil, nil, security, nil, kubeinformers.NewSharedInformerFactory(nil, 0), nil, nil,
			authorizerfactory.NewAlwaysAllowAuthorizer(), nil),
		alwaysReady{},
	}
	c := &chain{}
	on := plugin.DefaultOnPlugins()
	for _, name := range plugin.AllOrderedPluginNames() {
		if !registered[name] {
			continue
		}
		if !on.Has(name) {
			return nil, fmt.Errorf("admission: plugin %s is not enabled by default in gardener-apiserver", name)
		}
		var noConfig io.Reader
		p, err := plugins.InitPlugin(name, noConfig, init)
		if err != nil {
			return nil, fmt.Errorf("admission: %w", err)
		}
		c.names = append(c.names, name)
		c.plugins = append(c.plugins, p)
	}
	return c, nil
}

// alwaysReady marks a plugin's informers synced: their stores are filled by
// hand and never synced, and a plugin waits 10 s for them otherwise.
type alwaysReady struct{}

func (alwaysReady) Initialize(p admission.Interface) {
	if r, ok := p.(interface{ AssignReadyFunc(admission.ReadyFunc) }); ok {
		r.AssignReadyFunc(func() bool { return true })
	}
}

// admit runs the mutating plugins that handle a's operation, in order.
func (c *chain) admit(ctx context.Context, a admission.Attributes) error {
	return c.run(a, func(p admission.Interface) error {
		if m, ok := p.(admission.MutationInterface); ok {
			return m.Admit(ctx, a, nil)
		}
		return nil
	})
}

// validate runs the validating plugins that handle a's operation, in order.
func (c *chain) validate(ctx context.Context, a admission.Attributes) error {
	return c.run(a, func(p admission.Interface) error {
		if v, ok := p.(admission.ValidationInterface); ok {
			return v.Validate(ctx, a, nil)
		}
		return nil
	})
}

// run calls phase on each plugin that handles a's operation, in order, up
// to the first refusal.
func (c *chain) run(a admission.Attributes, phase func(admission.Interface) error) error {
	for _, p := range c.plugins {
		if !p.Handles(a.GetOperation()) {
			continue
		}
		if err := phase(p); err != nil {
			return err
		}
	}
	return nil
}
