package registrytest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/acervo-co/acervo/registry"
)

func newAdoption(id, nit, assetID, env string, minute int) *registry.Adoption {
	return &registry.Adoption{
		ID: id, EntityNIT: nit, AssetID: assetID, ReleaseTag: "v1.0.0", Status: registry.AdoptionProduction,
		Environment: env, InstanceURL: "https://" + env + ".example.gov.co", Since: ptr(at(minute)),
		Evidence:     []registry.Evidence{{Kind: "CONTRACT", Ref: "CO1.PCCNTR.1"}},
		Verification: registry.VerificationSelfDeclared, CreatedAt: at(minute), UpdatedAt: at(minute),
	}
}

func adoptionTests() []subtest {
	return []subtest{
		{"CRUD", testAdoptionCRUD},
		{"List", testAdoptionList},
	}
}

func testAdoptionCRUD(t *testing.T, s registry.Store) {
	ctx := t.Context()
	ads := s.Adoptions()
	seq := lastSeq(t, s)
	a := newAdoption("", "899999053", "asset-1", "prod", 1)
	ok(t, ads.Create(ctx, a, event("adoption.create", registry.KindAdoption, "")), "Create")
	if a.ID == "" || a.Rev != 1 {
		t.Fatalf("Create: id %q rev %d", a.ID, a.Rev)
	}
	seq = oneChange(t, s, seq, registry.KindAdoption, a.ID, false)
	audited(t, s, a.ID, "adoption.create", 1)
	got, err := ads.Get(ctx, a.ID)
	ok(t, err, "Get")
	same(t, "Get", a, got)
	_, err = ads.Get(ctx, "missing")
	wantErr(t, err, registry.ErrNotFound, "Get(missing)")

	// (entity, asset, environment) is unique.
	wantErr(t, ads.Create(ctx, newAdoption("dup", "899999053", "asset-1", "prod", 2), nil), registry.ErrConflict, "Create duplicate")
	noChange(t, s, seq)
	b := newAdoption("ad-b", "899999053", "asset-1", "test", 2)
	ok(t, ads.Create(ctx, b, nil), "Create in another environment")
	seq = oneChange(t, s, seq, registry.KindAdoption, "ad-b", false)

	upd := *a
	upd.Status = registry.AdoptionRetired
	upd.Until = ptr(at(90))
	upd.UpdatedAt = at(90)
	ok(t, ads.Update(ctx, &upd, event("adoption.update", registry.KindAdoption, a.ID)), "Update")
	if upd.Rev != 2 {
		t.Fatalf("Update: Rev = %d", upd.Rev)
	}
	seq = oneChange(t, s, seq, registry.KindAdoption, a.ID, false)
	got, _ = ads.Get(ctx, a.ID)
	same(t, "after Update", upd, got)
	wantErr(t, ads.Update(ctx, a, nil), registry.ErrConflict, "Update with stale rev")
	clash, _ := ads.Get(ctx, "ad-b")
	clash.Environment = "prod"
	wantErr(t, ads.Update(ctx, &clash, nil), registry.ErrConflict, "Update onto another adoption's key")
	noChange(t, s, seq)
	wantErr(t, ads.Delete(ctx, a.ID, 1, nil), registry.ErrConflict, "Delete with stale rev")
	ok(t, ads.Delete(ctx, a.ID, 2, event("adoption.delete", registry.KindAdoption, a.ID)), "Delete")
	oneChange(t, s, seq, registry.KindAdoption, a.ID, true)
	audited(t, s, a.ID, "adoption.delete", 3)
	_, err = ads.Get(ctx, a.ID)
	wantErr(t, err, registry.ErrNotFound, "Get after Delete")
	ok(t, ads.Create(ctx, newAdoption("again", "899999053", "asset-1", "prod", 3), nil), "Create on the freed key")
}

func testAdoptionList(t *testing.T, s registry.Store) {
	ctx := t.Context()
	nits := []string{"899999053", "890480184", "800000001"}
	statuses := []string{registry.AdoptionEvaluating, registry.AdoptionPilot, registry.AdoptionProduction, registry.AdoptionRetired}
	verifs := []string{registry.VerificationSelfDeclared, registry.VerificationCIOVerified, registry.VerificationProcurementDerived}
	var all []registry.Adoption
	for i := range 30 {
		a := newAdoption(fmt.Sprintf("ad%02d", i), nits[i%3], fmt.Sprintf("asset-%d", i%4), fmt.Sprintf("env%d", i/12), i%9)
		a.UpdatedAt = at(100 + (i*7)%10)
		a.Status = statuses[i%4]
		a.Verification = verifs[i%3]
		a.Pending = i%5 == 0
		ok(t, s.Adoptions().Create(ctx, a, nil), "Create %s", a.ID)
		all = append(all, *a)
	}
	id := func(a registry.Adoption) string { return a.ID }
	lister := func(f registry.AdoptionFilter) pager[registry.Adoption] {
		return func(ctx contextT, p registry.Page) (registry.List[registry.Adoption], error) {
			f.Page = p
			return s.Adoptions().List(ctx, f)
		}
	}
	byUpdated := func(a, b registry.Adoption) bool { return descTime(a.UpdatedAt, b.UpdatedAt, a.ID, b.ID) }
	byCreated := func(a, b registry.Adoption) bool { return descTime(a.CreatedAt, b.CreatedAt, a.ID, b.ID) }
	runListCases(t, all, id, []listCase[registry.Adoption]{
		{name: "all by default (updated)", list: lister(registry.AdoptionFilter{}), less: byUpdated},
		{name: "all by created", list: lister(registry.AdoptionFilter{Sort: registry.SortCreated}), less: byCreated},
		{name: "asset", list: lister(registry.AdoptionFilter{AssetID: "asset-1"}), less: byUpdated,
			keep: func(a registry.Adoption) bool { return a.AssetID == "asset-1" }},
		{name: "assets", list: lister(registry.AdoptionFilter{AssetIDs: []string{"asset-0", "asset-3"}, Sort: registry.SortCreated}), less: byCreated,
			keep: func(a registry.Adoption) bool { return a.AssetID == "asset-0" || a.AssetID == "asset-3" }},
		{name: "entity", list: lister(registry.AdoptionFilter{EntityNIT: nits[1]}), less: byUpdated,
			keep: func(a registry.Adoption) bool { return a.EntityNIT == nits[1] }},
		{name: "entities", list: lister(registry.AdoptionFilter{EntityNITs: []string{nits[0], nits[2]}}), less: byUpdated,
			keep: func(a registry.Adoption) bool { return a.EntityNIT != nits[1] }},
		{name: "status", list: lister(registry.AdoptionFilter{Status: registry.AdoptionPilot}), less: byUpdated,
			keep: func(a registry.Adoption) bool { return a.Status == registry.AdoptionPilot }},
		{name: "verification", list: lister(registry.AdoptionFilter{Verification: registry.VerificationCIOVerified}), less: byUpdated,
			keep: func(a registry.Adoption) bool { return a.Verification == registry.VerificationCIOVerified }},
		{name: "pending", list: lister(registry.AdoptionFilter{Pending: ptr(true)}), less: byUpdated,
			keep: func(a registry.Adoption) bool { return a.Pending }},
		{name: "not pending", list: lister(registry.AdoptionFilter{Pending: ptr(false), Sort: registry.SortCreated}), less: byCreated,
			keep: func(a registry.Adoption) bool { return !a.Pending }},
		{name: "combined", list: lister(registry.AdoptionFilter{EntityNIT: nits[0], AssetIDs: []string{"asset-0", "asset-1", "asset-2"}, Pending: ptr(false)}), less: byUpdated,
			keep: func(a registry.Adoption) bool {
				return a.EntityNIT == nits[0] && a.AssetID != "asset-3" && !a.Pending
			}},
	})
	t.Run("ForAssets", func(t *testing.T) {
		got, err := s.Adoptions().ForAssets(ctx, []string{"asset-2", "asset-3", "asset-9"})
		ok(t, err, "ForAssets")
		var want []string
		for _, a := range all {
			if a.AssetID == "asset-2" || a.AssetID == "asset-3" {
				want = append(want, a.ID)
			}
		}
		g := ids(got, id)
		slices.Sort(g)
		if !slices.Equal(g, want) {
			t.Fatalf("ForAssets: got %v, want %v", g, want)
		}
	})
	t.Run("BadPages", func(t *testing.T) {
		badPages(t, func(p registry.Page, sort string) (registry.List[registry.Adoption], error) {
			return s.Adoptions().List(t.Context(), registry.AdoptionFilter{Page: p, Sort: sort})
		}, []string{registry.SortUpdated, registry.SortCreated})
	})
}
