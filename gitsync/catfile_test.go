package gitsync

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/acervo-co/acervo/gitsync/publiccode"
)

// TestCatFileReader: the metadata read through git cat-file is the same as
// through go-git's own reader, at every commit, including a README and a
// publiccode.yml larger than what is read into memory at once (streamed,
// cut at their limits), relative logo paths and a missing object.
func TestCatFileReader(t *testing.T) {
	r := newRepo(t, filepath.Join(t.TempDir(), "app"))
	pc := strings.Replace(readTestdata(t, "publiccode-valid.yml"), "platforms:", "logo: img/logo.svg\n\nplatforms:", 1)
	var commits []string
	commits = append(commits, r.commit("one", map[string]string{
		"LICENSE": mitLicense, "README.md": "# App\n" + randomText(t, 2*maxInMemoryObject), "publiccode.yml": pc,
		"img/logo.svg": `<svg xmlns="http://www.w3.org/2000/svg"/>`, "main.go": "package main\n", "web/a.js": "a",
	}))
	commits = append(commits, r.commit("big publiccode", map[string]string{"publiccode.yml": pc + "# " + randomText(t, 3*maxInMemoryObject/2) + "\n"}))
	commits = append(commits, r.commit("small readme", map[string]string{"README.md": "# App\n", "publiccode.yml": readTestdata(t, "publiccode-valid.yml")}))
	r.tag("v1.0.0", true)

	dir := filepath.Join(r.dir, ".git")
	s := newSyncer(t, Config{MirrorsDir: t.TempDir(), Fetcher: FetchCLI}, nil)
	ctx := context.Background()
	cf, closeCF, err := s.openReader(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeCF()
	if _, ok := cf.Storer.(*catFileStorage); !ok {
		t.Fatalf("the reader's storage is %T, not git cat-file's", cf.Storer)
	}
	gg, closeGG, err := openMirror(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer closeGG()
	for i, c := range commits {
		for _, full := range []bool{false, true} {
			opts := publiccode.Options{}
			x1 := newExtractor(cf, opts, publiccode.DefaultMaxSize, s.licenses, loadLicenseCache(filepath.Join(t.TempDir(), "a.git")))
			x2 := newExtractor(gg, opts, publiccode.DefaultMaxSize, s.licenses, loadLicenseCache(filepath.Join(t.TempDir(), "b.git")))
			got, err := x1.at(c, full)
			if err != nil {
				t.Fatal(err)
			}
			want, err := x2.at(c, full)
			if err != nil {
				t.Fatal(err)
			}
			got.File, want.File = nil, nil
			if !reflect.DeepEqual(got, want) {
				t.Errorf("commit %d (full %v): cat-file read %+v\ngo-git read %+v", i, full, got, want)
			}
			if full && (len(got.Readme) == 0 || len(got.Readme) > maxReadme) {
				t.Errorf("commit %d: README of %d bytes", i, len(got.Readme))
			}
		}
	}
	// The big publiccode.yml is refused by size, the first one is valid
	// (its logo found in the commit's files).
	x := newExtractor(cf, publiccode.Options{}, publiccode.DefaultMaxSize, s.licenses, loadLicenseCache(filepath.Join(t.TempDir(), "c.git")))
	if s0, _ := x.at(commits[0], false); !s0.Publiccode.Valid || s0.License != "MIT" {
		t.Errorf("first commit: publiccode valid %v %+v, licence %q", s0.Publiccode.Valid, s0.Publiccode.Findings, s0.License)
	}
	if s1, _ := x.at(commits[1], false); s1.Publiccode.Valid || len(s1.Publiccode.Findings) == 0 || !strings.Contains(s1.Publiccode.Findings[0].Message, "bytes") {
		t.Errorf("big publiccode.yml: %+v", s1.Publiccode)
	}
	tags, err := readTags(cf, func(string, string) string { return "" })
	if err != nil || len(tags) != 1 || tags[0].Commit != commits[2] {
		t.Errorf("tags %+v, %v", tags, err)
	}
	if _, err := cf.CommitObject(plumbing.NewHash(strings.Repeat("ab", 20))); !errors.Is(err, plumbing.ErrObjectNotFound) {
		t.Errorf("missing object: %v", err)
	}
	// A tree asked for as a commit is not found, and the stream stays in
	// step for the next read.
	cm, err := cf.CommitObject(plumbing.NewHash(commits[0]))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cf.CommitObject(cm.TreeHash); !errors.Is(err, plumbing.ErrObjectNotFound) {
		t.Errorf("tree read as a commit: %v", err)
	}
	if _, err := cf.CommitObject(plumbing.NewHash(commits[1])); err != nil {
		t.Errorf("read after a mismatch: %v", err)
	}
}

// TestReadTagsCLI: one for-each-ref gives the same tags, commits and dates
// as peeling every tag with go-git: lightweight and annotated tags, a tag
// of a tag, tags of a tree and of a blob (not releases), known tags.
func TestReadTagsCLI(t *testing.T) {
	r := newRepo(t, filepath.Join(t.TempDir(), "app"))
	r.commit("one", map[string]string{"README.md": "# App\n"})
	r.tag("v0.1.0", false)
	r.tag("v0.2.0", true)
	r.commit("two", map[string]string{"main.go": "package main\n"})
	r.tag("v1.0.0", true)
	r.git("tag", "-a", "-m", "tag of a tag", "v1.0.0-again", "v1.0.0")
	r.git("tag", "tree-tag", "HEAD^{tree}")
	r.git("tag", "-a", "-m", "blob", "blob-tag", "HEAD:main.go")
	r.when = r.when.Add(time.Hour)
	r.tag("nightly", false)

	dir := filepath.Join(r.dir, ".git")
	s := newSyncer(t, Config{MirrorsDir: t.TempDir(), Fetcher: FetchCLI}, nil)
	ctx := context.Background()
	cf, closeCF, err := s.openReader(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeCF()
	gg, closeGG, err := openMirror(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer closeGG()
	head := r.git("rev-parse", "HEAD")
	for _, known := range []func(string, string) string{
		func(string, string) string { return "" },
		func(tag, _ string) string {
			if tag == "nightly" {
				return head
			}
			return ""
		},
	} {
		want, err := readTags(gg, known)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.readTagsCLI(ctx, dir, cf, known)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("for-each-ref read %+v\ngo-git read %+v", got, want)
		}
		if len(got) != 5 {
			t.Errorf("%d tags, want 5 (tree and blob tags left out): %+v", len(got), got)
		}
		for _, ti := range got {
			// The root tree comes with the tag, so that a release's
			// metadata is read without reading its commit.
			if want := r.git("rev-parse", ti.Commit+"^{tree}"); !ti.known && ti.Tree != want {
				t.Errorf("%s: tree %q, want %s", ti.Tag, ti.Tree, want)
			}
		}
	}
}

// TestCatFileStartedBeforeFetch: cat-file processes started before new
// objects arrive (as a fetch writes them, in a new pack) read them.
func TestCatFileStartedBeforeFetch(t *testing.T) {
	r := newRepo(t, filepath.Join(t.TempDir(), "app"))
	r.commit("one", map[string]string{"README.md": "# App\n"})
	r.git("repack", "-a", "-d", "-q")
	dir := filepath.Join(r.dir, ".git")
	s := newSyncer(t, Config{MirrorsDir: t.TempDir(), Fetcher: FetchCLI}, nil)
	ctx := context.Background()
	pre, err := s.startCatFileProcs(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer pre.close()
	// The processes have read the pack directory before the new pack.
	if _, _, err := pre.check.info(plumbing.NewHash(r.git("rev-parse", "HEAD"))); err != nil {
		t.Fatal(err)
	}
	c := r.commit("two", map[string]string{"main.go": "package main\n"})
	r.git("repack", "-d", "-q")
	repo, closeRepo, err := s.openReader(ctx, dir, pre)
	if err != nil {
		t.Fatal(err)
	}
	defer closeRepo()
	cm, err := repo.CommitObject(plumbing.NewHash(c))
	if err != nil {
		t.Fatalf("new commit: %v", err)
	}
	if _, err := cm.Tree(); err != nil {
		t.Fatalf("new commit's tree: %v", err)
	}
}
