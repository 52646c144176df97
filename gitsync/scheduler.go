package gitsync

import (
	"context"
	"sync"
	"time"

	"github.com/acervo-co/acervo/registry"
)

// Run is the scheduler of `acervo serve`: every Poll it looks for due
// mirrors and syncs them, at most Concurrency at once and PerHost per host,
// each under a lease in the store, so that several processes sharing a
// store never sync one repository at the same time. A mirror that failed
// waits with exponential backoff and jitter. Run returns when ctx ends,
// after the running syncs stop.
func (s *Syncer) Run(ctx context.Context) error {
	ctx = systemCtx(ctx)
	sem := make(chan struct{}, s.cfg.Concurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	var mu sync.Mutex
	running := map[string]bool{}        // mirror ids this process is syncing
	busyUntil := map[string]time.Time{} // mirrors another process was syncing: left alone for a while
	tick := time.NewTimer(0)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		due, err := s.svc.DueMirrors(ctx, s.svc.Now(), 4*s.cfg.Concurrency)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			s.log.Error("list due mirrors", "err", err)
		}
		for _, m := range due {
			mu.Lock()
			busy := running[m.ID] || busyUntil[m.ID].After(s.svc.Now())
			mu.Unlock()
			if busy || (m.LeaseUntil != nil && m.LeaseUntil.After(s.svc.Now()) && m.LeaseHolder != "") {
				continue
			}
			host := mirrorHost(m)
			if !s.tryHost(host) {
				continue
			}
			select {
			case sem <- struct{}{}:
			default:
				s.doneHost(host)
				continue
			}
			mu.Lock()
			running[m.ID] = true
			mu.Unlock()
			wg.Add(1)
			go func(m registry.Mirror) {
				defer wg.Done()
				defer func() { <-sem }()
				defer s.doneHost(host)
				defer func() {
					mu.Lock()
					delete(running, m.ID)
					mu.Unlock()
				}()
				res := s.SyncMirror(ctx, m, false)
				if res.ErrorCode == CodeBusy {
					// Another process is on it: do not touch the mirror's
					// record while it works (stores such as FerretDB lose
					// concurrent updates of one document).
					mu.Lock()
					busyUntil[m.ID] = s.svc.Now().Add(10 * time.Second)
					mu.Unlock()
				}
			}(m)
		}
		tick.Reset(s.cfg.Poll)
	}
}
