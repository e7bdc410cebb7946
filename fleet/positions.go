package fleet

import (
	"encoding/json"

	"cuelang.org/go/cue/token"

	"github.com/gardenfleet/gardenfleet/snapshot"
)

// Positions tells where in a fleet's files a shoot's setting is written,
// for placing what others refuse (Gardener's admission) at the value that
// produced it. Only refusals need it: the graph is evaluated on first use.
type Positions struct {
	b *builder
}

// LoadRepoWithPositions is LoadRepo that also keeps what Positions needs:
// the exported document, and the files to evaluate again.
func LoadRepoWithPositions(r *snapshot.Repo) (*Fleet, *Positions, error) {
	p, err := newUserPackage(r)
	if err != nil {
		return nil, nil, err
	}
	f, b, err := loadPackageBuilder(p)
	if err != nil {
		return nil, nil, err
	}
	if f.Overlay, err = overlayOf(r, p.dir); err != nil {
		return nil, nil, err
	}
	if f.CloudProfiles, err = cloudProfilesOf(r); err != nil {
		return nil, nil, err
	}
	return f, &Positions{b: b}, nil
}

// ShootField is where the most specific layer of the shoot that sets
// fields (e.g. "kubernetes", "version") writes it; false when none does.
func (p *Positions) ShootField(shoot string, fields ...string) (token.Pos, bool) {
	layers, ok := p.layers(shoot)
	if !ok {
		return token.NoPos, false
	}
	i := setIndex(layers, fields...)
	if i < 0 {
		return token.NoPos, false
	}
	return p.b.pos(join(layers[i].path, sub(fields...)...)), true
}

// PoolField is where the pool's own setting (pools.NAME.fields) is
// written, or else the most specific layer's pool defaults (pool.fields);
// with no fields, where the pool is declared. False when none sets it.
func (p *Positions) PoolField(shoot, pool string, fields ...string) (token.Pos, bool) {
	layers, ok := p.layers(shoot)
	if !ok {
		return token.NoPos, false
	}
	own := layers[len(layers)-1]
	var decoded struct {
		Pools map[string]json.RawMessage `json:"pools"`
	}
	_ = json.Unmarshal(own.raw, &decoded)
	if raw, ok := decoded.Pools[pool]; ok && (len(fields) == 0 || sets(raw, fields...)) {
		return p.b.pos(join(own.path, sub(append([]string{"pools", pool}, fields...)...)...)), true
	}
	if len(fields) == 0 {
		return token.NoPos, false
	}
	if i := setIndex(layers, append([]string{"pool"}, fields...)...); i >= 0 {
		return p.b.pos(join(layers[i].path, sub(append([]string{"pool"}, fields...)...)...)), true
	}
	return token.NoPos, false
}

func (p *Positions) layers(shoot string) ([]layer, bool) {
	raw, ok := p.b.doc.Shoots[shoot]
	if !ok {
		return nil, false
	}
	var own settings
	if json.Unmarshal(raw, &own) != nil {
		return nil, false
	}
	return p.b.layers(shoot, own), true
}
