package registrytest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/acervo-co/acervo/registry"
)

const writers = 8

func changeTests() []subtest {
	return []subtest{{"Sequence", testChanges}}
}

func concurrencyTests() []subtest {
	return []subtest{
		{"ParallelPurchaseUpserts", testParallelPurchases},
		{"ParallelEntityUpserts", testParallelEntityUpserts},
		{"ParallelUpdatesSameRev", testParallelUpdates},
		{"ParallelCreatesSameSlug", testParallelCreates},
		{"ParallelLeases", testParallelLeases},
		{"ParallelWritersChangeSequence", testParallelChangeSequence},
		{"PaginationUnderInserts", testPaginationUnderInserts},
	}
}

func testChanges(t *testing.T, s registry.Store) {
	ctx := t.Context()
	ok(t, s.Ping(ctx), "Ping")
	if cs := changesAfter(t, s, 0); len(cs) != 0 {
		t.Fatalf("a fresh store has changes: %+v", cs)
	}
	a := newAsset("a1", "a1", "A1", 1)
	ok(t, s.Assets().Create(ctx, a, nil), "Create asset")
	e := newEntity("e1", "899999053", "MinTIC", 1)
	ok(t, s.Entities().Create(ctx, e, nil), "Create entity")
	_, err := s.Releases().Upsert(ctx, newRelease("r1", "a1", "v1.0.0", 1), nil)
	ok(t, err, "Upsert release")
	a.Name = "A uno"
	ok(t, s.Assets().Update(ctx, a, nil), "Update asset")
	ok(t, s.Entities().Delete(ctx, "e1", 1, nil), "Delete entity")
	ps := []registry.Purchase{newPurchase(1, 0), newPurchase(2, 0)}
	_, err = s.Purchases().UpsertBatch(ctx, ps, nil)
	ok(t, err, "UpsertBatch")
	_, err = s.Links().Upsert(ctx, newLink("l1", ps[0].ID, "a1", 0.9, 1), nil)
	ok(t, err, "Upsert link")
	_, err = s.Advisories().Upsert(ctx, newAdvisory("ACV-1", "a1", 1), nil)
	ok(t, err, "Upsert advisory")
	ok(t, s.Adoptions().Create(ctx, newAdoption("ad1", "899999053", "a1", "prod", 1), nil), "Create adoption")
	ok(t, s.Mirrors().Create(ctx, newMirror("m1", "a1", "https://x.example/a1.git", 1), nil), "Create mirror")
	ok(t, s.Users().Create(ctx, newUser("u1", "ana", 1), nil), "Create user")
	ok(t, s.Tokens().Create(ctx, &registry.Token{ID: "t1", UserID: "u1", Hash: "abc", CreatedAt: at(1), ExpiresAt: at(2)}, nil), "Create token")
	ok(t, s.Imports().Create(ctx, &registry.ImportRun{ID: "run1", StartedAt: at(1)}), "Create import run (no change)")
	ok(t, s.Audit().Append(ctx, &registry.AuditEvent{At: at(1), Actor: "u1", Action: "user.signin"}), "Append (no change)")

	want := []registry.Change{
		{Kind: registry.KindAsset, ID: "a1"},
		{Kind: registry.KindEntity, ID: "e1"},
		{Kind: registry.KindRelease, ID: "r1"},
		{Kind: registry.KindAsset, ID: "a1"},
		{Kind: registry.KindEntity, ID: "e1", Deleted: true},
		{Kind: registry.KindPurchase, ID: ps[0].ID},
		{Kind: registry.KindPurchase, ID: ps[1].ID},
		{Kind: registry.KindLink, ID: "l1"},
		{Kind: registry.KindAdvisory, ID: "ACV-1"},
		{Kind: registry.KindAdoption, ID: "ad1"},
		{Kind: registry.KindMirror, ID: "m1"},
		{Kind: registry.KindUser, ID: "u1"},
		{Kind: registry.KindToken, ID: "t1"},
	}
	got := changesAfter(t, s, 0)
	if len(got) != len(want) {
		t.Fatalf("changes:\n got %+v\nwant %+v", got, want)
	}
	for i := range want {
		if got[i].Kind != want[i].Kind || got[i].ID != want[i].ID || got[i].Deleted != want[i].Deleted {
			t.Fatalf("change %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	// Limits and positions.
	cs, err := s.Changes(ctx, got[2].Seq, 3)
	ok(t, err, "Changes")
	if len(cs) != 3 || cs[0].Seq != got[3].Seq || cs[2].Seq != got[5].Seq {
		t.Fatalf("Changes(after %d, 3) = %+v", got[2].Seq, cs)
	}
	cs, err = s.Changes(ctx, got[len(got)-1].Seq, 10)
	ok(t, err, "Changes at the end")
	if len(cs) != 0 {
		t.Fatalf("Changes after the last = %+v", cs)
	}
	// Refused writes take no number.
	wantErr(t, s.Assets().Create(ctx, newAsset("a1", "other", "X", 1), nil), registry.ErrConflict, "duplicate")
	ok(t, s.Users().Create(ctx, newUser("u2", "bea", 1), nil), "Create user")
	cs = changesAfter(t, s, got[len(got)-1].Seq)
	if len(cs) != 1 || cs[0].ID != "u2" {
		t.Fatalf("changes after a refused write: %+v", cs)
	}
}

func testParallelPurchases(t *testing.T, s registry.Store) {
	const n = 200
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		counts = map[registry.UpsertOutcome]int{}
		errs   []error
	)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			order := make([]int, n)
			for i := range order {
				order[i] = (i*(2*w+1) + w*31) % n // a different permutation per writer
			}
			for start := 0; start < n; start += 20 {
				batch := make([]registry.Purchase, 0, 20)
				for _, i := range order[start : start+20] {
					batch = append(batch, newPurchase(i, 0))
				}
				out, err := s.Purchases().UpsertBatch(t.Context(), batch, importEvent(fmt.Sprintf("w%d", w)))
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				}
				for _, o := range out {
					counts[o]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("parallel upserts failed: %v", errs)
	}
	if counts[registry.OutcomeNew] != n || counts[registry.OutcomeUpdated] != 0 || counts[registry.OutcomeUnchanged] != n*(writers-1) {
		t.Fatalf("outcomes %v, want %d new and %d unchanged", counts, n, n*(writers-1))
	}
	l, err := s.Purchases().List(t.Context(), registry.PurchaseFilter{Page: registry.Page{WantTotal: true}})
	ok(t, err, "List")
	if l.Total != n {
		t.Fatalf("%d purchases after parallel upserts, want %d", l.Total, n)
	}
	cs := changesAfter(t, s, 0)
	seen := map[string]bool{}
	for _, c := range cs {
		if seen[c.ID] {
			t.Fatalf("purchase %s changed twice", c.ID)
		}
		seen[c.ID] = true
	}
	if len(seen) != n {
		t.Fatalf("%d purchase changes, want %d", len(seen), n)
	}
}

func testParallelEntityUpserts(t *testing.T, s registry.Store) {
	var wg sync.WaitGroup
	created := make([]bool, writers)
	errs := make([]error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := &registry.Entity{NIT: "890480184", Name: fmt.Sprintf("Nombre %d", w), CreatedAt: at(w), UpdatedAt: at(w)}
			created[w], errs[w] = s.Entities().Upsert(t.Context(), e, nil)
		}()
	}
	wg.Wait()
	n := 0
	for w := range writers {
		ok(t, errs[w], "Upsert %d", w)
		if created[w] {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d upserts created the entity, want 1", n)
	}
	e, err := s.Entities().GetByNIT(t.Context(), "890480184")
	ok(t, err, "GetByNIT")
	names := append([]string{e.Name}, e.Aliases...)
	slices.Sort(names)
	var want []string
	for w := range writers {
		want = append(want, fmt.Sprintf("Nombre %d", w))
	}
	if !slices.Equal(names, want) {
		t.Fatalf("name and aliases after parallel merges: %v, want every name once: %v", names, want)
	}
}

func testParallelUpdates(t *testing.T, s registry.Store) {
	a := newAsset("a1", "a1", "A", 1)
	ok(t, s.Assets().Create(t.Context(), a, nil), "Create")
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := *a
			x.Name = fmt.Sprintf("A %d", w)
			errs[w] = s.Assets().Update(t.Context(), &x, nil)
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, registry.ErrConflict):
			t.Fatalf("Update: %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d updates with the same revision succeeded, want 1", wins)
	}
	got, _ := s.Assets().Get(t.Context(), "a1")
	if got.Rev != 2 {
		t.Fatalf("rev %d after one successful update", got.Rev)
	}
}

func testParallelCreates(t *testing.T, s registry.Store) {
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = s.Assets().Create(t.Context(), newAsset(fmt.Sprintf("a%d", w), "same-slug", "Same", w), nil)
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, registry.ErrConflict):
			t.Fatalf("Create: %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d creates of one slug succeeded, want 1", wins)
	}
}

func testParallelLeases(t *testing.T, s registry.Store) {
	ok(t, s.Mirrors().Create(t.Context(), newMirror("m1", "a1", "https://x.example/a.git", 1), nil), "Create")
	var wg sync.WaitGroup
	errs := make([]error, writers)
	now := at(10)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[w] = s.Mirrors().AcquireLease(t.Context(), "m1", fmt.Sprintf("node-%d", w), now, now.Add(time.Minute))
		}()
	}
	wg.Wait()
	winner := -1
	for w, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Fatalf("node-%d and node-%d both hold the lease", winner, w)
			}
			winner = w
		case !errors.Is(err, registry.ErrConflict):
			t.Fatalf("AcquireLease: %v", err)
		}
	}
	if winner < 0 {
		t.Fatal("nobody got the lease")
	}
	m, _ := s.Mirrors().Get(t.Context(), "m1")
	if m.LeaseHolder != fmt.Sprintf("node-%d", winner) {
		t.Fatalf("stored holder %q, winner node-%d", m.LeaseHolder, winner)
	}
}

func testParallelChangeSequence(t *testing.T, s registry.Store) {
	const each = 25
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				nit := fmt.Sprintf("8%08d", w*1000+i)
				if err := s.Entities().Create(t.Context(), newEntity("e"+nit, nit, "Entidad "+nit, i), event("entity.create", registry.KindEntity, "e"+nit)); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		ok(t, err, "Create")
	}
	cs := changesAfter(t, s, 0) // checks strictly increasing
	seen := map[string]bool{}
	for _, c := range cs {
		if seen[c.ID] || c.Kind != registry.KindEntity {
			t.Fatalf("change %+v repeated or of another kind", c)
		}
		seen[c.ID] = true
	}
	if len(seen) != writers*each {
		t.Fatalf("%d changes for %d writes", len(seen), writers*each)
	}
	l, err := s.Audit().List(t.Context(), registry.AuditFilter{Action: "entity.create", Page: registry.Page{WantTotal: true}})
	ok(t, err, "Audit.List")
	if l.Total != writers*each {
		t.Fatalf("%d audit events for %d writes", l.Total, writers*each)
	}
}

// testPaginationUnderInserts walks every page while another goroutine
// inserts rows between the pages, on both sides of the cursor: every row that
// existed before the walk is seen exactly once.
func testPaginationUnderInserts(t *testing.T, s registry.Store) {
	const before, during = 150, 150
	pre := purchaseFixture(t, s, before)
	for _, tc := range []struct {
		name     string
		f        registry.PurchaseFilter
		backward bool
	}{
		{"date forward", registry.PurchaseFilter{}, false},
		{"value forward", registry.PurchaseFilter{Sort: registry.SortValue}, false},
		{"date backward", registry.PurchaseFilter{}, true},
		{"buyer by value backward", registry.PurchaseFilter{BuyerNIT: fixtureBuyers[2], Sort: registry.SortValue}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next := make(chan int)
			done := make(chan error)
			base := 1000 + 1000*len(tc.name) // distinct keys per case
			go func() {
				var err error
				for k := range next {
					if err != nil {
						continue
					}
					batch := make([]registry.Purchase, 0, 5)
					for j := range 5 {
						p := newPurchase(base+k*5+j, 0)
						p.ContractID = fmt.Sprintf("%s-%d", tc.name, k*5+j)
						batch = append(batch, p)
					}
					_, err = s.Purchases().UpsertBatch(t.Context(), batch, nil)
				}
				done <- err
			}()
			seen := map[string]int{}
			cursor := ""
			for k := 0; ; k++ {
				if k > before {
					t.Fatal("walk does not end")
				}
				p := registry.Page{First: 7, After: cursor}
				if tc.backward {
					p = registry.Page{Last: 7, Before: cursor}
				}
				f := tc.f
				f.Page = p
				l, err := s.Purchases().List(t.Context(), f)
				ok(t, err, "List page %d", k)
				for _, it := range l.Items {
					seen[it.ID]++
				}
				if k*5 < during {
					next <- k // insert between pages
				}
				more := l.PageInfo.HasNextPage
				cursor = l.PageInfo.EndCursor
				if tc.backward {
					more, cursor = l.PageInfo.HasPreviousPage, l.PageInfo.StartCursor
				}
				if !more {
					break
				}
			}
			close(next)
			ok(t, <-done, "inserts")
			for id, n := range seen {
				if n != 1 {
					t.Fatalf("row %s seen %d times", id, n)
				}
			}
			for _, p := range pre {
				if tc.f.BuyerNIT != "" && p.BuyerNIT != tc.f.BuyerNIT {
					continue
				}
				if seen[p.ID] != 1 {
					t.Fatalf("pre-existing row %s seen %d times", p.ID, seen[p.ID])
				}
			}
		})
	}
}
