package registrytest

import (
	"fmt"
	"testing"

	"github.com/acervo-co/acervo/registry"
)

func newAdvisory(id, assetID string, minute int) *registry.Advisory {
	return &registry.Advisory{
		ID: id, AssetID: assetID, Summary: "Inyección SQL en el radicador", Details: "Detalles…", Severity: "HIGH",
		Affected:   []registry.AffectedRange{{Introduced: "1.0.0", Fixed: "1.2.3"}},
		References: []string{"https://example.gov.co/advisories/" + id},
		Published:  at(minute), Modified: at(minute), CreatedAt: at(minute), UpdatedAt: at(minute),
	}
}

func advisoryTests() []subtest {
	return []subtest{
		{"UpsertAndDelete", testAdvisoryUpsert},
		{"List", testAdvisoryList},
	}
}

func testAdvisoryUpsert(t *testing.T, s registry.Store) {
	ctx := t.Context()
	as := s.Advisories()
	seq := lastSeq(t, s)
	a := newAdvisory("ACV-2024-0001", "asset-1", 1)
	created, err := as.Upsert(ctx, a, event("advisory.upsert", registry.KindAdvisory, a.ID))
	ok(t, err, "Upsert new")
	if !created || a.Rev != 1 {
		t.Fatalf("Upsert new: created %v rev %d", created, a.Rev)
	}
	seq = oneChange(t, s, seq, registry.KindAdvisory, a.ID, false)
	audited(t, s, a.ID, "advisory.upsert", 1)
	got, err := as.Get(ctx, a.ID)
	ok(t, err, "Get")
	same(t, "Get", a, got)
	_, err = as.Get(ctx, "ACV-0")
	wantErr(t, err, registry.ErrNotFound, "Get(missing)")

	b := newAdvisory("ACV-2024-0001", "asset-1", 30)
	b.Affected = append(b.Affected, registry.AffectedRange{Introduced: "2.0.0", LastAffected: "2.0.4"})
	b.Severity = "CRITICAL"
	created, err = as.Upsert(ctx, b, event("advisory.upsert", registry.KindAdvisory, a.ID))
	ok(t, err, "Upsert existing")
	if created || b.Rev != 2 || !b.CreatedAt.Equal(at(1)) {
		t.Fatalf("Upsert existing: created %v rev %d createdAt %v", created, b.Rev, b.CreatedAt)
	}
	seq = oneChange(t, s, seq, registry.KindAdvisory, a.ID, false)
	audited(t, s, a.ID, "advisory.upsert", 2)
	got, _ = as.Get(ctx, a.ID)
	same(t, "after second Upsert", b, got)

	wantErr(t, as.Delete(ctx, a.ID, 1, nil), registry.ErrConflict, "Delete with stale rev")
	noChange(t, s, seq)
	ok(t, as.Delete(ctx, a.ID, 2, event("advisory.delete", registry.KindAdvisory, a.ID)), "Delete")
	oneChange(t, s, seq, registry.KindAdvisory, a.ID, true)
	_, err = as.Get(ctx, a.ID)
	wantErr(t, err, registry.ErrNotFound, "Get after Delete")
	wantErr(t, as.Delete(ctx, a.ID, 0, nil), registry.ErrNotFound, "Delete twice")
}

func testAdvisoryList(t *testing.T, s registry.Store) {
	var all []registry.Advisory
	for i := range 20 {
		a := newAdvisory(fmt.Sprintf("ACV-2024-%04d", i), fmt.Sprintf("asset-%d", i%4), i)
		a.UpdatedAt = at(100 + (i*7)%9)
		_, err := s.Advisories().Upsert(t.Context(), a, nil)
		ok(t, err, "Upsert")
		all = append(all, *a)
	}
	lister := func(f registry.AdvisoryFilter) pager[registry.Advisory] {
		return func(ctx contextT, p registry.Page) (registry.List[registry.Advisory], error) {
			f.Page = p
			return s.Advisories().List(ctx, f)
		}
	}
	byUpdated := func(a, b registry.Advisory) bool { return descTime(a.UpdatedAt, b.UpdatedAt, a.ID, b.ID) }
	runListCases(t, all, func(a registry.Advisory) string { return a.ID }, []listCase[registry.Advisory]{
		{name: "all by default (updated)", list: lister(registry.AdvisoryFilter{}), less: byUpdated},
		{name: "all by updated", list: lister(registry.AdvisoryFilter{Sort: registry.SortUpdated}), less: byUpdated},
		{name: "asset", list: lister(registry.AdvisoryFilter{AssetID: "asset-2"}), less: byUpdated,
			keep: func(a registry.Advisory) bool { return a.AssetID == "asset-2" }},
		{name: "assets", list: lister(registry.AdvisoryFilter{AssetIDs: []string{"asset-0", "asset-3"}}), less: byUpdated,
			keep: func(a registry.Advisory) bool { return a.AssetID == "asset-0" || a.AssetID == "asset-3" }},
	})
	t.Run("BadPages", func(t *testing.T) {
		badPages(t, func(p registry.Page, sort string) (registry.List[registry.Advisory], error) {
			return s.Advisories().List(t.Context(), registry.AdvisoryFilter{Page: p, Sort: sort})
		}, nil)
	})
}
