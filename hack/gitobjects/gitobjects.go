// Package gitobjects writes Git objects for tests as a hostile push could:
// trees unsorted, with duplicate names, symlinks and .git lookalikes, which
// go-git's own encoder would refuse to write.
package gitobjects

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Writer stores objects in Repo; a failure fails the test.
type Writer struct {
	t    testing.TB
	repo *git.Repository
}

// New returns a Writer of objects into repo.
func New(t testing.TB, repo *git.Repository) Writer { return Writer{t: t, repo: repo} }

// Blob stores a blob of content.
func (w Writer) Blob(content string) plumbing.Hash { return w.raw(plumbing.BlobObject, content) }

// Tree stores a tree of entries in the order given, as they are.
func (w Writer) Tree(entries ...object.TreeEntry) plumbing.Hash {
	var b strings.Builder
	for _, e := range entries {
		b.WriteString(strconv.FormatUint(uint64(e.Mode), 8) + " " + e.Name + "\x00")
		b.Write(e.Hash[:])
	}
	return w.raw(plumbing.TreeObject, b.String())
}

// Commit stores a commit of tree with a fixed author and time.
func (w Writer) Commit(tree plumbing.Hash) plumbing.Hash {
	w.t.Helper()
	sig := object.Signature{Name: "t", Email: "t@t", When: time.Unix(1700000000, 0)}
	enc := w.repo.Storer.NewEncodedObject()
	if err := (&object.Commit{Author: sig, Committer: sig, Message: "hostile", TreeHash: tree}).Encode(enc); err != nil {
		w.t.Fatal(err)
	}
	return w.Store(enc)
}

// Store stores an encoded object.
func (w Writer) Store(enc plumbing.EncodedObject) plumbing.Hash {
	w.t.Helper()
	h, err := w.repo.Storer.SetEncodedObject(enc)
	if err != nil {
		w.t.Fatal(err)
	}
	return h
}

func (w Writer) raw(typ plumbing.ObjectType, content string) plumbing.Hash {
	w.t.Helper()
	enc := w.repo.Storer.NewEncodedObject()
	enc.SetType(typ)
	wr, err := enc.Writer()
	if err == nil {
		_, err = wr.Write([]byte(content))
	}
	if err == nil {
		err = wr.Close()
	}
	if err != nil {
		w.t.Fatal(err)
	}
	return w.Store(enc)
}

// Entry is a tree entry.
func Entry(name string, mode filemode.FileMode, h plumbing.Hash) object.TreeEntry {
	return object.TreeEntry{Name: name, Mode: mode, Hash: h}
}
