package preview

import (
	"strings"
	"testing"
	"time"
)

func TestMermaidText(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"garden-apps/dev", "garden-apps/dev"},
		// A label a fleet could end early, or a line it could add.
		{`a"] --> evil["b`, "a#quot;] --#gt; evil[#quot;b"},
		{"x\nclick u0 call alert()", "x click u0 call alert()"},
		{"wave: 1; #x", "wave#58; 1#59; #35;x"},
		{"<img src=x>", "#lt;img src=x#gt;"},
	}
	for _, tt := range tests {
		if got := mermaidText(tt.in); got != tt.want {
			t.Errorf("mermaidText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMermaidDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   time.Duration
		want string
	}{
		{time.Hour, "1h"},
		{90 * time.Minute, "90m"},
		{90 * time.Second, "90s"},
		{1500 * time.Millisecond, "2s"},
	}
	for _, tt := range tests {
		if got := mermaidDuration(tt.in); got != tt.want {
			t.Errorf("mermaidDuration(%s) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestWaveChartWithoutBake: a wave without a bake time is a milestone the
// next wave starts after.
func TestWaveChartWithoutBake(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	mdWaveChart(&b, []Wave{{Name: "a", Shoots: []string{"ns/x"}}, {Name: "", MaxParallel: 2, Shoots: []string{"ns/y", "ns/z", "ns/w"}, BakeTime: "bogus"}},
		[]Upgrade{{Shoot: "ns/x", Steps: make([]Step, 1)}, {Shoot: "ns/y", Steps: make([]Step, 2)}})
	want := "\n```mermaid\ngantt\n  dateFormat HH:mm\n  axisFormat %H:%M\n" +
		"  section a\n  upgrade 1 shoot, up to 1 step :milestone, w0u, 00:00, 0m\n" +
		"  section no wave\n  upgrade 3 shoots, 2 at a time, up to 2 steps :milestone, w1u, after w0u, 0m\n```\n"
	if got := b.String(); got != want {
		t.Errorf("chart:\n%s\nwant:\n%s", got, want)
	}
}
