package registrytest

import (
	"fmt"
	"testing"
	"time"

	"github.com/acervo-co/acervo/registry"
)

func newMirror(id, assetID, url string, minute int) *registry.Mirror {
	return &registry.Mirror{
		ID: id, AssetID: assetID, URL: url, Path: "m/" + id + ".git", Status: registry.MirrorNew,
		NextDueAt: at(minute), CreatedAt: at(minute), UpdatedAt: at(minute),
	}
}

func mirrorTests() []subtest {
	return []subtest{
		{"CRUD", testMirrorCRUD},
		{"Lease", testMirrorLease},
		{"List", testMirrorList},
	}
}

func testMirrorCRUD(t *testing.T, s registry.Store) {
	ctx := t.Context()
	ms := s.Mirrors()
	seq := lastSeq(t, s)
	m := newMirror("", "asset-1", "https://github.com/example/orfeo.git", 1)
	ok(t, ms.Create(ctx, m, event("mirror.create", registry.KindMirror, "")), "Create")
	if m.ID == "" || m.Rev != 1 {
		t.Fatalf("Create: id %q rev %d", m.ID, m.Rev)
	}
	seq = oneChange(t, s, seq, registry.KindMirror, m.ID, false)
	audited(t, s, m.ID, "mirror.create", 1)
	got, err := ms.Get(ctx, m.ID)
	ok(t, err, "Get")
	same(t, "Get", m, got)
	got, err = ms.GetByURL(ctx, m.URL)
	ok(t, err, "GetByURL")
	same(t, "GetByURL", m, got)
	got, err = ms.GetByAsset(ctx, "asset-1")
	ok(t, err, "GetByAsset")
	same(t, "GetByAsset", m, got)
	_, err = ms.GetByAsset(ctx, "asset-2")
	wantErr(t, err, registry.ErrNotFound, "GetByAsset(missing)")
	_, err = ms.GetByURL(ctx, "https://nowhere.example/x.git")
	wantErr(t, err, registry.ErrNotFound, "GetByURL(missing)")
	wantErr(t, ms.Create(ctx, newMirror("m2", "asset-2", m.URL, 2), nil), registry.ErrConflict, "Create with a taken URL")
	noChange(t, s, seq)

	// Scheduler bookkeeping: no audit event, but a change.
	upd := *m
	upd.Status = registry.MirrorFailed
	upd.ErrorCode = registry.CodeTimeout
	upd.Failures = 1
	upd.LastSyncAt = ptr(at(5))
	upd.NextDueAt = at(65)
	upd.UpdatedAt = at(5)
	ok(t, ms.Update(ctx, &upd, nil), "Update without event")
	if upd.Rev != 2 {
		t.Fatalf("Update: rev %d", upd.Rev)
	}
	seq = oneChange(t, s, seq, registry.KindMirror, m.ID, false)
	audited(t, s, m.ID, "mirror.create", 1)
	got, _ = ms.Get(ctx, m.ID)
	same(t, "after Update", upd, got)
	wantErr(t, ms.Update(ctx, m, nil), registry.ErrConflict, "Update with stale rev")
	other := newMirror("m3", "asset-3", "https://github.com/example/other.git", 3)
	ok(t, ms.Create(ctx, other, nil), "Create other")
	seq = oneChange(t, s, seq, registry.KindMirror, "m3", false)
	other.URL = m.URL
	wantErr(t, ms.Update(ctx, other, nil), registry.ErrConflict, "Update to a taken URL")
	wantErr(t, ms.Delete(ctx, m.ID, 1, nil), registry.ErrConflict, "Delete with stale rev")
	noChange(t, s, seq)
	ok(t, ms.Delete(ctx, m.ID, 2, event("mirror.delete", registry.KindMirror, m.ID)), "Delete")
	oneChange(t, s, seq, registry.KindMirror, m.ID, true)
	_, err = ms.GetByURL(ctx, m.URL)
	wantErr(t, err, registry.ErrNotFound, "GetByURL after Delete")
	wantErr(t, ms.Delete(ctx, m.ID, 0, nil), registry.ErrNotFound, "Delete twice")
}

func testMirrorLease(t *testing.T, s registry.Store) {
	ctx := t.Context()
	ms := s.Mirrors()
	m := newMirror("m1", "asset-1", "https://github.com/example/orfeo.git", 1)
	ok(t, ms.Create(ctx, m, nil), "Create")
	now := at(10)

	a, err := ms.AcquireLease(ctx, "m1", "node-a", now, now.Add(time.Minute))
	ok(t, err, "node-a acquires")
	if a.LeaseHolder != "node-a" || a.LeaseUntil == nil || !a.LeaseUntil.Equal(now.Add(time.Minute)) || a.Rev != 2 {
		t.Fatalf("lease of node-a: %+v", a)
	}
	_, err = ms.AcquireLease(ctx, "m1", "node-b", now.Add(30*time.Second), now.Add(2*time.Minute))
	wantErr(t, err, registry.ErrConflict, "node-b while node-a holds the lease")
	// The holder renews.
	a, err = ms.AcquireLease(ctx, "m1", "node-a", now.Add(50*time.Second), now.Add(3*time.Minute))
	ok(t, err, "node-a renews")
	if !a.LeaseUntil.Equal(now.Add(3 * time.Minute)) {
		t.Fatalf("renewed lease until %v", a.LeaseUntil)
	}
	// A lease bumps the revision: a copy read before it is stale.
	wantErr(t, ms.Update(ctx, m, nil), registry.ErrConflict, "Update with the revision read before the lease")
	// Releasing someone else's lease does nothing.
	ok(t, ms.ReleaseLease(ctx, "m1", "node-b"), "node-b releases what it does not hold")
	got, _ := ms.Get(ctx, "m1")
	if got.LeaseHolder != "node-a" {
		t.Fatalf("lease holder after a foreign release: %q", got.LeaseHolder)
	}
	// After expiry another node takes it.
	b, err := ms.AcquireLease(ctx, "m1", "node-b", now.Add(3*time.Minute), now.Add(4*time.Minute))
	ok(t, err, "node-b after expiry")
	if b.LeaseHolder != "node-b" {
		t.Fatalf("holder %q after expiry", b.LeaseHolder)
	}
	_, err = ms.AcquireLease(ctx, "m1", "node-a", now.Add(3*time.Minute), now.Add(5*time.Minute))
	wantErr(t, err, registry.ErrConflict, "node-a after losing the lease")
	ok(t, ms.ReleaseLease(ctx, "m1", "node-b"), "node-b releases")
	got, _ = ms.Get(ctx, "m1")
	if got.LeaseHolder != "" || got.LeaseUntil != nil {
		t.Fatalf("released lease still there: %q %v", got.LeaseHolder, got.LeaseUntil)
	}
	_, err = ms.AcquireLease(ctx, "m1", "node-a", now.Add(3*time.Minute), now.Add(5*time.Minute))
	ok(t, err, "node-a after release")
	_, err = ms.AcquireLease(ctx, "missing", "node-a", now, now.Add(time.Minute))
	wantErr(t, err, registry.ErrNotFound, "AcquireLease(missing)")
	// The holder's update keeps working with the revision the lease returned.
	cur, _ := ms.Get(ctx, "m1")
	cur.Status = registry.MirrorOK
	ok(t, ms.Update(ctx, &cur, nil), "holder updates")
}

func testMirrorList(t *testing.T, s registry.Store) {
	statuses := []string{registry.MirrorNew, registry.MirrorOK, registry.MirrorFailed}
	var all []registry.Mirror
	for i := range 25 {
		m := newMirror(fmt.Sprintf("m%02d", i), fmt.Sprintf("asset-%d", i%5), fmt.Sprintf("https://git.example/r%d.git", i), (i*13)%17)
		m.UpdatedAt = at(40 + (i*5)%7)
		m.Status = statuses[i%3]
		ok(t, s.Mirrors().Create(t.Context(), m, nil), "Create")
		all = append(all, *m)
	}
	lister := func(f registry.MirrorFilter) pager[registry.Mirror] {
		return func(ctx contextT, p registry.Page) (registry.List[registry.Mirror], error) {
			f.Page = p
			return s.Mirrors().List(ctx, f)
		}
	}
	byDue := func(a, b registry.Mirror) bool { return ascTime(a.NextDueAt, b.NextDueAt, a.ID, b.ID) }
	byUpdated := func(a, b registry.Mirror) bool { return descTime(a.UpdatedAt, b.UpdatedAt, a.ID, b.ID) }
	runListCases(t, all, func(m registry.Mirror) string { return m.ID }, []listCase[registry.Mirror]{
		{name: "all by default (due)", list: lister(registry.MirrorFilter{}), less: byDue},
		{name: "all by updated", list: lister(registry.MirrorFilter{Sort: registry.SortUpdated}), less: byUpdated},
		{name: "status", list: lister(registry.MirrorFilter{Status: registry.MirrorFailed}), less: byDue,
			keep: func(m registry.Mirror) bool { return m.Status == registry.MirrorFailed }},
		{name: "asset", list: lister(registry.MirrorFilter{AssetID: "asset-3", Sort: registry.SortUpdated}), less: byUpdated,
			keep: func(m registry.Mirror) bool { return m.AssetID == "asset-3" }},
		// DueBefore includes mirrors due exactly then.
		{name: "due before", list: lister(registry.MirrorFilter{DueBefore: ptr(at(8))}), less: byDue,
			keep: func(m registry.Mirror) bool { return !m.NextDueAt.After(at(8)) }},
		{name: "due before with status", list: lister(registry.MirrorFilter{DueBefore: ptr(at(12)), Status: registry.MirrorOK}), less: byDue,
			keep: func(m registry.Mirror) bool { return !m.NextDueAt.After(at(12)) && m.Status == registry.MirrorOK }},
	})
	t.Run("BadPages", func(t *testing.T) {
		badPages(t, func(p registry.Page, sort string) (registry.List[registry.Mirror], error) {
			return s.Mirrors().List(t.Context(), registry.MirrorFilter{Page: p, Sort: sort})
		}, []string{registry.SortDue, registry.SortUpdated})
	})
}
