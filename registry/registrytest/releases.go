package registrytest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/acervo-co/acervo/registry"
)

func newRelease(id, assetID, tag string, minute int) *registry.Release {
	r := &registry.Release{
		ID: id, AssetID: assetID, Tag: tag, Commit: fmt.Sprintf("%040x", minute+1),
		Date: at(minute), CreatedAt: at(minute), UpdatedAt: at(minute), License: "MIT",
		Publiccode: registry.PubliccodeSnapshot{Present: true, Path: "publiccode.yml", Version: "0.4", Valid: true},
	}
	if v, ok := registry.ParseSemver(tag); ok {
		r.IsRelease = true
		r.Version = v.String()
		r.Prerelease = v.Pre != ""
	}
	return r
}

func releaseTests() []subtest {
	return []subtest{
		{"UpsertAndCRUD", testReleaseCRUD},
		{"UpsertMany", testReleaseUpsertMany},
		{"List", testReleaseList},
		{"ForAssets", testReleaseForAssets},
	}
}

func testReleaseCRUD(t *testing.T, s registry.Store) {
	ctx := t.Context()
	rs := s.Releases()
	seq := lastSeq(t, s)
	r := newRelease("", "asset-1", "v1.0.0", 1)
	created, err := rs.Upsert(ctx, r, event("release.upsert", registry.KindRelease, ""))
	ok(t, err, "Upsert new")
	if !created || r.ID == "" || r.Rev != 1 {
		t.Fatalf("Upsert new: created %v id %q rev %d", created, r.ID, r.Rev)
	}
	seq = oneChange(t, s, seq, registry.KindRelease, r.ID, false)
	audited(t, s, r.ID, "release.upsert", 1)
	got, err := rs.Get(ctx, r.ID)
	ok(t, err, "Get")
	same(t, "Get", r, got)
	got, err = rs.GetByTag(ctx, "asset-1", "v1.0.0")
	ok(t, err, "GetByTag")
	same(t, "GetByTag", r, got)
	_, err = rs.GetByTag(ctx, "asset-2", "v1.0.0")
	wantErr(t, err, registry.ErrNotFound, "GetByTag of another asset")
	_, err = rs.Get(ctx, "missing")
	wantErr(t, err, registry.ErrNotFound, "Get(missing)")

	// Upserting the same (asset, tag) replaces the release, keeping its id and creation time.
	moved := newRelease("other-id", "asset-1", "v1.0.0", 50)
	moved.Moves = []registry.TagMove{{From: r.Commit, To: moved.Commit, At: at(50)}}
	created, err = rs.Upsert(ctx, moved, event("release.upsert", registry.KindRelease, r.ID))
	ok(t, err, "Upsert existing")
	if created || moved.ID != r.ID || !moved.CreatedAt.Equal(r.CreatedAt) || moved.Rev != 2 {
		t.Fatalf("Upsert existing: created %v id %q createdAt %v rev %d", created, moved.ID, moved.CreatedAt, moved.Rev)
	}
	seq = oneChange(t, s, seq, registry.KindRelease, r.ID, false)
	audited(t, s, r.ID, "release.upsert", 2)
	got, err = rs.Get(ctx, r.ID)
	ok(t, err, "Get after upsert")
	same(t, "Get after upsert", moved, got)
	_, err = rs.Get(ctx, "other-id")
	wantErr(t, err, registry.ErrNotFound, "the id given to an upsert of an existing release is not used")

	// Same tag on another asset is another release.
	r2 := newRelease("rel-2", "asset-2", "v1.0.0", 2)
	created, err = rs.Upsert(ctx, r2, nil)
	ok(t, err, "Upsert other asset")
	if !created || r2.ID != "rel-2" {
		t.Fatalf("Upsert of another asset's tag: created %v id %s", created, r2.ID)
	}
	seq = oneChange(t, s, seq, registry.KindRelease, "rel-2", false)

	// Update and Delete with optimistic concurrency.
	upd := got
	upd.Withdrawn = true
	upd.WithdrawnAt = ptr(at(60))
	upd.UpdatedAt = at(60)
	ok(t, rs.Update(ctx, &upd, event("release.update", registry.KindRelease, upd.ID)), "Update")
	if upd.Rev != 3 {
		t.Fatalf("Update: Rev = %d, want 3", upd.Rev)
	}
	seq = oneChange(t, s, seq, registry.KindRelease, upd.ID, false)
	stale := got
	wantErr(t, rs.Update(ctx, &stale, nil), registry.ErrConflict, "Update with stale rev")
	wantErr(t, rs.Delete(ctx, upd.ID, 2, nil), registry.ErrConflict, "Delete with stale rev")
	noChange(t, s, seq)
	ok(t, rs.Delete(ctx, upd.ID, 3, event("release.delete", registry.KindRelease, upd.ID)), "Delete")
	oneChange(t, s, seq, registry.KindRelease, upd.ID, true)
	audited(t, s, upd.ID, "release.delete", 4)
	_, err = rs.GetByTag(ctx, "asset-1", "v1.0.0")
	wantErr(t, err, registry.ErrNotFound, "GetByTag after Delete")
	wantErr(t, rs.Delete(ctx, upd.ID, 0, nil), registry.ErrNotFound, "Delete twice")
	missing := *newRelease("nope", "asset-9", "v9.0.0", 1)
	missing.Rev = 1
	wantErr(t, rs.Update(ctx, &missing, nil), registry.ErrNotFound, "Update(missing)")
}

func releaseFixture(t *testing.T, s registry.Store) []registry.Release {
	ctx := t.Context()
	tags := []string{"v1.0.0", "v1.1.0", "v2.0.0-rc.1", "nightly", "2.0.0", "legacy-2019", "v2.1.0", "v3.0.0"}
	var all []registry.Release
	for a := range 3 {
		for i, tag := range tags {
			r := newRelease(fmt.Sprintf("r%d%d", a, i), fmt.Sprintf("asset-%d", a), tag, (i*17+a*5)%23)
			if (a+i)%5 == 0 {
				r.Withdrawn = true
				r.WithdrawnAt = ptr(at(100))
			}
			_, err := s.Releases().Upsert(ctx, r, nil)
			ok(t, err, "Upsert %s", r.ID)
			all = append(all, *r)
		}
	}
	return all
}

func testReleaseList(t *testing.T, s registry.Store) {
	all := releaseFixture(t, s)
	id := func(r registry.Release) string { return r.ID }
	lister := func(f registry.ReleaseFilter) pager[registry.Release] {
		return func(ctx contextT, p registry.Page) (registry.List[registry.Release], error) {
			f.Page = p
			return s.Releases().List(ctx, f)
		}
	}
	byDate := func(a, b registry.Release) bool { return descTime(a.Date, b.Date, a.ID, b.ID) }
	runListCases(t, all, id, []listCase[registry.Release]{
		{name: "default hides withdrawn", list: lister(registry.ReleaseFilter{}), less: byDate,
			keep: func(r registry.Release) bool { return !r.Withdrawn }},
		{name: "with withdrawn by date", list: lister(registry.ReleaseFilter{IncludeWithdrawn: true, Sort: registry.SortDate}), less: byDate},
		{name: "asset", list: lister(registry.ReleaseFilter{AssetID: "asset-1", IncludeWithdrawn: true}), less: byDate,
			keep: func(r registry.Release) bool { return r.AssetID == "asset-1" }},
		{name: "assets only releases", list: lister(registry.ReleaseFilter{AssetIDs: []string{"asset-0", "asset-2"}, OnlyReleases: true}), less: byDate,
			keep: func(r registry.Release) bool { return r.AssetID != "asset-1" && r.IsRelease && !r.Withdrawn }},
		{name: "only releases", list: lister(registry.ReleaseFilter{OnlyReleases: true, IncludeWithdrawn: true}), less: byDate,
			keep: func(r registry.Release) bool { return r.IsRelease }},
	})
	t.Run("BadPages", func(t *testing.T) {
		badPages(t, func(p registry.Page, sort string) (registry.List[registry.Release], error) {
			return s.Releases().List(t.Context(), registry.ReleaseFilter{Page: p, Sort: sort})
		}, nil)
	})
}

func testReleaseForAssets(t *testing.T, s registry.Store) {
	all := releaseFixture(t, s)
	got, err := s.Releases().ForAssets(t.Context(), []string{"asset-0", "asset-2", "asset-none"})
	ok(t, err, "ForAssets")
	var want []string
	for _, r := range all {
		if r.AssetID != "asset-1" {
			want = append(want, r.ID)
		}
	}
	gotIDs := ids(got, func(r registry.Release) string { return r.ID })
	slices.Sort(gotIDs)
	slices.Sort(want)
	if !slices.Equal(gotIDs, want) {
		t.Fatalf("ForAssets: got %v, want %v (withdrawn included)", gotIDs, want)
	}
	for _, r := range got {
		i := slices.IndexFunc(all, func(x registry.Release) bool { return x.ID == r.ID })
		same(t, "ForAssets row", all[i], r)
	}
	got, err = s.Releases().ForAssets(t.Context(), nil)
	ok(t, err, "ForAssets(nil)")
	if len(got) != 0 {
		t.Fatalf("ForAssets(nil) = %d releases", len(got))
	}
}

// testReleaseUpsertMany: a first mirror records its releases in one call;
// each is created or replaced as Upsert would, with its change and its event.
func testReleaseUpsertMany(t *testing.T, s registry.Store) {
	ctx := t.Context()
	rs := s.Releases()
	seq := lastSeq(t, s)
	first := []*registry.Release{newRelease("", "asset-m", "v1.0.0", 1), newRelease("", "asset-m", "v1.1.0", 2)}
	ids := []string{"rel-m1", "rel-m2"}
	for i, r := range first {
		r.ID = ids[i]
	}
	evs := []*registry.AuditEvent{event("release.create", registry.KindRelease, ids[0]), event("release.create", registry.KindRelease, ids[1])}
	created, err := rs.UpsertMany(ctx, first, evs)
	ok(t, err, "UpsertMany new")
	if !slices.Equal(created, []bool{true, true}) {
		t.Fatalf("UpsertMany new: created %v", created)
	}
	cs := changesAfter(t, s, seq)
	if len(cs) != 2 || cs[0].ID != ids[0] || cs[1].ID != ids[1] {
		t.Fatalf("UpsertMany new: changes %+v, want one per release in order", cs)
	}
	seq = cs[len(cs)-1].Seq
	for i, r := range first {
		audited(t, s, ids[i], "release.create", 1)
		got, err := rs.Get(ctx, r.ID)
		ok(t, err, "Get")
		same(t, "Get after UpsertMany", r, got)
	}

	// Again, with the first release moved and a new one: the stored ids and
	// creation times stay; the new one is created.
	moved := newRelease("another-id", "asset-m", "v1.0.0", 40)
	moved.Withdrawn = true
	again := []*registry.Release{moved, newRelease("rel-m3", "asset-m", "v2.0.0", 41)}
	evs = []*registry.AuditEvent{event("release.withdraw", registry.KindRelease, ids[0]), event("release.create", registry.KindRelease, "rel-m3")}
	created, err = rs.UpsertMany(ctx, again, evs)
	ok(t, err, "UpsertMany again")
	if !slices.Equal(created, []bool{false, true}) || moved.ID != ids[0] || !moved.CreatedAt.Equal(first[0].CreatedAt) || moved.Rev != 2 {
		t.Fatalf("UpsertMany again: created %v, id %q createdAt %v rev %d", created, moved.ID, moved.CreatedAt, moved.Rev)
	}
	if cs := changesAfter(t, s, seq); len(cs) != 2 {
		t.Fatalf("UpsertMany again: %d changes, want 2", len(cs))
	}
	audited(t, s, ids[0], "release.withdraw", 2)
	got, err := rs.GetByTag(ctx, "asset-m", "v1.0.0")
	ok(t, err, "GetByTag")
	if !got.Withdrawn || got.Rev != 2 {
		t.Fatalf("the moved release reads withdrawn %v rev %d", got.Withdrawn, got.Rev)
	}
	l, err := rs.List(ctx, registry.ReleaseFilter{AssetID: "asset-m", IncludeWithdrawn: true, Page: registry.Page{First: 10}})
	ok(t, err, "List")
	if len(l.Items) != 3 {
		t.Fatalf("asset-m has %d releases, want 3", len(l.Items))
	}

	// Mismatched events are refused before anything is written.
	_, err = rs.UpsertMany(ctx, []*registry.Release{newRelease("rel-m4", "asset-m", "v3.0.0", 42)}, nil)
	wantErr(t, err, registry.ErrInvalid, "UpsertMany without events")
	_, err = rs.GetByTag(ctx, "asset-m", "v3.0.0")
	wantErr(t, err, registry.ErrNotFound, "the refused release")
}
