package graphql

import (
	"context"
	"strings"
	"testing"

	"github.com/acervo-co/acervo/registry"
)

// TestKeptRecordsFollowWrites: entities and assets kept between requests
// are read again once the index has applied a change to them, whether the
// write came through a mutation, the Service or straight to the store
// (another process), and they save store calls meanwhile.
func TestKeptRecordsFollowWrites(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	const q = `{ asset(slug: "orfeo") { name publisher { name } adoptions(first: 5) { edges { node { entity { name } } } } } }`
	get := func() string {
		t.Helper()
		r := e.post("", q, nil)
		if r.Status != 200 || strings.Contains(string(r.Body), `"errors"`) {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		return string(r.Body)
	}
	before := get()
	if !strings.Contains(before, "Ministerio de Tecnologías") {
		t.Fatalf("publisher: %s", before)
	}
	e.store.n.Store(0)
	if get() != before {
		t.Fatal("the same query answered differently")
	}
	warm := e.store.n.Load()

	// An entity renamed straight in the store, as another process would.
	ent, err := e.store.Store.Entities().GetByNIT(ctx, nitMinTIC)
	if err != nil {
		t.Fatal(err)
	}
	ent.Name = "Ministerio TIC (renombrado)"
	if err := e.store.Store.Entities().Update(ctx, &ent, &registry.AuditEvent{At: t0, Actor: "system:test", Action: "entity.update", TargetKind: "entity", TargetID: ent.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.idx.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	e.store.n.Store(0)
	after := get()
	if !strings.Contains(after, "Ministerio TIC (renombrado)") || strings.Contains(after, "Ministerio de Tecnologías") {
		t.Fatalf("after the entity changed: %s", after)
	}
	if cold := e.store.n.Load(); cold <= warm {
		t.Fatalf("a changed entity was not read again: %d store calls, %d when kept", cold, warm)
	}

	// An asset renamed, also behind the API's back.
	a, err := e.store.Store.Assets().GetBySlug(ctx, "orfeo")
	if err != nil {
		t.Fatal(err)
	}
	a.Name = "Orfeo Renombrado"
	if err := e.store.Store.Assets().Update(ctx, &a, &registry.AuditEvent{At: t0, Actor: "system:test", Action: "asset.update", TargetKind: "asset", TargetID: a.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.idx.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	const sq = `{ assets(first: 5, query: "orfeo") { edges { node { name } } } }`
	if r := e.post("", sq, nil); !strings.Contains(string(r.Body), "Orfeo Renombrado") {
		t.Fatalf("search after the asset changed: %s", r.Body)
	}
	const aq = `{ adoptions(first: 5, entity: "` + nitMinTIC + `") { edges { node { asset { name } } } } }`
	if r := e.post("", aq, nil); !strings.Contains(string(r.Body), "Orfeo Renombrado") {
		t.Fatalf("an adoption's asset after the asset changed: %s", r.Body)
	}
	if got := get(); !strings.Contains(got, `"name":"Orfeo Renombrado"`) {
		t.Fatalf("the asset by slug after it changed: %s", got)
	}

	// Releases, adoptions and linked purchases of the asset.
	const dq = `{ asset(slug: "orfeo") { latestRelease { tag } adopterCount purchaseTotals { count suggestedCount } } }`
	figures := func() string {
		t.Helper()
		r := e.post("", dq, nil)
		if r.Status != 200 || strings.Contains(string(r.Body), `"errors"`) {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		return string(r.Body)
	}
	before = figures()
	if figures() != before {
		t.Fatal("the same query answered differently")
	}
	ev := func(action string) *registry.AuditEvent {
		return &registry.AuditEvent{At: t0, Actor: "system:test", Action: action, TargetKind: "test", TargetID: "test"}
	}
	rel := registry.Release{ID: "rel-orfeo-9", AssetID: idOrfeo, Tag: "v9.0.0", IsRelease: true, Version: "9.0.0", Commit: strings.Repeat("9", 40), Date: at(-1)}
	if _, err := e.store.Store.Releases().Upsert(ctx, &rel, ev("release.upsert")); err != nil {
		t.Fatal(err)
	}
	ad := registry.Adoption{ID: "ad-new-orfeo", EntityNIT: "890399010", AssetID: idOrfeo, ReleaseTag: "v9.0.0", Status: registry.AdoptionProduction,
		Verification: registry.VerificationSelfDeclared, CreatedAt: t0, UpdatedAt: t0}
	if err := e.store.Store.Adoptions().Create(ctx, &ad, ev("adoption.create")); err != nil {
		t.Fatal(err)
	}
	l := registry.PurchaseLink{ID: "link-new-orfeo", PurchaseID: idPurchApp, AssetID: idOrfeo, Relation: registry.RelSupport, Score: 0.9, State: registry.LinkSuggested, CreatedAt: t0, UpdatedAt: t0}
	if _, err := e.store.Store.Links().Upsert(ctx, &l, ev("link.suggest")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.idx.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	after = figures()
	if !strings.Contains(after, `"tag":"v9.0.0"`) || strings.Contains(after, `"adopterCount":`+adopters(before)) ||
		strings.Contains(after, `"suggestedCount":`+suggested(before)) {
		t.Fatalf("after a release, an adoption and a link were added:\n%s\nwas\n%s", after, before)
	}
}

// adopters and suggested pull figures out of a response.
func adopters(body string) string  { return figure(body, `"adopterCount":`) }
func suggested(body string) string { return figure(body, `"suggestedCount":`) }

func figure(body, key string) string {
	_, rest, _ := strings.Cut(body, key)
	end := strings.IndexAny(rest, ",}")
	if end < 0 {
		return rest
	}
	return rest[:end]
}

// TestRecordCacheBounds: a cache never holds more than its budget, keeps
// what fits, and reads again what it dropped.
func TestRecordCacheBounds(t *testing.T) {
	ver := int64(1)
	c := newRecordCache(func(string) int64 { return ver }, func(v string) int { return len(v) }, 10, "k")
	fetched := 0
	fetch := func(_ context.Context, keys []string) (map[string]string, error) {
		fetched += len(keys)
		m := map[string]string{}
		for _, k := range keys {
			m[k] = strings.Repeat("x", len(k))
		}
		return m, nil
	}
	for _, c2 := range []struct {
		keys        []string
		wantFetched int
	}{
		{[]string{"aaaa", "bbbb"}, 2}, // 8 of 10
		{[]string{"aaaa", "bbbb"}, 0}, // kept
		{[]string{"ccc"}, 1},          // 11 > 10: starts over with ccc
		{[]string{"aaaa"}, 1},
		{[]string{"ccc", "aaaa"}, 0},
		{[]string{"an eleven c"}, 1}, // heavier than the budget: never kept
		{[]string{"an eleven c"}, 1},
	} {
		fetched = 0
		m, err := c.load(t.Context(), c2.keys, fetch)
		if err != nil || len(m) != len(c2.keys) || fetched != c2.wantFetched {
			t.Fatalf("%v: %d fetched, want %d (%v, %v)", c2.keys, fetched, c2.wantFetched, m, err)
		}
		if c.size > c.max {
			t.Fatalf("%v: size %d over %d", c2.keys, c.size, c.max)
		}
	}
	ver++ // a change of the kind: everything is read again
	fetched = 0
	if _, err := c.load(t.Context(), []string{"ccc", "aaaa"}, fetch); err != nil || fetched != 2 {
		t.Fatalf("after the version moved: %d fetched", fetched)
	}
}
