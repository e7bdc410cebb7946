package source

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkFetch measures Fetch of a 200-file repository over file://: with
// nothing new (one ref listing) and with a new commit each time (listing,
// shallow fetch, checkout).
func BenchmarkFetch(b *testing.B) {
	ctx := context.Background()
	repo := newGitRepo(b)
	files := map[string]string{}
	for i := range 200 {
		files[fmt.Sprintf("shoots/s%03d.cue", i)] = fmt.Sprintf("shoots: s%03d: purpose: \"development\"\n", i)
	}
	repo.commit("fleet", files)

	b.Run("unchanged", func(b *testing.B) {
		s := mustNew(b, Options{URL: repo.url()})
		first, err := s.Fetch(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			art, err := s.Fetch(ctx)
			if err != nil || art != first {
				b.Fatalf("Fetch() = %+v, %v", art, err)
			}
		}
	})

	b.Run("new commit", func(b *testing.B) {
		s := mustNew(b, Options{URL: repo.url()})
		if _, err := s.Fetch(ctx); err != nil {
			b.Fatal(err)
		}
		i := 0
		for b.Loop() {
			b.StopTimer()
			i++
			repo.commit("change", map[string]string{"shoots/s000.cue": fmt.Sprintf("shoots: s000: purpose: %q\n", fmt.Sprint(i))})
			b.StartTimer()
			if _, err := s.Fetch(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
