// Package snapshot holds a fleet repo in memory: its regular files only,
// by clean slash-separated paths, bounded in count and size. The Git source
// and the directory reader build one; the fleet loader and the overlay read
// nothing else, so a repo cannot point gardenfleet outside itself.
package snapshot

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	slashpath "path"
	"path/filepath"
	"slices"
	"strings"
)

// Repo is a fleet repo held in memory: its regular files by slash-separated
// path relative to its root. A fleet repo is untrusted input, so loading and
// rendering read only a Repo, never the disk: nothing in it can point outside
// itself. Build one with Read, or with New and AddFile (the Git source does).
type Repo struct {
	// Name says where the files came from, for messages.
	Name  string
	files map[string][]byte
	size  int64
}

// Bounds of a fleet repo. A repo past them is refused, not truncated.
const (
	MaxFiles     = 20000
	MaxFileBytes = 16 << 20
	MaxBytes     = 256 << 20
)

// New returns an empty repo named name.
func New(name string) *Repo { return &Repo{Name: name, files: map[string][]byte{}} }

// AddFile adds a regular file. The name must be a clean, local,
// slash-separated path that neither is nor passes through .git; the file
// must keep the repo within its bounds.
func (r *Repo) AddFile(name string, data []byte) error {
	if err := checkRepoPath(name); err != nil {
		return err
	}
	if _, ok := r.files[name]; ok {
		return &Error{Path: name, Reason: "appears twice in the tree"}
	}
	for dir := slashpath.Dir(name); dir != "."; dir = slashpath.Dir(dir) {
		if _, ok := r.files[dir]; ok {
			return &Error{Path: name, Reason: fmt.Sprintf("is below %s, which is a file", dir)}
		}
	}
	if len(r.files) >= MaxFiles {
		return &Error{Path: name, Reason: fmt.Sprintf("the repo has more than %d files", MaxFiles)}
	}
	if len(data) > MaxFileBytes {
		return &Error{Path: name, Reason: fmt.Sprintf("is larger than %d MiB", MaxFileBytes>>20)}
	}
	if r.size+int64(len(data)) > MaxBytes {
		return &Error{Path: name, Reason: fmt.Sprintf("the repo's files add up to more than %d MiB", MaxBytes>>20)}
	}
	r.files[name] = data
	r.size += int64(len(data))
	return nil
}

// File returns the contents of the file at name.
func (r *Repo) File(name string) ([]byte, bool) {
	b, ok := r.files[name]
	return b, ok
}

// Paths returns every file's path, sorted.
func (r *Repo) Paths() []string {
	out := make([]string, 0, len(r.files))
	for p := range r.files {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// Sub returns the files below dir, with paths relative to dir.
func (r *Repo) Sub(dir string) *Repo {
	sub := New(slashpath.Join(r.Name, dir))
	prefix := dir + "/"
	for p, b := range r.files {
		if rel, ok := strings.CutPrefix(p, prefix); ok {
			sub.files[rel] = b
			sub.size += int64(len(b))
		}
	}
	return sub
}

// Error is a file of a fleet repo that gardenfleet refuses to read.
type Error struct {
	Path   string
	Reason string
}

func (e *Error) Error() string { return e.Path + ": " + e.Reason }

func checkRepoPath(name string) error {
	if name == "" || !fs.ValidPath(name) || strings.Contains(name, `\`) {
		return &Error{Path: fmt.Sprintf("%q", name), Reason: "is not a clean relative path inside the repo"}
	}
	for _, part := range strings.Split(name, "/") {
		if strings.EqualFold(part, ".git") {
			return &Error{Path: name, Reason: "is inside a .git directory"}
		}
	}
	return nil
}

// Read reads the fleet repo in dir into memory. Only regular files and
// directories are read; a symlink or a special file anywhere below dir is
// refused with an error naming it, so a repo cannot make gardenfleet read
// outside itself. The .git directory is skipped.
func Read(dir string) (*Repo, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("reading fleet repo: %w", err)
	}
	defer root.Close()
	r := New(dir)
	err = fs.WalkDir(root.FS(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name != "." && d.Name() == ".git" {
				return fs.SkipDir
			}
			return nil
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			return &Error{Path: filepath.Join(dir, name), Reason: "is a symlink; a fleet repo may hold only regular files and directories"}
		case !d.Type().IsRegular():
			return &Error{Path: filepath.Join(dir, name), Reason: "is not a regular file; a fleet repo may hold only regular files and directories"}
		}
		data, err := readRegular(root, name)
		if err != nil {
			return err
		}
		if err := r.AddFile(name, data); err != nil {
			var re *Error
			if errors.As(err, &re) {
				re.Path = filepath.Join(dir, name)
			}
			return err
		}
		return nil
	})
	if err != nil {
		var re *Error
		if errors.As(err, &re) {
			return nil, err
		}
		return nil, fmt.Errorf("reading fleet repo: %w", err)
	}
	return r, nil
}

// readRegular reads a file that must still be a regular file when opened
// (not swapped for a symlink or a FIFO since the walk saw it), at most
// MaxFileBytes+1 bytes of it.
func readRegular(root *os.Root, name string) ([]byte, error) {
	info, err := root.Lstat(name)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, &Error{Path: name, Reason: "is not a regular file"}
	}
	f, err := root.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
}
