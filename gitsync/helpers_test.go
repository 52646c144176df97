package gitsync

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acervo-co/acervo/gitsync/egress"
	"github.com/acervo-co/acervo/registry"
)

// gitEnvForTests makes commits reproducible and keeps the user's
// configuration out.
func gitEnvForTests(when time.Time) []string {
	d := when.Format(time.RFC3339)
	return append(os.Environ(),
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=Ana Pérez", "GIT_AUTHOR_EMAIL=ana@example.gov.co",
		"GIT_COMMITTER_NAME=Ana Pérez", "GIT_COMMITTER_EMAIL=ana@example.gov.co",
		"GIT_AUTHOR_DATE="+d, "GIT_COMMITTER_DATE="+d,
	)
}

// repo is a working repository built with the git CLI.
type repo struct {
	t    testing.TB
	dir  string
	when time.Time
}

func newRepo(t testing.TB, dir string) *repo {
	t.Helper()
	r := &repo{t: t, dir: dir, when: time.Date(2024, 1, 2, 15, 4, 5, 0, time.UTC)}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	r.git("init", "-q", "-b", "main")
	return r
}

func (r *repo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = r.dir
	cmd.Env = gitEnvForTests(r.when)
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// write writes files (name → content) and commits them.
func (r *repo) commit(msg string, files map[string]string) string {
	r.t.Helper()
	for name, content := range files {
		p := filepath.Join(r.dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			r.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			r.t.Fatal(err)
		}
	}
	r.git("add", "-A")
	r.git("commit", "-q", "--allow-empty", "-m", msg)
	r.when = r.when.Add(24 * time.Hour)
	return r.git("rev-parse", "HEAD")
}

func (r *repo) remove(names ...string) string {
	r.t.Helper()
	r.git(append([]string{"rm", "-q"}, names...)...)
	r.git("commit", "-q", "-m", "remove "+strings.Join(names, " "))
	r.when = r.when.Add(24 * time.Hour)
	return r.git("rev-parse", "HEAD")
}

func (r *repo) tag(name string, annotated bool) {
	r.t.Helper()
	if annotated {
		r.git("tag", "-a", "-m", "release "+name, name)
	} else {
		r.git("tag", name)
	}
	r.when = r.when.Add(time.Hour)
}

// gitServer serves every repository under root over smart HTTP on
// 127.0.0.1 (git http-backend), counting requests.
type gitServer struct {
	*httptest.Server
	root  string
	hits  atomic.Int64
	posts atomic.Int64 // upload-pack requests (fetches)
	// slow, when set, delays every upload-pack response (kill tests).
	slow atomic.Int64
	open atomic.Int64 // connections not yet closed
}

func newGitServer(t testing.TB, root string) *gitServer {
	t.Helper()
	gs := &gitServer{root: root}
	gs.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gs.hits.Add(1)
		if r.Method == http.MethodPost {
			gs.posts.Add(1)
		}
		if d := gs.slow.Load(); d > 0 && strings.HasSuffix(r.URL.Path, "/git-upload-pack") {
			time.Sleep(time.Duration(d))
		}
		p := strings.TrimPrefix(r.URL.Path, "/")
		for _, sub := range []string{"info/refs", "git-upload-pack", "git-receive-pack"} {
			if repoPath, ok := strings.CutSuffix(p, "/"+sub); ok {
				ServeRepository(w, r, "git", root, repoPath, sub)
				return
			}
		}
		http.NotFound(w, r)
	}))
	gs.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			gs.open.Add(1)
		case http.StateClosed, http.StateHijacked:
			gs.open.Add(-1)
		}
	}
	gs.Start()
	t.Cleanup(gs.Close)
	return gs
}

func (gs *gitServer) url(name string) string { return gs.URL + "/" + name }

// loopbackPolicy allows 127.0.0.1 only (the test servers).
func loopbackPolicy(local ...string) *egress.Policy {
	return &egress.Policy{AllowNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, AllowLocal: local}
}

func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func newSyncer(t testing.TB, cfg Config, svc *registry.Service) *Syncer {
	t.Helper()
	s, err := New(cfg, svc, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var testTime = time.Date(2024, 1, 2, 15, 4, 5, 0, time.UTC)

var _ = fmt.Sprintf
