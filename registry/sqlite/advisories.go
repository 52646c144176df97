package sqlite

import (
	"context"
	"errors"
	"time"

	"github.com/acervo-co/acervo/registry"
)

type advisories struct {
	s     *Store
	tb    *table[registry.Advisory]
	sorts map[string]sortSpec
}

func newAdvisories(s *Store) *advisories {
	tb := (&table[registry.Advisory]{
		name: "advisories", kind: registry.KindAdvisory,
		cols: []string{"asset_id", "updated"},
		vals: func(a *registry.Advisory) []any { return []any{a.AssetID, tkey(a.UpdatedAt)} },
		meta: func(a *registry.Advisory) (*string, *int64) { return &a.ID, &a.Rev },
		born: func(a *registry.Advisory) time.Time { return a.CreatedAt },
	}).init()
	return &advisories{s: s, tb: tb, sorts: map[string]sortSpec{registry.SortUpdated: {col: "updated", desc: true, key: 'i'}}}
}

func (st *advisories) Upsert(ctx context.Context, a *registry.Advisory, ev *registry.AuditEvent) (created bool, err error) {
	createdAt, rev := a.CreatedAt, a.Rev
	err = st.s.write(ctx, func(tx *wtx) error {
		old, err := st.tb.getTx(tx, "id", a.ID)
		if errors.Is(err, registry.ErrNotFound) {
			created = true
			return st.tb.insert(tx, a, ev)
		}
		if err != nil {
			return err
		}
		a.CreatedAt, a.Rev = old.CreatedAt, old.Rev
		return st.tb.update(tx, a, ev)
	})
	if err != nil {
		a.CreatedAt, a.Rev = createdAt, rev
		return false, err
	}
	return created, nil
}

func (st *advisories) Get(ctx context.Context, id string) (registry.Advisory, error) {
	return st.tb.get(ctx, st.s.r, "id", id)
}

func (st *advisories) Delete(ctx context.Context, id string, rev int64, ev *registry.AuditEvent) error {
	return st.s.write(ctx, func(tx *wtx) error { return st.tb.del(tx, id, rev, ev) })
}

func (st *advisories) List(ctx context.Context, f registry.AdvisoryFilter) (registry.List[registry.Advisory], error) {
	var w where
	w.eq("asset_id", f.AssetID)
	w.in("asset_id", f.AssetIDs)
	return list[registry.Advisory](ctx, st.s, listing{table: "advisories", where: w, sorts: st.sorts, def: registry.SortUpdated, sort: f.Sort, page: f.Page})
}
