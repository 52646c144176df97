package sqlite

import (
	"context"
	"time"

	"github.com/acervo-co/acervo/registry"
)

type audit struct {
	s     *Store
	sorts map[string]sortSpec
}

func (st *audit) Append(ctx context.Context, ev *registry.AuditEvent) error {
	return st.s.write(ctx, func(tx *wtx) error { return tx.audit(ev, "", "") })
}

func (st *audit) List(ctx context.Context, f registry.AuditFilter) (registry.List[registry.AuditEvent], error) {
	var w where
	w.eq("actor", f.Actor)
	w.eq("action", f.Action)
	w.eq("target_kind", f.TargetKind)
	w.eq("target_id", f.TargetID)
	w.eq("entity_nit", f.EntityNIT)
	return list[registry.AuditEvent](ctx, st.s, listing{table: "audit", where: w, sorts: st.sorts, def: registry.SortSeq, page: f.Page})
}

type imports struct {
	s     *Store
	tb    *table[registry.ImportRun]
	sorts map[string]sortSpec
}

func newImports(s *Store) *imports {
	tb := (&table[registry.ImportRun]{
		name: "imports", akind: "import",
		cols: []string{"started"},
		vals: func(r *registry.ImportRun) []any { return []any{tkey(r.StartedAt)} },
		meta: func(r *registry.ImportRun) (*string, *int64) { return &r.ID, &r.Rev },
		born: func(r *registry.ImportRun) time.Time { return r.StartedAt },
	}).init()
	return &imports{s: s, tb: tb, sorts: map[string]sortSpec{"STARTED": {col: "started", desc: true, key: 'i'}}}
}

func (st *imports) Create(ctx context.Context, r *registry.ImportRun) error {
	return st.s.write(ctx, func(tx *wtx) error { return st.tb.insert(tx, r, nil) })
}

func (st *imports) Get(ctx context.Context, id string) (registry.ImportRun, error) {
	return st.tb.get(ctx, st.s.r, "id", id)
}

func (st *imports) Update(ctx context.Context, r *registry.ImportRun) error {
	return st.s.write(ctx, func(tx *wtx) error { return st.tb.update(tx, r, nil) })
}

func (st *imports) List(ctx context.Context, p registry.Page) (registry.List[registry.ImportRun], error) {
	return list[registry.ImportRun](ctx, st.s, listing{table: "imports", sorts: st.sorts, def: "STARTED", page: p})
}
