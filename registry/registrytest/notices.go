package registrytest

import (
	"fmt"
	"testing"

	"github.com/acervo-co/acervo/registry"
)

func noticeTests() []subtest {
	return []subtest{{"CreateAndList", testNotices}}
}

func webhookTests() []subtest {
	return []subtest{{"CRUDAndDeliveries", testWebhooks}}
}

func sessionTests() []subtest {
	return []subtest{{"Lifecycle", testSessions}}
}

func testNotices(t *testing.T, s registry.Store) {
	ctx := t.Context()
	ns := s.Notices()
	seq := lastSeq(t, s)
	kinds := []string{registry.NoticeNewRelease, registry.NoticeAdvisory, registry.NoticeAdoption}
	var all []registry.Notice
	for i := range 18 {
		n := &registry.Notice{
			ID: fmt.Sprintf("n%02d", i), EntityNIT: []string{"899999053", "890480184"}[i%2], Kind: kinds[i%3],
			Ref: fmt.Sprintf("ref-%d", i), AssetID: "asset-1", Title: "Nueva versión v1.2.3", CreatedAt: at(i % 7),
		}
		if i == 0 {
			n.ID = ""
		}
		if i%4 == 1 {
			n.ReadAt = ptr(at(50))
		}
		if i%3 == 2 {
			n.EmailedAt = ptr(at(51))
		}
		created, err := ns.Create(ctx, n)
		ok(t, err, "Create")
		if !created || n.ID == "" || n.Rev != 1 {
			t.Fatalf("Create: created %v id %q rev %d", created, n.ID, n.Rev)
		}
		all = append(all, *n)
	}
	dup := registry.Notice{ID: "other", EntityNIT: "899999053", Kind: kinds[0], Ref: "ref-0", Title: "again", CreatedAt: at(99)}
	created, err := ns.Create(ctx, &dup)
	ok(t, err, "Create duplicate")
	if created {
		t.Fatal("a notice with a known (entity, kind, ref) was created")
	}
	_, err = ns.Get(ctx, "other")
	wantErr(t, err, registry.ErrNotFound, "the duplicate is not stored")
	got, err := ns.Get(ctx, "n04")
	ok(t, err, "Get")
	same(t, "Get", all[4], got)
	got.ReadAt = ptr(at(60))
	ok(t, ns.Update(ctx, &got), "Update")
	if got.Rev != 2 {
		t.Fatalf("Update: rev %d", got.Rev)
	}
	all[4] = got
	stale := got
	stale.Rev = 1
	wantErr(t, ns.Update(ctx, &stale), registry.ErrConflict, "Update with stale rev")
	missing := registry.Notice{ID: "nope", Rev: 1}
	wantErr(t, ns.Update(ctx, &missing), registry.ErrNotFound, "Update(missing)")
	noChange(t, s, seq)

	lister := func(f registry.NoticeFilter) pager[registry.Notice] {
		return func(ctx contextT, p registry.Page) (registry.List[registry.Notice], error) {
			f.Page = p
			return ns.List(ctx, f)
		}
	}
	newest := func(a, b registry.Notice) bool { return descTime(a.CreatedAt, b.CreatedAt, a.ID, b.ID) }
	runListCases(t, all, func(n registry.Notice) string { return n.ID }, []listCase[registry.Notice]{
		{name: "all", list: lister(registry.NoticeFilter{}), less: newest},
		{name: "entity", list: lister(registry.NoticeFilter{EntityNIT: "890480184"}), less: newest,
			keep: func(n registry.Notice) bool { return n.EntityNIT == "890480184" }},
		{name: "unread", list: lister(registry.NoticeFilter{Unread: true}), less: newest,
			keep: func(n registry.Notice) bool { return n.ReadAt == nil }},
		{name: "not emailed of entity", list: lister(registry.NoticeFilter{EntityNIT: "899999053", NotEmailed: true}), less: newest,
			keep: func(n registry.Notice) bool { return n.EntityNIT == "899999053" && n.EmailedAt == nil }},
	})
}

func testWebhooks(t *testing.T, s registry.Store) {
	ctx := t.Context()
	ws := s.Webhooks()
	seq := lastSeq(t, s)
	w := &registry.Webhook{EntityNIT: "899999053", URL: "https://hooks.example.gov.co/a", Secret: "s3cr3t", Active: true, CreatedAt: at(1), UpdatedAt: at(1)}
	ok(t, ws.Create(ctx, w, event("webhook.create", "webhook", "")), "Create")
	if w.ID == "" || w.Rev != 1 {
		t.Fatalf("Create: id %q rev %d", w.ID, w.Rev)
	}
	audited(t, s, w.ID, "webhook.create", 1)
	w2 := &registry.Webhook{ID: "wh2", EntityNIT: "899999053", URL: "https://hooks.example.gov.co/b", Active: true, CreatedAt: at(2), UpdatedAt: at(2)}
	ok(t, ws.Create(ctx, w2, nil), "Create second")
	ok(t, ws.Create(ctx, &registry.Webhook{ID: "wh3", EntityNIT: "890480184", URL: "https://x.example/c", CreatedAt: at(0)}, nil), "Create third")
	wantErr(t, ws.Create(ctx, &registry.Webhook{ID: "wh2", EntityNIT: "1", CreatedAt: at(0)}, nil), registry.ErrConflict, "Create with a taken id")
	got, err := ws.Get(ctx, w.ID)
	ok(t, err, "Get")
	same(t, "Get", w, got)
	list, err := ws.ListByEntity(ctx, "899999053")
	ok(t, err, "ListByEntity")
	if len(list) != 2 || list[0].ID != w.ID || list[1].ID != "wh2" {
		t.Fatalf("ListByEntity: %v, want oldest first", ids(list, func(w registry.Webhook) string { return w.ID }))
	}
	got.Active = false
	ok(t, ws.Update(ctx, &got, event("webhook.update", "webhook", w.ID)), "Update")
	if got.Rev != 2 {
		t.Fatalf("Update: rev %d", got.Rev)
	}
	wantErr(t, ws.Update(ctx, w, nil), registry.ErrConflict, "Update with stale rev")
	wantErr(t, ws.Delete(ctx, w.ID, 1, nil), registry.ErrConflict, "Delete with stale rev")

	// Deliveries.
	var ds []registry.WebhookDelivery
	for i := range 6 {
		d := &registry.WebhookDelivery{WebhookID: "wh2", NoticeID: fmt.Sprintf("n%d", i), Attempts: 1, LastStatus: 500,
			NextTryAt: ptr(at(10 + i)), CreatedAt: at(i), UpdatedAt: at(i)}
		if i == 5 {
			d.NextTryAt = nil
			d.DeliveredAt = ptr(at(5))
			d.LastStatus = 200
		}
		ok(t, ws.UpsertDelivery(ctx, d), "UpsertDelivery new")
		if d.ID == "" || d.Rev != 1 {
			t.Fatalf("UpsertDelivery new: id %q rev %d", d.ID, d.Rev)
		}
		ds = append(ds, *d)
	}
	dupd := registry.WebhookDelivery{WebhookID: "wh2", NoticeID: "n1", CreatedAt: at(9)}
	wantErr(t, ws.UpsertDelivery(ctx, &dupd), registry.ErrConflict, "second delivery of one notice to one webhook")
	d := ds[2]
	d.Attempts, d.LastStatus, d.NextTryAt = 2, 0, ptr(at(30))
	ok(t, ws.UpsertDelivery(ctx, &d), "UpsertDelivery update")
	if d.Rev != 2 {
		t.Fatalf("UpsertDelivery update: rev %d", d.Rev)
	}
	ds[2] = d
	stale := ds[3]
	stale.Rev = 7
	wantErr(t, ws.UpsertDelivery(ctx, &stale), registry.ErrConflict, "UpsertDelivery with stale rev")
	due, err := ws.DueDeliveries(ctx, at(13), 10)
	ok(t, err, "DueDeliveries")
	// Due at or before now, soonest first: n0 (10), n1 (11), n3 (13); n2 moved to 30, n5 is done.
	if g := ids(due, func(d registry.WebhookDelivery) string { return d.NoticeID }); fmt.Sprint(g) != "[n0 n1 n3]" {
		t.Fatalf("DueDeliveries(13) = %v, want [n0 n1 n3]", g)
	}
	same(t, "due delivery", ds[0], due[0])
	due, err = ws.DueDeliveries(ctx, at(100), 2)
	ok(t, err, "DueDeliveries with limit")
	if len(due) != 2 {
		t.Fatalf("DueDeliveries limit 2 gave %d", len(due))
	}
	runListCases(t, ds, func(d registry.WebhookDelivery) string { return d.ID }, []listCase[registry.WebhookDelivery]{
		{name: "deliveries newest first", list: func(ctx contextT, p registry.Page) (registry.List[registry.WebhookDelivery], error) {
			return ws.ListDeliveries(ctx, "wh2", p)
		}, less: func(a, b registry.WebhookDelivery) bool { return descTime(a.CreatedAt, b.CreatedAt, a.ID, b.ID) }},
	})
	ok(t, ws.Delete(ctx, w.ID, 2, event("webhook.delete", "webhook", w.ID)), "Delete")
	_, err = ws.Get(ctx, w.ID)
	wantErr(t, err, registry.ErrNotFound, "Get after Delete")
	wantErr(t, ws.Delete(ctx, w.ID, 0, nil), registry.ErrNotFound, "Delete twice")
	audited(t, s, w.ID, "webhook.delete", 3)
	noChange(t, s, seq)
}

func testSessions(t *testing.T, s registry.Store) {
	ctx := t.Context()
	ss := s.Sessions()
	for i := range 5 {
		se := &registry.Session{ID: fmt.Sprintf("%064x", i), UserID: "u1", CSRF: "tok", CreatedAt: at(i), LastSeenAt: at(i), ExpiresAt: at(100 + 10*i)}
		ok(t, ss.Create(ctx, se), "Create")
	}
	wantErr(t, ss.Create(ctx, &registry.Session{ID: fmt.Sprintf("%064x", 1), UserID: "u2", ExpiresAt: at(1)}), registry.ErrConflict, "Create with a taken id")
	got, err := ss.Get(ctx, fmt.Sprintf("%064x", 1))
	ok(t, err, "Get")
	same(t, "Get", registry.Session{ID: fmt.Sprintf("%064x", 1), UserID: "u1", CSRF: "tok", CreatedAt: at(1), LastSeenAt: at(1), ExpiresAt: at(110)}, got)
	ok(t, ss.Touch(ctx, got.ID, at(42)), "Touch")
	got, _ = ss.Get(ctx, got.ID)
	if !got.LastSeenAt.Equal(at(42)) {
		t.Fatalf("Touch: last seen %v", got.LastSeenAt)
	}
	wantErr(t, ss.Touch(ctx, "missing", at(1)), registry.ErrNotFound, "Touch(missing)")
	_, err = ss.Get(ctx, "missing")
	wantErr(t, err, registry.ErrNotFound, "Get(missing)")
	ok(t, ss.Delete(ctx, fmt.Sprintf("%064x", 0)), "Delete")
	ok(t, ss.Delete(ctx, fmt.Sprintf("%064x", 0)), "Delete of a deleted session (sign-out twice)")
	_, err = ss.Get(ctx, fmt.Sprintf("%064x", 0))
	wantErr(t, err, registry.ErrNotFound, "Get after Delete")
	// Expired strictly before: sessions expiring at 110 and 120 go, 130 and 140 stay.
	n, err := ss.DeleteExpired(ctx, at(121))
	ok(t, err, "DeleteExpired")
	if n != 2 {
		t.Fatalf("DeleteExpired removed %d sessions, want 2", n)
	}
	for i, want := range []bool{false, false, false, true, true} {
		_, err := ss.Get(ctx, fmt.Sprintf("%064x", i))
		if (err == nil) != want {
			t.Fatalf("session %d after DeleteExpired: err %v", i, err)
		}
	}
	if cs := changesAfter(t, s, 0); len(cs) != 0 {
		t.Fatalf("sessions recorded changes: %+v", cs)
	}
}
