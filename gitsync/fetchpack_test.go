package gitsync

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acervo-co/acervo/registry"
)

// refsOf lists a repository's branches and tags as "name id" lines.
func refsOf(t testing.TB, dir string) string {
	t.Helper()
	return gitOut(t, dir, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads/", "refs/tags/")
}

// mirrorIsRemote checks that the mirror in dir has exactly the branches
// and tags of the repository in srcDir, and that git fsck finds it clean;
// it returns the mirror's refs.
func (e *env) mirrorIsRemote(t testing.TB, what, dir, srcDir string) string {
	t.Helper()
	got, want := refsOf(t, dir), refsOf(t, srcDir)
	if got != want {
		t.Errorf("%s: mirror refs\n%s\nwant\n%s", what, got, want)
	}
	if err := e.s.fsck(e.ctx, dir); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return got
}

// TestFetchPackFollowsTheRemote: an existing mirror is brought up to the
// remote's branches and tags with the listing's own session: one listing
// and one pack request per sync (git fetch would list again), none when
// only deletions are to be made; new, moved, deleted and moved-back refs
// end exactly as the remote has them, and git fsck is clean.
func TestFetchPackFollowsTheRemote(t *testing.T) {
	root := t.TempDir()
	src := newRepo(t, filepath.Join(root, "app"))
	src.commit("first", map[string]string{"main.go": "package main\n"})
	src.tag("v1.0.0", true)
	src.tag("nightly", false)
	src.git("branch", "dev")
	src.git("branch", "old")
	gs := newGitServer(t, root)
	e := newEnv(t, Config{Fetcher: FetchCLI})
	url := gs.url("app")
	res := e.sync(url)
	if res.Status != StatusNew {
		t.Fatalf("first sync: %+v", res)
	}
	// The first mirror too: one listing, one pack request (git clone
	// would list again).
	if h, p := gs.hits.Load(), gs.posts.Load(); h != 2 || p != 1 {
		t.Errorf("first sync: %d requests, %d pack requests; want 2 and 1", h, p)
	}
	dir := e.s.MirrorDir(e.mirror(res.MirrorID))
	e.mirrorIsRemote(t, "first mirror", dir, src.dir)

	var second string
	steps := []struct {
		name   string
		change func()
		posts  int64
	}{
		{"commits, branches and tags", func() {
			second = src.commit("second", map[string]string{"b.go": "package main\n"})
			src.commit("third", map[string]string{"c.go": "package main\n"})
			src.tag("v1.1.0", true)
			src.git("tag", "-f", "nightly")
			src.git("branch", "-D", "old")
			src.git("branch", "feature")
			src.git("tag", "-d", "v1.0.0")
		}, 1},
		{"a tag moved back to a commit the mirror has, not at a tip", func() {
			src.git("tag", "-f", "nightly", second)
		}, 1},
		{"a tag moved to another ref's tip", func() {
			src.git("tag", "-f", "v1.1.0", "dev")
		}, 0},
		{"the default branch changed", func() {
			src.git("symbolic-ref", "HEAD", "refs/heads/feature")
			src.commit("on feature", map[string]string{"f.go": "package main\n"})
		}, 1},
		{"deletions only", func() {
			src.git("branch", "-D", "dev")
			src.git("tag", "-d", "nightly")
		}, 0},
	}
	for _, st := range steps {
		st.change()
		hits, posts := gs.hits.Load(), gs.posts.Load()
		res := e.sync(url)
		if res.Status != StatusUpdated {
			t.Fatalf("%s: %+v", st.name, res)
		}
		if got, want := refsOf(t, dir), refsOf(t, src.dir); got != want {
			t.Errorf("%s: mirror refs\n%s\nwant\n%s", st.name, got, want)
		}
		if got, want := gitOut(t, dir, "symbolic-ref", "HEAD"), src.git("symbolic-ref", "HEAD"); got != want {
			t.Errorf("%s: mirror HEAD %s, want %s", st.name, got, want)
		}
		if n := gs.posts.Load() - posts; n != st.posts {
			t.Errorf("%s: %d pack requests, want %d", st.name, n, st.posts)
		}
		if n := gs.hits.Load() - hits; n != 1+st.posts {
			t.Errorf("%s: %d requests, want one listing and %d pack requests", st.name, n, st.posts)
		}
		if err := e.s.fsck(e.ctx, dir); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
	}
	if m := e.mirror(e.sync(url).MirrorID); m.Status != registry.MirrorOK {
		t.Errorf("mirror %+v", m)
	}
}

// TestFetchPackRefusesAnIncompletePack: a remote whose pack lacks objects
// the new tips need (here a commit without its tree) moves no ref, and the
// sync fails; once the remote answers properly, the next sync completes
// and git fsck is clean.
func TestFetchPackRefusesAnIncompletePack(t *testing.T) {
	root := t.TempDir()
	src := newRepo(t, filepath.Join(root, "app"))
	src.commit("first", map[string]string{"main.go": "package main\n"})
	gs, bad := badPackServer(t, root)
	e := newEnv(t, Config{Fetcher: FetchCLI})
	url := gs.URL + "/app"
	res := e.sync(url)
	if res.Status != StatusNew {
		t.Fatalf("first sync: %+v", res)
	}
	dir := e.s.MirrorDir(e.mirror(res.MirrorID))
	before := refsOf(t, dir)

	next := src.commit("second", map[string]string{"b.go": "package main\n"})
	cmd := exec.Command("git", "pack-objects", "-q", "--stdout")
	cmd.Dir = src.dir
	cmd.Stdin = strings.NewReader(next + "\n") // the commit alone
	pack, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	bad.Store(&pack)
	res = e.sync(url)
	if res.Status != StatusFailed || !strings.Contains(res.Error, "incomplete") {
		t.Fatalf("sync with an incomplete pack: %+v", res)
	}
	if got := refsOf(t, dir); got != before {
		t.Errorf("refs moved by an incomplete pack:\n%s\nwere\n%s", got, before)
	}

	bad.Store(nil)
	if res = e.sync(url); res.Status != StatusUpdated {
		t.Fatalf("sync after the remote was fixed: %+v", res)
	}
	e.mirrorIsRemote(t, "after the fix", dir, src.dir)
}

// TestFetchPackReplacesABranchByADirectory: a branch replaced by a
// directory of branches (feature → feature/x) cannot be moved in one ref
// transaction (git fetch --atomic fails there too); the deletion goes
// first, and the mirror ends as the remote.
func TestFetchPackReplacesABranchByADirectory(t *testing.T) {
	root := t.TempDir()
	src := newRepo(t, filepath.Join(root, "app"))
	src.commit("first", map[string]string{"main.go": "package main\n"})
	src.git("branch", "feature")
	gs := newGitServer(t, root)
	e := newEnv(t, Config{Fetcher: FetchCLI})
	url := gs.url("app")
	res := e.sync(url)
	if res.Status != StatusNew {
		t.Fatalf("first sync: %+v", res)
	}
	dir := e.s.MirrorDir(e.mirror(res.MirrorID))
	src.commit("second", map[string]string{"b.go": "package main\n"})
	src.git("branch", "-D", "feature")
	src.git("branch", "feature/x")
	if res = e.sync(url); res.Status != StatusUpdated {
		t.Fatalf("sync: %+v", res)
	}
	got := e.mirrorIsRemote(t, "after the rename", dir, src.dir)
	if !bytes.Contains([]byte(got), []byte("refs/heads/feature/x")) {
		t.Errorf("feature/x missing:\n%s", got)
	}
}

// TestFetchPackLimits: the pack of an update goes through the policy's
// client like the listing: over the byte limit it is refused with
// MIRROR_TOO_LARGE, past the time limit with MIRROR_TIMEOUT, and a
// redirect of the pack request is refused (MIRROR_HOST_BLOCKED) without
// reaching its target; no ref moves and the mirror stays clean.
func TestFetchPackLimits(t *testing.T) {
	root := t.TempDir()
	src := newRepo(t, filepath.Join(root, "app"))
	src.commit("first", map[string]string{"a": "a"})
	gs := newGitServer(t, root)
	var targetHits atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { targetHits.Add(1) }))
	defer target.Close()
	var redirect atomic.Bool
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if redirect.Load() && r.Method == http.MethodPost {
			http.Redirect(w, r, target.URL+r.URL.RequestURI(), http.StatusFound)
			return
		}
		gs.Config.Handler.ServeHTTP(w, r)
	}))
	defer front.Close()
	e := newEnv(t, Config{Fetcher: FetchCLI, MaxBytes: 1 << 20, Timeout: time.Second})
	url := front.URL + "/app"
	res := e.sync(url)
	if res.Status != StatusNew {
		t.Fatalf("first sync: %+v", res)
	}
	dir := e.s.MirrorDir(e.mirror(res.MirrorID))
	before := refsOf(t, dir)
	src.commit("big", map[string]string{"blob.bin": randomText(t, 3<<20)})

	for _, tt := range []struct {
		name, code string
		set, reset func()
	}{
		{"over the byte limit", registry.CodeTooLarge, func() {}, func() {}},
		{"past the time limit", registry.CodeTimeout, func() { gs.slow.Store(int64(3 * time.Second)) }, func() { gs.slow.Store(0) }},
		{"redirected", registry.CodeHostBlocked, func() { redirect.Store(true) }, func() { redirect.Store(false) }},
	} {
		tt.set()
		res := e.sync(url)
		tt.reset()
		if res.Status != StatusFailed || res.ErrorCode != tt.code {
			t.Errorf("%s: %+v", tt.name, res)
		}
		if got := refsOf(t, dir); got != before {
			t.Errorf("%s: refs moved:\n%s", tt.name, got)
		}
		if err := e.s.fsck(e.ctx, dir); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	if n := targetHits.Load(); n != 0 {
		t.Errorf("the redirect's target got %d requests", n)
	}
}

// TestClonePackRefusesIncompletePacks: a first mirror whose pack refers to
// objects it does not hold (a commit without its tree), or lacks a listed
// branch, is refused: nothing is left where the mirror belongs, and the
// next sync, with a proper answer, makes a clean mirror.
func TestClonePackRefusesIncompletePacks(t *testing.T) {
	root := t.TempDir()
	src := newRepo(t, filepath.Join(root, "app"))
	src.commit("first", map[string]string{"main.go": "package main\n"})
	head := src.commit("second", map[string]string{"b.go": "package main\n"})
	src.git("checkout", "-q", "-b", "other", "HEAD~1")
	src.commit("other", map[string]string{"c.go": "package main\n"})
	src.git("checkout", "-q", "main")
	pack := func(stdin string, args ...string) []byte {
		cmd := exec.Command("git", append([]string{"pack-objects", "-q", "--stdout"}, args...)...)
		cmd.Dir = src.dir
		cmd.Stdin = strings.NewReader(stdin)
		b, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	gs, bad := badPackServer(t, root)
	e := newEnv(t, Config{Fetcher: FetchCLI})
	url := gs.URL + "/app"
	for _, tt := range []struct {
		name string
		pack []byte
		err  string
	}{
		{"a commit without its tree", pack(head + "\n"), "index the pack"},
		{"main's history without the other branch", pack("main\n", "--revs"), "lacks a listed branch"},
	} {
		bad.Store(&tt.pack)
		res := e.sync(url)
		if res.Status != StatusFailed || !strings.Contains(res.Error, tt.err) {
			t.Errorf("%s: %+v", tt.name, res)
		}
		m := e.mirror(res.MirrorID)
		if mirrorExists(e.s.MirrorDir(m)) {
			t.Errorf("%s: a refused first sync left a mirror", tt.name)
		}
		if left, _ := filepath.Glob(e.s.MirrorDir(m) + ".tmp-*"); len(left) > 0 {
			t.Errorf("%s: temporary directories left: %v", tt.name, left)
		}
	}
	bad.Store(nil)
	res := e.sync(url)
	if res.Status != StatusNew {
		t.Fatalf("sync after the remote was fixed: %+v", res)
	}
	dir := e.s.MirrorDir(e.mirror(res.MirrorID))
	e.mirrorIsRemote(t, "after the fix", dir, src.dir)
}

// badPackServer serves the repositories under root over smart HTTP, but
// answers every pack request with the pack stored in the returned pointer
// while it is not nil (a remote that sends a broken pack).
func badPackServer(t *testing.T, root string) (*httptest.Server, *atomic.Pointer[[]byte]) {
	t.Helper()
	bad := new(atomic.Pointer[[]byte])
	gs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := strings.TrimPrefix(r.URL.Path, "/")
		if b := bad.Load(); b != nil && r.Method == http.MethodPost {
			w.Header().Set("Content-Type", "application/x-git-upload-pack-result")
			fmt.Fprint(w, "0008NAK\n")
			w.Write(*b)
			return
		}
		for _, sub := range []string{"info/refs", "git-upload-pack"} {
			if repoPath, ok := strings.CutSuffix(p, "/"+sub); ok {
				ServeRepository(w, r, "git", root, repoPath, sub)
				return
			}
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(gs.Close)
	return gs, bad
}

func TestValidRef(t *testing.T) {
	id := strings.Repeat("a", 40)
	for _, tt := range []struct {
		name, id string
		ok       bool
	}{
		{"refs/heads/main", id, true},
		{"refs/tags/v1.0.0", id, true},
		{"refs/heads/feature/x", id, true},
		{"refs/heads/a b", id, false},
		{"refs/heads/a\nb", id, false},
		{"refs/heads/a..b", id, false},
		{"refs/heads/x.lock", id, false},
		{"refs/heads/main", "not an id", false},
		{"refs/tags/-x", id, true}, // git accepts it; git branch alone refuses such names
		{"refs/tags/v1.0.0+build.5", id, true},
		{"refs/tags/versión-1", id, true},
		{"refs/heads//x", id, false},
		{"refs/heads/.x", id, false},
		{"refs/heads/x.", id, false},
		{"refs/heads/a@{1}", id, false},
		{"refs/heads/a~1", id, false},
		{"refs/heads/a\\b", id, false},
		{"refs/heads/a\x7fb", id, false},
	} {
		if got := validRef(tt.name, tt.id); got != tt.ok {
			t.Errorf("validRef(%q, %q) = %v, want %v", tt.name, tt.id, got, tt.ok)
		}
	}
}

// TestEmptyRepositoryThenCommits: a repository mirrored while empty gets
// its first branch and tag at a later sync (no haves: the whole pack, which
// must hold everything it refers to), for both fetchers.
func TestEmptyRepositoryThenCommits(t *testing.T) {
	for _, fetcher := range []string{FetchCLI, FetchGoGit} {
		t.Run(fetcher, func(t *testing.T) {
			root := t.TempDir()
			src := newRepo(t, filepath.Join(root, "app"))
			gs := newGitServer(t, root)
			e := newEnv(t, Config{Fetcher: fetcher})
			url := gs.url("app")
			res := e.sync(url)
			if res.Status != StatusNew {
				t.Fatalf("first sync of an empty repository: %+v", res)
			}
			dir := e.s.MirrorDir(e.mirror(res.MirrorID))
			src.commit("first", map[string]string{"main.go": "package main\n", "LICENSE": mitLicense})
			src.tag("v1.0.0", true)
			res = e.sync(url)
			if res.Status != StatusUpdated || len(res.Releases) != 1 {
				t.Fatalf("sync after the first commit: %+v", res)
			}
			e.mirrorIsRemote(t, "after the first commit", dir, src.dir)
		})
	}
}
