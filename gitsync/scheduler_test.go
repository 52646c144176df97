package gitsync

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/sqlite"
)

// listCounter counts go-git's ref listings per repository: every sync
// lists refs exactly once.
type listCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *listCounter) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/info/refs") && strings.HasPrefix(r.UserAgent(), "go-git") {
			c.mu.Lock()
			c.n[strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/"), "/info/refs")]++
			c.mu.Unlock()
		}
		h.ServeHTTP(w, r)
	})
}

// twoSchedulers runs two schedulers, each with its own Service over its
// own store handle, on the same mirrors directory, until every due mirror
// was synced; each repository must be synced exactly once.
func twoSchedulers(t *testing.T, stores [2]registry.Store) {
	root := t.TempDir()
	const n = 8
	for i := range n {
		r := newRepo(t, filepath.Join(root, fmt.Sprintf("repo%d", i)))
		r.commit("one", map[string]string{"a.go": "package a\n"})
		r.tag("v1.0.0", false)
	}
	gs := newGitServer(t, root)
	lc := &listCounter{n: map[string]int{}}
	gs.Config.Handler = lc.wrap(gs.Config.Handler)

	mirrors := t.TempDir()
	policy := loopbackPolicy()
	var syncers [2]*Syncer
	var svcs [2]*registry.Service
	for i, st := range stores {
		svcs[i] = registry.NewService(st, registry.WithRepositoryChecker(registry.RepositoryCheckerFunc(
			func(ctx context.Context, u string) (registry.RepositoryLocation, error) {
				return CheckRepository(ctx, policy, u)
			})))
		syncers[i] = newSyncer(t, Config{MirrorsDir: mirrors, Policy: policy, Poll: 20 * time.Millisecond,
			Concurrency: 3, PerHost: 2, Holder: fmt.Sprintf("process-%d", i)}, svcs[i])
	}
	ctx := registry.WithActor(context.Background(), registry.SystemActor("sync"))
	var ids []string
	for i := range n {
		_, m, err := svcs[0].RegisterRepository(ctx, gs.url(fmt.Sprintf("repo%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}

	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, s := range syncers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = s.Run(runCtx)
		}()
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		done := 0
		for _, id := range ids {
			m, err := stores[1].Mirrors().Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if m.Status == registry.MirrorOK {
				done++
			} else if m.Status == registry.MirrorFailed {
				t.Fatalf("mirror failed: %+v", m)
			}
		}
		if done == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d mirrors synced", done, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Let both schedulers look again a few times: nothing is due.
	time.Sleep(200 * time.Millisecond)
	stop()
	wg.Wait()
	lc.mu.Lock()
	defer lc.mu.Unlock()
	for i := range n {
		if got := lc.n[fmt.Sprintf("repo%d", i)]; got != 1 {
			t.Errorf("repo%d synced %d times, want 1", i, got)
		}
	}
	for _, id := range ids {
		m, _ := stores[0].Mirrors().Get(ctx, id)
		rs, _ := stores[0].Releases().ForAssets(ctx, []string{m.AssetID})
		if len(rs) != 1 || m.LeaseUntil != nil && m.LeaseHolder != "" {
			t.Errorf("mirror %s: releases %d, lease %q %v", m.URL, len(rs), m.LeaseHolder, m.LeaseUntil)
		}
	}
}

func TestTwoSchedulersSQLite(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	twoSchedulers(t, [2]registry.Store{st, st})
}

func TestBackoff(t *testing.T) {
	s := &Syncer{cfg: Config{Backoff: time.Minute, MaxBackoff: time.Hour}}
	for _, tt := range []struct {
		n        int
		min, max time.Duration
	}{{1, 30 * time.Second, 90 * time.Second}, {3, 2 * time.Minute, 6 * time.Minute}, {20, 30 * time.Minute, 90 * time.Minute}} {
		for range 50 {
			if d := s.backoff(tt.n); d < tt.min || d > tt.max {
				t.Fatalf("backoff(%d) = %s, want within [%s, %s]", tt.n, d, tt.min, tt.max)
			}
		}
	}
}

func TestLockMirror(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "host", "app.git")
	unlock, err := lockMirror(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockMirror(dir); err == nil {
		t.Fatal("a second lock on the same mirror succeeded")
	}
	unlock()
	unlock2, err := lockMirror(dir)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	unlock2()
}

// TestHostSlots: at most PerHost syncs hold a host's slots; a waiter takes
// the slot given back, another host is not held up, and a waiter whose
// context ends gives up.
func TestHostSlots(t *testing.T) {
	s := newSyncer(t, Config{MirrorsDir: t.TempDir(), PerHost: 2}, nil)
	ctx := context.Background()
	if !s.waitHost(ctx, "a") || !s.tryHost("a") {
		t.Fatal("the first two slots of a host were refused")
	}
	if s.tryHost("a") {
		t.Fatal("a third slot of a host was given")
	}
	if !s.tryHost("b") {
		t.Fatal("another host was held up")
	}
	got := make(chan bool)
	go func() { got <- s.waitHost(ctx, "a") }()
	s.doneHost("a")
	if !<-got {
		t.Fatal("the waiter did not take the slot given back")
	}
	if s.tryHost("a") {
		t.Fatal("a slot was given twice")
	}
	cctx, cancel := context.WithCancel(ctx)
	go func() { got <- s.waitHost(cctx, "a") }()
	cancel()
	if <-got {
		t.Fatal("a waiter whose context ended took a slot")
	}
}
