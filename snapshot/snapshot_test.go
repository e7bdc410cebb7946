package snapshot

import (
	"strings"
	"testing"
)

func TestAddFileRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		present []string
		add     string
		size    int
		want    string
	}{
		{name: "absolute", add: "/etc/passwd", want: `"/etc/passwd": is not a clean relative path inside the repo`},
		{name: "parent", add: "../x.cue", want: `"../x.cue": is not a clean relative path inside the repo`},
		{name: "unclean", add: "a//b.cue", want: `"a//b.cue": is not a clean relative path inside the repo`},
		{name: "backslash", add: `a\..\b.cue`, want: `"a\\..\\b.cue": is not a clean relative path inside the repo`},
		{name: "git dir", add: ".GIT/config", want: `.GIT/config: is inside a .git directory`},
		{name: "twice", present: []string{"a.cue"}, add: "a.cue", want: `a.cue: appears twice in the tree`},
		{name: "below a file", present: []string{"a"}, add: "a/b.cue", want: `a/b.cue: is below a, which is a file`},
		{name: "too large", add: "big.cue", size: MaxFileBytes + 1, want: `big.cue: is larger than 16 MiB`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := New("repo")
			for _, p := range tt.present {
				if err := r.AddFile(p, nil); err != nil {
					t.Fatal(err)
				}
			}
			err := r.AddFile(tt.add, make([]byte, tt.size))
			if err == nil || err.Error() != tt.want {
				t.Errorf("AddFile(%q) = %v, want %s", tt.add, err, tt.want)
			}
		})
	}
}

func TestRepoBounds(t *testing.T) {
	t.Parallel()
	r := New("repo")
	chunk := make([]byte, MaxFileBytes)
	var err error
	for i := 0; err == nil; i++ {
		err = r.AddFile("f"+strings.Repeat("x", i), chunk)
	}
	if want := "the repo's files add up to more than 256 MiB"; err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("past the bound: %v, want ...%s", err, want)
	}
}
