package render_test

import (
	"fmt"
	"io"
	"testing"

	"github.com/gardenfleet/gardenfleet/fleet"
	"github.com/gardenfleet/gardenfleet/hack/benchfleet"
	"github.com/gardenfleet/gardenfleet/render"
)

// BenchmarkLoadRender measures what `gardenfleet render` does: load and
// validate the CUE, render, encode YAML.
func BenchmarkLoadRender(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("shoots=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			if err := benchfleet.Generate(dir, n); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				f, err := fleet.Load(dir)
				if err != nil {
					b.Fatal(fleet.Details(err, dir))
				}
				res, err := render.Fleet(f)
				if err != nil {
					b.Fatal(err)
				}
				if err := render.EncodeYAML(io.Discard, res.Objects); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
