package registrytest

import (
	"fmt"
	"testing"

	"github.com/acervo-co/acervo/registry"
)

func auditTests() []subtest {
	return []subtest{{"AppendAndList", testAudit}}
}

func importTests() []subtest {
	return []subtest{{"CRUD", testImports}}
}

func testAudit(t *testing.T, s registry.Store) {
	ctx := t.Context()
	seq := lastSeq(t, s)
	actors := []string{"u1", "u2", "system:import"}
	actions := []string{"user.signin", "import.summary", "asset.update", "adoption.verify"}
	kinds := []string{registry.KindUser, "import", registry.KindAsset, registry.KindAdoption}
	var all []registry.AuditEvent
	for i := range 26 {
		ev := &registry.AuditEvent{
			At: at(i % 3), Actor: actors[i%3], ActorName: "n" + actors[i%3], Action: actions[i%4],
			TargetKind: kinds[i%4], TargetID: fmt.Sprintf("t%d", i%5), EntityNIT: []string{"", "899999053", "890480184"}[i%3],
			Before: []byte(`{"name":"a"}`), After: []byte(fmt.Sprintf(`{"name":"b%d"}`, i)), RequestID: fmt.Sprintf("req-%d", i),
		}
		if i%2 == 0 {
			ev.ID = fmt.Sprintf("ev%02d", 99-i) // ids do not give the order: appends do
		}
		ok(t, s.Audit().Append(ctx, ev), "Append")
		if ev.ID == "" {
			t.Fatal("Append assigned no id")
		}
		all = append(all, *ev)
	}
	// Appended events record no change.
	noChange(t, s, seq)
	index := map[string]int{}
	for i, ev := range all {
		index[ev.ID] = i
	}
	newest := func(a, b registry.AuditEvent) bool { return index[a.ID] > index[b.ID] }
	lister := func(f registry.AuditFilter) pager[registry.AuditEvent] {
		return func(ctx contextT, p registry.Page) (registry.List[registry.AuditEvent], error) {
			f.Page = p
			return s.Audit().List(ctx, f)
		}
	}
	runListCases(t, all, func(e registry.AuditEvent) string { return e.ID }, []listCase[registry.AuditEvent]{
		{name: "all newest first", list: lister(registry.AuditFilter{}), less: newest},
		{name: "actor", list: lister(registry.AuditFilter{Actor: "u2"}), less: newest,
			keep: func(e registry.AuditEvent) bool { return e.Actor == "u2" }},
		{name: "action", list: lister(registry.AuditFilter{Action: "asset.update"}), less: newest,
			keep: func(e registry.AuditEvent) bool { return e.Action == "asset.update" }},
		{name: "target kind", list: lister(registry.AuditFilter{TargetKind: registry.KindUser}), less: newest,
			keep: func(e registry.AuditEvent) bool { return e.TargetKind == registry.KindUser }},
		{name: "target id", list: lister(registry.AuditFilter{TargetID: "t3"}), less: newest,
			keep: func(e registry.AuditEvent) bool { return e.TargetID == "t3" }},
		{name: "entity", list: lister(registry.AuditFilter{EntityNIT: "890480184"}), less: newest,
			keep: func(e registry.AuditEvent) bool { return e.EntityNIT == "890480184" }},
		{name: "combined", list: lister(registry.AuditFilter{Actor: "u1", TargetKind: registry.KindAsset, TargetID: "t1"}), less: newest,
			keep: func(e registry.AuditEvent) bool {
				return e.Actor == "u1" && e.TargetKind == registry.KindAsset && e.TargetID == "t1"
			}},
	})
	l, err := s.Audit().List(ctx, registry.AuditFilter{TargetID: "t1", Page: registry.Page{First: 1}})
	ok(t, err, "List")
	want := all[len(all)-1]
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].TargetID == "t1" {
			want = all[i]
			break
		}
	}
	same(t, "stored event", want, l.Items[0])

	// Events of writes carry the id the store gave the record.
	e := newEntity("", "890480184", "Alcaldía de Cartagena", 1)
	ev := &registry.AuditEvent{At: at(9), Actor: "u1", Action: "entity.create", EntityNIT: "890480184"}
	ok(t, s.Entities().Create(ctx, e, ev), "Create entity")
	evs := auditOf(t, s, e.ID)
	if len(evs) != 1 || evs[0].TargetKind != registry.KindEntity || evs[0].TargetID != e.ID || evs[0].ID == "" {
		t.Fatalf("event of a create without target: %+v", evs)
	}
	l, err = s.Audit().List(ctx, registry.AuditFilter{Page: registry.Page{First: 1}})
	ok(t, err, "List")
	if l.Items[0].TargetID != e.ID {
		t.Fatalf("newest event is %+v, want the entity's", l.Items[0])
	}
	t.Run("BadPages", func(t *testing.T) {
		badPages(t, func(p registry.Page, sort string) (registry.List[registry.AuditEvent], error) {
			if sort != "" {
				return registry.List[registry.AuditEvent]{}, registry.Invalid("sort", "audit has one order")
			}
			return s.Audit().List(t.Context(), registry.AuditFilter{Page: p})
		}, nil)
	})
}

func testImports(t *testing.T, s registry.Store) {
	ctx := t.Context()
	is := s.Imports()
	var all []registry.ImportRun
	for i := range 12 {
		r := &registry.ImportRun{ID: fmt.Sprintf("run%02d", i), Format: "secop2", Source: "file.csv", Status: "RUNNING", StartedAt: at(i % 5), Actor: "u1"}
		if i == 0 {
			r.ID = ""
		}
		ok(t, is.Create(ctx, r), "Create")
		if r.ID == "" || r.Rev != 1 {
			t.Fatalf("Create: id %q rev %d", r.ID, r.Rev)
		}
		all = append(all, *r)
	}
	wantErr(t, is.Create(ctx, &registry.ImportRun{ID: "run05", StartedAt: at(1)}), registry.ErrConflict, "Create with a taken id")
	r := all[3]
	r.Status = "DONE"
	r.New, r.Updated, r.Unchanged, r.Rejected = 10, 2, 3, 1
	r.FinishedAt = ptr(at(9))
	r.Checkpoint = "line:16"
	ok(t, is.Update(ctx, &r), "Update")
	if r.Rev != 2 {
		t.Fatalf("Update: rev %d", r.Rev)
	}
	all[3] = r
	got, err := is.Get(ctx, r.ID)
	ok(t, err, "Get")
	same(t, "after Update", r, got)
	stale := r
	stale.Rev = 1
	wantErr(t, is.Update(ctx, &stale), registry.ErrConflict, "Update with stale rev")
	_, err = is.Get(ctx, "missing")
	wantErr(t, err, registry.ErrNotFound, "Get(missing)")
	missing := registry.ImportRun{ID: "missing", Rev: 1}
	wantErr(t, is.Update(ctx, &missing), registry.ErrNotFound, "Update(missing)")
	runListCases(t, all, func(r registry.ImportRun) string { return r.ID }, []listCase[registry.ImportRun]{
		{name: "newest first", list: func(ctx contextT, p registry.Page) (registry.List[registry.ImportRun], error) {
			return is.List(ctx, p)
		}, less: func(a, b registry.ImportRun) bool { return descTime(a.StartedAt, b.StartedAt, a.ID, b.ID) }},
	})
}
