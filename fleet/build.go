package fleet

import (
	"encoding/json"
	"slices"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"
)

// settings is inheritable settings as written in CUE: one layer, or the
// layers of a shoot merged by mergeLayers.
type settings struct {
	Project            string           `json:"project"`
	Environment        string           `json:"environment"`
	Description        string           `json:"description"`
	CloudProfile       *CloudProfileRef `json:"cloudProfile"`
	Region             string           `json:"region"`
	Purpose            string           `json:"purpose"`
	CredentialsBinding string           `json:"credentialsBinding"`
	Kubernetes         Kubernetes       `json:"kubernetes"`
	Provider           Provider         `json:"provider"`
	Networking         Networking       `json:"networking"`
	Maintenance        Maintenance      `json:"maintenance"`
	Hibernation        hibernation      `json:"hibernation"`
	Extensions         []Extension      `json:"extensions"`
	DNS                struct {
		Domain string `json:"domain"`
	} `json:"dns"`
	Labels      map[string]string          `json:"labels"`
	Annotations map[string]string          `json:"annotations"`
	Pool        json.RawMessage            `json:"-"`
	Pools       map[string]json.RawMessage `json:"pools"`
	Rollout     Rollout                    `json:"rollout"`
	ShootFields Object                     `json:"shoot"`
}

// hibernation is the hibernation block as written, before windows become cron.
type hibernation struct {
	Enabled   *bool      `json:"enabled"`
	Location  string     `json:"location"`
	Windows   []window   `json:"windows"`
	Schedules []Schedule `json:"schedules"`
}

// window is a hibernation window as written in CUE.
type window struct {
	Days     json.RawMessage `json:"days"`
	Start    string          `json:"start"`
	End      string          `json:"end"`
	Location string          `json:"location"`
}

// layer is one source of settings with its CUE path, most general first.
type layer struct {
	path cue.Path
	raw  json.RawMessage
}

type builder struct {
	// evaluate yields the fleet's CUE value; only error positions need it.
	evaluate func() cue.Value
	root     *cue.Value
	doc      document
	errs     cueerrors.Error
	warnings cueerrors.Error
	// windows memoizes hibernation windows: fleets repeat a few patterns
	// across thousands of shoots.
	windows map[string]windowResult
}

type windowResult struct {
	schedules []Schedule
	err       error
}

func (b *builder) value() cue.Value {
	if b.root == nil {
		v := b.evaluate()
		b.root = &v
	}
	return *b.root
}

func (b *builder) fail(path cue.Path, format string, args ...any) {
	b.errs = cueerrors.Append(b.errs, newRuleError(b.pos(path), pathStrings(path), format, args...))
}

// pos returns the position of the value at path, or of its closest parent.
func (b *builder) pos(path cue.Path) token.Pos { return positionAt(b.value(), path) }

// positionAt returns where the user wrote the value at path in root, or its
// closest parent.
func positionAt(root cue.Value, path cue.Path) token.Pos {
	sels := path.Selectors()
	for n := len(sels); n >= 0; n-- {
		if v := root.LookupPath(cue.MakePath(sels[:n]...)); v.Exists() {
			// A value only the schema gives has no place in the user's
			// files: its parent has.
			if p := userPos(v, 3); p.IsValid() && !isSchemaFile(p.Filename()) {
				return p
			}
		}
	}
	return token.NoPos
}

// userPos finds where the user wrote v. A struct or list unified with the
// schema reports the schema's position, so look at its conjuncts and then
// at its first elements, depth levels down.
func userPos(v cue.Value, depth int) token.Pos {
	p := v.Pos()
	if p.IsValid() && !isSchemaFile(p.Filename()) {
		return p
	}
	if _, args := v.Expr(); len(args) > 1 {
		for _, a := range args {
			if q := a.Pos(); q.IsValid() && !isSchemaFile(q.Filename()) {
				return q
			}
		}
	}
	if depth > 0 {
		if iter, err := v.Fields(); err == nil {
			for iter.Next() {
				if q := userPos(iter.Value(), depth-1); q.IsValid() && !isSchemaFile(q.Filename()) {
					return q
				}
			}
		} else if iter, err := v.List(); err == nil {
			for iter.Next() {
				if q := userPos(iter.Value(), depth-1); q.IsValid() && !isSchemaFile(q.Filename()) {
					return q
				}
			}
		}
	}
	return p
}

// has reports whether the fleet sets the value at path. It evaluates the
// CUE again on first use: call it on error paths only.
func (b *builder) has(path cue.Path) bool { return b.value().LookupPath(path).Exists() }

// sets reports whether a layer's exported JSON sets the field at path.
func sets(raw json.RawMessage, fields ...string) bool {
	for _, f := range fields {
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return false
		}
		var ok bool
		if raw, ok = obj[f]; !ok {
			return false
		}
	}
	return true
}

// setIndex returns the index of the most specific layer that sets fields, or -1.
func setIndex(layers []layer, fields ...string) int {
	for i := len(layers) - 1; i >= 0; i-- {
		if sets(layers[i].raw, fields...) {
			return i
		}
	}
	return -1
}

// source returns the path of the most specific layer that sets sub.
func (b *builder) source(layers []layer, sub ...cue.Selector) cue.Path {
	if i := b.sourceIndex(layers, sub...); i >= 0 {
		return join(layers[i].path, sub...)
	}
	return join(layers[len(layers)-1].path, sub...)
}

// sourceIndex returns the index of the most specific layer that sets sub, or -1.
func (b *builder) sourceIndex(layers []layer, sub ...cue.Selector) int {
	for i := len(layers) - 1; i >= 0; i-- {
		if b.has(join(layers[i].path, sub...)) {
			return i
		}
	}
	return -1
}

func (b *builder) build() *Fleet {
	f := &Fleet{}
	for _, name := range sortedKeys(b.doc.Projects) {
		var s settings
		b.decode(path("projects", name), b.doc.Projects[name], &s)
		f.Projects = append(f.Projects, Project{Name: name, Namespace: "garden-" + name, Description: s.Description})
	}
	for _, name := range sortedKeys(b.doc.Shoots) {
		if shoot, ok := b.shoot(name); ok {
			f.Shoots = append(f.Shoots, shoot)
		}
	}
	for _, name := range sortedKeys(b.doc.Labs) {
		if lab, ok := b.lab(name); ok {
			f.Labs = append(f.Labs, lab)
		}
	}
	b.checkRollout(f)
	b.warnDependsOnLaterWave(f)
	return f
}

func (b *builder) decode(p cue.Path, raw json.RawMessage, into any) bool {
	if len(raw) == 0 {
		return true
	}
	if err := json.Unmarshal(raw, into); err != nil {
		b.fail(p, "cannot decode: %v", err)
		return false
	}
	return true
}

// layers returns the settings layers of a shoot, most general first.
func (b *builder) layers(name string, own settings) []layer {
	ls := []layer{{path("defaults"), b.doc.Defaults}}
	if own.Environment != "" {
		ls = append(ls, layer{path("environments", own.Environment), b.doc.Environments[own.Environment]})
	}
	if own.Project != "" {
		ls = append(ls, layer{path("projects", own.Project), b.doc.Projects[own.Project]})
	}
	return append(ls, layer{path("shoots", name), b.doc.Shoots[name]})
}

func (b *builder) shoot(name string) (Shoot, bool) {
	self := path("shoots", name)
	var own settings
	if !b.decode(self, b.doc.Shoots[name], &own) {
		return Shoot{}, false
	}
	if _, ok := b.doc.Projects[own.Project]; !ok {
		b.fail(join(self, cue.Str("project")), "project %q is not declared in projects", own.Project)
	}
	if own.Environment != "" {
		if _, ok := b.doc.Environments[own.Environment]; !ok {
			b.fail(join(self, cue.Str("environment")), "environment %q is not declared in environments", own.Environment)
		}
	}
	layers := b.layers(name, own)
	raws := make([]json.RawMessage, len(layers))
	var poolDefaults []json.RawMessage
	for i, l := range layers {
		raws[i] = l.raw
		var pd struct {
			Pool json.RawMessage `json:"pool"`
		}
		_ = json.Unmarshal(l.raw, &pd)
		if len(pd.Pool) > 0 {
			poolDefaults = append(poolDefaults, pd.Pool)
		}
	}
	var s settings
	merged, err := mergeLayers(raws...)
	if err != nil {
		b.fail(self, "%v", err)
		return Shoot{}, false
	}
	if !b.decode(self, merged, &s) {
		return Shoot{}, false
	}
	shoot := Shoot{
		Name:               name,
		Project:            own.Project,
		Namespace:          "garden-" + own.Project,
		Environment:        own.Environment,
		Region:             s.Region,
		Purpose:            s.Purpose,
		CredentialsBinding: s.CredentialsBinding,
		Kubernetes:         s.Kubernetes,
		Provider:           s.Provider,
		Networking:         s.Networking,
		Maintenance:        s.Maintenance,
		Extensions:         s.Extensions,
		DNSDomain:          s.DNS.Domain,
		Labels:             s.Labels,
		Annotations:        s.Annotations,
		Rollout:            s.Rollout,
		ShootFields:        s.ShootFields,
	}
	if s.CloudProfile != nil {
		shoot.CloudProfile = *s.CloudProfile
	}
	if shoot.Provider.Type == "" && shoot.Provider.Metal != nil {
		shoot.Provider.Type = ProviderMetal
	}
	// A metal block inherited from a layer more general than the one that
	// picks another provider type is a default that does not apply.
	if shoot.Provider.Type != ProviderMetal && shoot.Provider.Metal != nil &&
		setIndex(layers, "provider", "metal") < setIndex(layers, "provider", "type") {
		shoot.Provider.Metal = nil
	}
	// Pools come from the shoot alone; each is its own settings merged
	// over the layers' pool defaults.
	for _, pool := range sortedKeys(own.Pools) {
		p := Pool{Name: pool}
		at := join(self, cue.Str("pools"), cue.Str(pool))
		raw, err := mergeLayers(append(slices.Clip(poolDefaults), own.Pools[pool])...)
		if err != nil {
			b.fail(at, "%v", err)
			continue
		}
		b.decode(at, raw, &p.PoolSettings)
		shoot.Pools = append(shoot.Pools, p)
	}
	shoot.Hibernation = b.hibernation(layers, s.Hibernation)
	b.checkShoot(&shoot, layers)
	return shoot, true
}

func path(sels ...string) cue.Path {
	ss := make([]cue.Selector, len(sels))
	for i, s := range sels {
		ss[i] = cue.Str(s)
	}
	return cue.MakePath(ss...)
}

func join(p cue.Path, sels ...cue.Selector) cue.Path {
	return cue.MakePath(append(slices.Clone(p.Selectors()), sels...)...)
}

func pathStrings(p cue.Path) []string {
	sels := p.Selectors()
	out := make([]string, len(sels))
	for i, s := range sels {
		if s.LabelType() == cue.StringLabel {
			out[i] = s.Unquoted()
		} else {
			out[i] = s.String()
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
