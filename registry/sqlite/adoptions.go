package sqlite

import (
	"context"
	"slices"
	"time"

	"github.com/acervo-co/acervo/registry"
)

type adoptions struct {
	s     *Store
	tb    *table[registry.Adoption]
	sorts map[string]sortSpec
}

func newAdoptions(s *Store) *adoptions {
	tb := (&table[registry.Adoption]{
		name: "adoptions", kind: registry.KindAdoption,
		cols: []string{"entity_nit", "asset_id", "environment", "status", "verification", "pending", "created", "updated"},
		vals: func(a *registry.Adoption) []any {
			return []any{a.EntityNIT, a.AssetID, a.Environment, a.Status, a.Verification, b2i(a.Pending), tkey(a.CreatedAt), tkey(a.UpdatedAt)}
		},
		meta: func(a *registry.Adoption) (*string, *int64) { return &a.ID, &a.Rev },
		born: func(a *registry.Adoption) time.Time { return a.CreatedAt },
	}).init()
	return &adoptions{s: s, tb: tb, sorts: map[string]sortSpec{
		registry.SortUpdated: {col: "updated", desc: true, key: 'i'},
		registry.SortCreated: {col: "created", desc: true, key: 'i'},
	}}
}

func (st *adoptions) Create(ctx context.Context, a *registry.Adoption, ev *registry.AuditEvent) error {
	return st.s.write(ctx, func(tx *wtx) error { return st.tb.insert(tx, a, ev) })
}

func (st *adoptions) Get(ctx context.Context, id string) (registry.Adoption, error) {
	return st.tb.get(ctx, st.s.r, "id", id)
}

func (st *adoptions) Update(ctx context.Context, a *registry.Adoption, ev *registry.AuditEvent) error {
	return st.s.write(ctx, func(tx *wtx) error { return st.tb.update(tx, a, ev) })
}

func (st *adoptions) Delete(ctx context.Context, id string, rev int64, ev *registry.AuditEvent) error {
	return st.s.write(ctx, func(tx *wtx) error { return st.tb.del(tx, id, rev, ev) })
}

func (st *adoptions) List(ctx context.Context, f registry.AdoptionFilter) (registry.List[registry.Adoption], error) {
	var w where
	w.eq("asset_id", f.AssetID)
	w.in("asset_id", f.AssetIDs)
	w.eq("entity_nit", f.EntityNIT)
	w.in("entity_nit", f.EntityNITs)
	w.eq("status", f.Status)
	w.eq("verification", f.Verification)
	if f.Pending != nil {
		w.add("pending = ?", b2i(*f.Pending))
	}
	return list[registry.Adoption](ctx, st.s, listing{table: "adoptions", where: w, sorts: st.sorts, def: registry.SortUpdated, sort: f.Sort, page: f.Page})
}

func (st *adoptions) ForAssets(ctx context.Context, assetIDs []string) ([]registry.Adoption, error) {
	out := []registry.Adoption{}
	for chunk := range slices.Chunk(assetIDs, 500) {
		xs, err := all[registry.Adoption](ctx, st.s.r, `SELECT doc FROM adoptions WHERE asset_id IN (`+placeholders(len(chunk))+`) ORDER BY asset_id, updated DESC, id DESC`, anys(chunk)...)
		if err != nil {
			return nil, err
		}
		out = append(out, xs...)
	}
	return out, nil
}
