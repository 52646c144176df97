package gitsync

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acervo-co/acervo/registry"
)

// TestKillMidFetch cancels syncs while the pack is on the wire (the git
// process group gets SIGKILL; go-git's fetch is cancelled), first on the
// first mirror and then on an update: the mirror stays usable, git fsck is
// clean, the registry records the failure, and the next sync completes.
func TestKillMidFetch(t *testing.T) {
	for _, fetcher := range []string{FetchCLI, FetchGoGit} {
		t.Run(fetcher, func(t *testing.T) {
			root := t.TempDir()
			src := newRepo(t, filepath.Join(root, "app"))
			for i := range 5 {
				src.commit("data", map[string]string{"data.txt": randomText(t, 256<<10), "n": strings.Repeat("x", i)})
			}
			src.tag("v1.0.0", true)
			gs := newGitServer(t, root)
			e := newEnv(t, Config{Fetcher: fetcher})
			url := gs.url("app")

			kill := func() Result {
				t.Helper()
				gs.slow.Store(int64(2 * time.Second))
				defer gs.slow.Store(0)
				posts := gs.posts.Load()
				ctx, cancel := context.WithCancel(e.ctx)
				done := make(chan Result, 1)
				go func() { done <- e.s.SyncURLs(ctx, []string{url}, nil)[0] }()
				deadline := time.Now().Add(20 * time.Second)
				for gs.posts.Load() == posts && time.Now().Before(deadline) {
					time.Sleep(10 * time.Millisecond)
				}
				if gs.posts.Load() == posts {
					t.Fatal("the fetch never reached the server")
				}
				cancel()
				return <-done
			}

			res := kill()
			if res.Status != StatusFailed {
				t.Fatalf("killed first sync: %+v", res)
			}
			m := e.mirror(res.MirrorID)
			if m.Status != registry.MirrorFailed || m.Failures != 1 {
				t.Errorf("mirror after the killed first sync: %+v", m)
			}
			if mirrorExists(e.s.MirrorDir(m)) {
				t.Fatal("a killed first sync left a mirror in place")
			}
			if rs := e.releases(res.AssetID); len(rs) != 0 {
				t.Errorf("releases recorded by a killed sync: %v", rs)
			}
			res = e.sync(url)
			if res.Status != StatusNew || len(res.Releases) != 1 {
				t.Fatalf("sync after the kill: %+v", res)
			}
			dir := e.s.MirrorDir(e.mirror(res.MirrorID))
			if err := e.s.fsck(e.ctx, dir); err != nil {
				t.Fatal(err)
			}
			if left, _ := filepath.Glob(dir + ".tmp-*"); len(left) != 0 {
				t.Errorf("temporary directories left: %v", left)
			}

			// Now kill an update.
			before := gitOut(t, dir, "rev-parse", "refs/heads/main")
			for range 3 {
				src.commit("more", map[string]string{"data.txt": randomText(t, 256<<10)})
			}
			src.tag("v1.1.0", true)
			head := src.git("rev-parse", "HEAD")
			res = kill()
			if res.Status != StatusFailed {
				t.Fatalf("killed update: %+v", res)
			}
			if err := e.s.fsck(e.ctx, dir); err != nil {
				t.Fatalf("mirror after the killed update: %v", err)
			}
			if got := gitOut(t, dir, "rev-parse", "refs/heads/main"); got != before {
				t.Errorf("main moved to %s by a killed fetch", got)
			}
			if _, ok := e.releases(res.AssetID)["v1.1.0"]; ok {
				t.Error("v1.1.0 recorded by a killed sync")
			}
			res = e.sync(url)
			if res.Status != StatusUpdated || len(res.Releases) != 1 || res.Releases[0] != "v1.1.0" {
				t.Fatalf("sync after the killed update: %+v", res)
			}
			if got := gitOut(t, dir, "rev-parse", "refs/heads/main"); got != head {
				t.Errorf("main at %s, want %s", got, head)
			}
			if err := e.s.fsck(e.ctx, dir); err != nil {
				t.Fatal(err)
			}
			if m := e.mirror(res.MirrorID); m.Status != registry.MirrorOK || m.Failures != 0 {
				t.Errorf("mirror %+v", m)
			}
		})
	}
}

// TestServeClone clones a mirror with the real git client through the
// handler, and checks that nothing can push.
func TestServeClone(t *testing.T) {
	root := t.TempDir()
	src := newRepo(t, filepath.Join(root, "app"))
	src.commit("one", map[string]string{"main.go": "package main\n"})
	src.tag("v1.0.0", true)
	gs := newGitServer(t, root)
	e := newEnv(t, Config{})
	res := e.sync(gs.url("app"))
	if res.Status != StatusNew {
		t.Fatalf("%+v", res)
	}
	a := e.asset(res.AssetID)
	mux := http.NewServeMux()
	mux.Handle("/git/", e.s.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	dst := filepath.Join(t.TempDir(), "clone")
	cmd := exec.Command("git", "clone", "-q", srv.URL+"/git/"+a.Slug+".git", dst)
	cmd.Env = gitEnvForTests(testTime)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	if b, err := os.ReadFile(filepath.Join(dst, "main.go")); err != nil || string(b) != "package main\n" {
		t.Fatalf("cloned main.go: %q %v", b, err)
	}
	if tags := gitOut(t, dst, "tag"); tags != "v1.0.0" {
		t.Errorf("cloned tags %q", tags)
	}

	// Push refused.
	if err := os.WriteFile(filepath.Join(dst, "evil.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitOut(t, dst, "add", "evil.txt")
	gitOut(t, dst, "commit", "-q", "-m", "evil")
	push := exec.Command("git", "push", "origin", "HEAD:main")
	push.Dir = dst
	push.Env = gitEnvForTests(testTime)
	if out, err := push.CombinedOutput(); err == nil {
		t.Fatalf("push accepted:\n%s", out)
	}
	dir := e.s.MirrorDir(e.mirror(res.MirrorID))
	if got, want := gitOut(t, dir, "rev-parse", "refs/heads/main"), src.git("rev-parse", "HEAD"); got != want {
		t.Fatalf("mirror main %s, want %s", got, want)
	}
	for _, tt := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/git/" + a.Slug + ".git/info/refs?service=git-receive-pack", http.StatusForbidden},
		{"POST", "/git/" + a.Slug + ".git/git-receive-pack", http.StatusForbidden},
		{"GET", "/git/" + a.Slug + ".git/HEAD", http.StatusForbidden},
		{"GET", "/git/" + a.Slug + ".git/config", http.StatusForbidden},
		{"GET", "/git/" + a.Slug + ".git/info/refs", http.StatusForbidden},
		{"GET", "/git/no-such-asset.git/info/refs?service=git-upload-pack", http.StatusNotFound},
		{"GET", "/git/../../etc.git/info/refs?service=git-upload-pack", http.StatusNotFound},
	} {
		req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%s %s: %d, want %d", tt.method, tt.path, resp.StatusCode, tt.status)
		}
	}
}
