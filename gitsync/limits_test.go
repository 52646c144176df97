package gitsync

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acervo-co/acervo/gitsync/egress"
	"github.com/acervo-co/acervo/registry"
)

func randomText(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", b)[:n]
}

func TestSyncLimits(t *testing.T) {
	root := t.TempDir()
	huge := newRepo(t, filepath.Join(root, "huge"))
	huge.commit("big", map[string]string{"blob.bin": randomText(t, 3<<20)})
	many := newRepo(t, filepath.Join(root, "many"))
	many.commit("one", map[string]string{"a": "a"})
	for i := range 30 {
		many.git("tag", fmt.Sprintf("t%02d", i))
	}
	bigpc := newRepo(t, filepath.Join(root, "bigpc"))
	bigpc.commit("pc", map[string]string{"publiccode.yml": "name: x\n# " + strings.Repeat("a", 2<<20) + "\n"})
	aliases := newRepo(t, filepath.Join(root, "aliases"))
	aliases.commit("pc", map[string]string{"publiccode.yml": billionLaughs})
	slow := newRepo(t, filepath.Join(root, "slow"))
	slow.commit("one", map[string]string{"a": randomText(t, 1<<10)})
	gs := newGitServer(t, root)

	for _, fetcher := range []string{FetchCLI, FetchGoGit} {
		t.Run(fetcher, func(t *testing.T) {
			e := newEnv(t, Config{Fetcher: fetcher, MaxBytes: 1 << 20, MaxRefs: 20, MaxPubliccode: 1 << 20})
			for _, tt := range []struct {
				repo, code string
			}{
				{"huge", registry.CodeTooLarge},
				{"many", registry.CodeTooManyRefs},
			} {
				res := e.sync(gs.url(tt.repo))
				if res.Status != StatusFailed || res.ErrorCode != tt.code {
					t.Fatalf("%s: %+v", tt.repo, res)
				}
				m := e.mirror(res.MirrorID)
				if m.Status != registry.MirrorFailed || m.ErrorCode != tt.code || m.Failures != 1 || !m.NextDueAt.After(time.Now()) {
					t.Errorf("%s: mirror %+v", tt.repo, m)
				}
				if mirrorExists(e.s.MirrorDir(m)) {
					t.Errorf("%s: a refused first sync left a mirror", tt.repo)
				}
				left, _ := filepath.Glob(e.s.MirrorDir(m) + ".tmp-*")
				if len(left) > 0 {
					t.Errorf("%s: temporary directories left: %v", tt.repo, left)
				}
			}
			for _, name := range []string{"bigpc", "aliases"} {
				res := e.sync(gs.url(name))
				if res.Status != StatusNew || res.ErrorCode != registry.CodeMetadataInvalid {
					t.Fatalf("%s: %+v", name, res)
				}
				a := e.asset(res.AssetID)
				if a.Active || len(a.Findings) == 0 {
					t.Errorf("%s: asset active=%v findings %+v", name, a.Active, a.Findings)
				}
			}
			// The time limit: the server answers the fetch much later than
			// the limit.
			gs.slow.Store(int64(5 * time.Second))
			defer gs.slow.Store(0)
			e = newEnv(t, Config{Fetcher: fetcher, Timeout: time.Second, FirstTimeout: time.Second})
			res := e.sync(gs.url("slow"))
			if res.Status != StatusFailed || res.ErrorCode != registry.CodeTimeout {
				t.Fatalf("slow: %+v", res)
			}
		})
	}
}

const billionLaughs = `publiccodeYmlVersion: "0"
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h,*h]
name: [*i,*i,*i,*i,*i,*i,*i,*i,*i,*i]
`

// TestSyncEgress checks the policy at sync time: refused repositories are
// recorded with their code and the internal servers receive nothing.
func TestSyncEgress(t *testing.T) {
	root := t.TempDir()
	newRepo(t, filepath.Join(root, "app")).commit("one", map[string]string{"a": "a"})
	internal := newGitServer(t, root) // on 127.0.0.1: internal unless allowed
	var internalHits atomic.Int64
	internal2 := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { internalHits.Add(1) }))
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	internal2.Listener.Close()
	internal2.Listener = ln
	internal2.Start()
	defer internal2.Close()
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, internal2.URL+r.URL.RequestURI(), http.StatusFound)
	}))
	defer redirector.Close()
	port := internal.Listener.Addr().(*net.TCPAddr).Port

	t.Run("loopback refused", func(t *testing.T) {
		e := newEnv(t, Config{Policy: &egress.Policy{}})
		for _, u := range []string{internal.url("app"), fmt.Sprintf("https://localhost:%d/app", port), fmt.Sprintf("https://[::1]:%d/app", port),
			"https://169.254.169.254/latest/app", "https://10.0.0.1/app", "https://0177.0.0.1/app", "https://2130706433/app",
			"git://github.com/a/b", "ssh://git@github.com/a/b", "git@github.com:a/b.git", "ext::sh -c id", "file:///etc", "/etc",
			"https://user:secret@github.com/a/b"} {
			res := e.sync(u)
			if res.Status != StatusFailed || res.ErrorCode == "" || res.ErrorCode == registry.CodeFetchFailed {
				t.Errorf("%s: %+v", u, res)
			}
		}
		if n := internal.hits.Load(); n != 0 {
			t.Fatalf("internal server got %d requests", n)
		}
	})
	t.Run("behind a redirect", func(t *testing.T) {
		// The redirecting server is allowed; its redirect to 127.0.0.2 is
		// not followed.
		e := newEnv(t, Config{})
		for _, f := range []string{FetchCLI, FetchGoGit} {
			e.s.useGo = f == FetchGoGit
			res := e.sync(redirector.URL + "/app-" + f)
			if res.Status != StatusFailed || res.ErrorCode != registry.CodeHostBlocked {
				t.Errorf("%s: %+v", f, res)
			}
		}
		if internalHits.Load() != 0 {
			t.Fatalf("internal server behind the redirect got %d requests", internalHits.Load())
		}
	})
	t.Run("resolver with a public and a private answer", func(t *testing.T) {
		p := loopbackPolicy()
		p.AllowNets = nil
		res := &stubResolver{answers: map[string][]string{"repos.example": {"140.82.112.3", "127.0.0.1"}}}
		p.Resolver = res
		e := newEnv(t, Config{Policy: p})
		r := e.sync(fmt.Sprintf("https://repos.example:%d/app", port))
		if r.Status != StatusFailed || r.ErrorCode != registry.CodeHostBlocked {
			t.Fatalf("%+v", r)
		}
		if internal.hits.Load() != 0 {
			t.Fatal("internal server contacted")
		}
	})
	t.Run("rebinding after registration", func(t *testing.T) {
		// Registered while the name pointed at the allowed 127.0.0.1, then
		// the name moves to 127.0.0.2: the sync dials nothing there.
		p := loopbackPolicy()
		rs := &stubResolver{answers: map[string][]string{"git.entidad.gov.co": {"127.0.0.1"}}}
		p.Resolver = rs
		e := newEnv(t, Config{Policy: p})
		ip2 := internal2.Listener.Addr().(*net.TCPAddr).Port
		u := fmt.Sprintf("http://git.entidad.gov.co:%d/app", ip2)
		ctx := registry.WithActor(context.Background(), registry.SystemActor("sync"))
		_, m, err := e.svc.RegisterRepository(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		rs.answers["git.entidad.gov.co"] = []string{"127.0.0.2"}
		r := e.s.SyncMirror(ctx, m, true)
		if r.Status != StatusFailed || r.ErrorCode != registry.CodeHostBlocked {
			t.Fatalf("%+v", r)
		}
		if internalHits.Load() != 0 {
			t.Fatal("rebound address contacted")
		}
	})
}

type stubResolver struct {
	answers map[string][]string
}

func (s *stubResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, a := range s.answers[host] {
		out = append(out, netip.MustParseAddr(a))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no such host %s", host)
	}
	return out, nil
}

var _ = os.Getpid
