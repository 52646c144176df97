package mongo_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/mongo"
	"github.com/acervo-co/acervo/registry/mongo/mongotest"
)

// Two clients on one database (two acervo processes on one MongoDB): the
// compare-and-set writes, the leases and the change sequence hold across
// them. On FerretDB this is what the database's write lock is for.
func TestTwoClients(t *testing.T) {
	srv := mongotest.Start(t)
	db := mongotest.DBName()
	var stores [2]*mongo.Store
	for i := range stores {
		s, err := mongo.Open(t.Context(), srv.URI, mongo.WithDatabase(db))
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		t.Cleanup(func() { _ = s.Close() })
		stores[i] = s
	}
	ctx := t.Context()
	at := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	if err := stores[0].Mirrors().Create(ctx, &registry.Mirror{ID: "m1", AssetID: "a1", URL: "https://x.example/a.git", Status: registry.MirrorNew, NextDueAt: at}, nil); err != nil {
		t.Fatal(err)
	}
	if err := stores[1].Entities().Create(ctx, &registry.Entity{ID: "e1", NIT: "899999053", Name: "MinTIC"}, nil); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	leaseErrs := make([]error, n)
	updateErrs := make([]error, n)
	createErrs := make([]error, n)
	for w := range n {
		s := stores[w%2]
		wg.Add(3)
		go func() {
			defer wg.Done()
			_, leaseErrs[w] = s.Mirrors().AcquireLease(ctx, "m1", fmt.Sprintf("node-%d", w), at, at.Add(time.Minute))
		}()
		go func() {
			defer wg.Done()
			e := registry.Entity{ID: "e1", NIT: "899999053", Name: fmt.Sprintf("MinTIC %d", w), Rev: 1}
			updateErrs[w] = s.Entities().Update(ctx, &e, nil)
		}()
		go func() {
			defer wg.Done()
			for i := range 5 {
				nit := fmt.Sprintf("8%08d", w*100+i)
				if err := s.Entities().Create(ctx, &registry.Entity{NIT: nit, Name: "E " + nit}, nil); err != nil {
					createErrs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for name, errs := range map[string][]error{"AcquireLease": leaseErrs, "Update with one revision": updateErrs} {
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, registry.ErrConflict):
				t.Fatalf("%s: %v", name, err)
			}
		}
		if wins != 1 {
			t.Fatalf("%s: %d winners across two clients, want 1", name, wins)
		}
	}
	for _, err := range createErrs {
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
	}
	// Every write has its own change number, whichever client wrote it.
	var all []registry.Change
	after := int64(0)
	for {
		cs, err := stores[0].Changes(ctx, after, 50)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) == 0 {
			break
		}
		all = append(all, cs...)
		after = cs[len(cs)-1].Seq
	}
	seen := map[int64]bool{}
	for _, c := range all {
		if seen[c.Seq] {
			t.Fatalf("change number %d given twice", c.Seq)
		}
		seen[c.Seq] = true
	}
	// m1 created, e1 created and updated once, 40 entities.
	if len(all) != 1+2+n*5 {
		t.Fatalf("%d changes, want %d", len(all), 1+2+n*5)
	}
}
