package gitsync

import (
	"os"
	"path"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/acervo-co/acervo/gitsync/publiccode"
	"github.com/acervo-co/acervo/registry"
)

// walkLanguages is the plain count: every file of the commit, skipping
// those under a vendored or generated directory at any depth.
func walkLanguages(t *testing.T, tree *object.Tree) []registry.LanguageShare {
	t.Helper()
	n := langCounts{}
	w := object.NewTreeWalker(tree, true, nil)
	defer w.Close()
	for {
		name, e, err := w.Next()
		if err != nil {
			break
		}
		if e.Mode == filemode.Dir || e.Mode == filemode.Submodule || !e.Mode.IsFile() {
			continue
		}
		skipped := false
		for _, seg := range strings.Split(path.Dir(name), "/") {
			skipped = skipped || skippedDirs[seg]
		}
		if l := languageOf(name); l != "" && !skipped {
			n[l]++
		}
	}
	return languageShares(n)
}

// TestLanguagesCache: counting with the cache of subtrees (across commits
// and across syncs, through the file next to the mirror) gives the plain
// count at every commit; the file keeps the last head's trees only, and a
// file made under other rules is ignored.
func TestLanguagesCache(t *testing.T) {
	r := newRepo(t, filepath.Join(t.TempDir(), "app"))
	var commits []string
	commits = append(commits, r.commit("one", map[string]string{
		"main.go": "package main\n", "cmd/x/x.go": "package x\n", "web/app.js": "x", "web/lib/util.js": "y",
		"vendor/a/a.go": "package a\n", "web/node_modules/m/index.js": "z", "docs/dist/gen.js": "g", "README.md": "# App\n",
		"same1/a.py": "1", "same2/a.py": "1",
	}))
	commits = append(commits, r.commit("two", map[string]string{"web/lib/more.ts": "t", "cmd/y/y.go": "package y\n"}))
	commits = append(commits, r.remove("web/app.js", "same2/a.py"))
	commits = append(commits, r.commit("three", map[string]string{"vendor/b/b.py": "b", "scripts/run.sh": "s"}))

	repo, closeRepo, err := openMirror(filepath.Join(r.dir, ".git"))
	if err != nil {
		t.Fatal(err)
	}
	defer closeRepo()
	mirror := filepath.Join(t.TempDir(), "m.git")
	for i, c := range commits {
		cm, err := repo.CommitObject(plumbing.NewHash(c))
		if err != nil {
			t.Fatal(err)
		}
		tree, err := cm.Tree()
		if err != nil {
			t.Fatal(err)
		}
		want := walkLanguages(t, tree)
		if len(want) == 0 {
			t.Fatalf("commit %d: no languages in the plain count", i)
		}
		// Twice per commit: the second count is answered by the file.
		for pass := range 2 {
			x := newExtractor(repo, publiccode.Options{}, 1<<20, newLicenseScanner(), loadLicenseCache(mirror))
			x.langs = loadLanguageCache(mirror)
			if pass == 1 && len(x.langs.old) == 0 {
				t.Fatalf("commit %d: the cache file was not read back", i)
			}
			s, err := x.at(c, true)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s.Languages, want) {
				t.Errorf("commit %d pass %d: languages %+v, want %+v", i, pass, s.Languages, want)
			}
			if err := x.langs.save(); err != nil {
				t.Fatal(err)
			}
		}
		// The file holds the trees of this commit (not skipped ones), no more.
		var trees []string
		w := object.NewTreeWalker(tree, true, nil)
		trees = append(trees, tree.Hash.String())
		for {
			name, e, err := w.Next()
			if err != nil {
				break
			}
			if e.Mode == filemode.Dir && !skippedDirs[path.Base(name)] && !strings.Contains("/"+name+"/", "/vendor/") &&
				!strings.Contains("/"+name+"/", "/node_modules/") && !strings.Contains("/"+name+"/", "/dist/") {
				trees = append(trees, e.Hash.String())
			}
		}
		sort.Strings(trees)
		trees = slicesCompact(trees)
		got := loadLanguageCache(mirror).old
		var gotTrees []string
		for h := range got {
			gotTrees = append(gotTrees, h)
		}
		sort.Strings(gotTrees)
		if !reflect.DeepEqual(gotTrees, trees) {
			t.Errorf("commit %d: cache holds trees %v, want %v", i, gotTrees, trees)
		}
	}

	// Counting from the file reads no tree but the root; after a commit
	// that changes one directory, only that directory's tree is read.
	tree := func(c string) *object.Tree {
		cm, err := repo.CommitObject(plumbing.NewHash(c))
		if err != nil {
			t.Fatal(err)
		}
		tr, err := cm.Tree()
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	counter := &countingTrees{repo: repo}
	countLanguages(counter, tree(commits[len(commits)-1]), loadLanguageCache(mirror))
	if counter.n != 0 {
		t.Errorf("%d trees read with every tree in the cache", counter.n)
	}
	next := r.commit("four", map[string]string{"scripts/more.sh": "m"})
	repo2, closeRepo2, err := openMirror(filepath.Join(r.dir, ".git"))
	if err != nil {
		t.Fatal(err)
	}
	defer closeRepo2()
	counter = &countingTrees{repo: repo2}
	cm, err := repo2.CommitObject(plumbing.NewHash(next))
	if err != nil {
		t.Fatal(err)
	}
	nextTree, err := cm.Tree()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := languageShares(countLanguages(counter, nextTree, loadLanguageCache(mirror))), walkLanguages(t, nextTree); !reflect.DeepEqual(got, want) {
		t.Errorf("after one more commit: %+v, want %+v", got, want)
	}
	if counter.n != 1 {
		t.Errorf("%d trees read after a commit that changed one directory, want 1", counter.n)
	}

	// A file under other rules (or garbage) is not used.
	path := filepath.Clean(mirror) + ".acervo-languages.json"
	for _, content := range []string{`{"rules":"other","trees":{}}`, `not json`} {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if c := loadLanguageCache(mirror); len(c.old) != 0 {
			t.Errorf("%s: cache %v used", content, c.old)
		}
	}
}

// countingTrees counts the trees read.
type countingTrees struct {
	repo interface {
		TreeObject(plumbing.Hash) (*object.Tree, error)
	}
	n int
}

func (c *countingTrees) TreeObject(h plumbing.Hash) (*object.Tree, error) {
	c.n++
	return c.repo.TreeObject(h)
}

func slicesCompact(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
