package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/acervo-co/acervo/registry"
)

type mirrors struct {
	s     *Store
	tb    *table[registry.Mirror]
	sorts map[string]sortSpec
}

func newMirrors(s *Store) *mirrors {
	tb := (&table[registry.Mirror]{
		name: "mirrors", kind: registry.KindMirror,
		cols: []string{"url", "asset_id", "status", "due", "updated"},
		vals: func(m *registry.Mirror) []any {
			return []any{m.URL, m.AssetID, m.Status, tkey(m.NextDueAt), tkey(m.UpdatedAt)}
		},
		meta: func(m *registry.Mirror) (*string, *int64) { return &m.ID, &m.Rev },
		born: func(m *registry.Mirror) time.Time { return m.CreatedAt },
	}).init()
	return &mirrors{s: s, tb: tb, sorts: map[string]sortSpec{
		registry.SortDue:     {col: "due", key: 'i'},
		registry.SortUpdated: {col: "updated", desc: true, key: 'i'},
	}}
}

func (st *mirrors) Create(ctx context.Context, m *registry.Mirror, ev *registry.AuditEvent) error {
	return st.s.write(ctx, func(tx *wtx) error { return st.tb.insert(tx, m, ev) })
}

func (st *mirrors) Get(ctx context.Context, id string) (registry.Mirror, error) {
	return st.tb.get(ctx, st.s.r, "id", id)
}

func (st *mirrors) GetByURL(ctx context.Context, url string) (registry.Mirror, error) {
	return st.tb.get(ctx, st.s.r, "url", url)
}

func (st *mirrors) GetByAsset(ctx context.Context, assetID string) (registry.Mirror, error) {
	return first(all[registry.Mirror](ctx, st.s.r, `SELECT doc FROM mirrors WHERE asset_id = ? ORDER BY id LIMIT 1`, assetID))
}

func (st *mirrors) Update(ctx context.Context, m *registry.Mirror, ev *registry.AuditEvent) error {
	return st.s.write(ctx, func(tx *wtx) error { return st.tb.update(tx, m, ev) })
}

func (st *mirrors) Delete(ctx context.Context, id string, rev int64, ev *registry.AuditEvent) error {
	return st.s.write(ctx, func(tx *wtx) error { return st.tb.del(tx, id, rev, ev) })
}

func (st *mirrors) List(ctx context.Context, f registry.MirrorFilter) (registry.List[registry.Mirror], error) {
	var w where
	w.eq("status", f.Status)
	w.eq("asset_id", f.AssetID)
	if f.DueBefore != nil {
		w.add("due <= ?", tkey(*f.DueBefore))
	}
	return list[registry.Mirror](ctx, st.s, listing{table: "mirrors", where: w, sorts: st.sorts, def: registry.SortDue, sort: f.Sort, page: f.Page})
}

func (st *mirrors) AcquireLease(ctx context.Context, id, holder string, now, until time.Time) (registry.Mirror, error) {
	var out registry.Mirror
	err := st.s.write(ctx, func(tx *wtx) error {
		m, err := st.tb.getTx(tx, "id", id)
		if err != nil {
			return err
		}
		if m.LeaseHolder != "" && m.LeaseHolder != holder && m.LeaseUntil != nil && m.LeaseUntil.After(now) {
			return fmt.Errorf("mirror %s is leased to %s until %s: %w", id, m.LeaseHolder, m.LeaseUntil.Format(time.RFC3339), registry.ErrConflict)
		}
		m.LeaseHolder = holder
		u := until.UTC()
		m.LeaseUntil = &u
		if err := st.updateLease(tx, &m); err != nil {
			return err
		}
		out = m
		return nil
	})
	return out, err
}

func (st *mirrors) ReleaseLease(ctx context.Context, id, holder string) error {
	return st.s.write(ctx, func(tx *wtx) error {
		m, err := st.tb.getTx(tx, "id", id)
		if err != nil {
			return err
		}
		if m.LeaseHolder != holder {
			return nil
		}
		m.LeaseHolder, m.LeaseUntil = "", nil
		return st.updateLease(tx, &m)
	})
}

func (st *mirrors) updateLease(tx *wtx, m *registry.Mirror) error {
	old := m.Rev
	m.Rev++
	doc, err := marshal(m)
	if err != nil {
		return err
	}
	_, err = tx.exec(`UPDATE mirrors SET rev = ?, doc = ? WHERE id = ? AND rev = ?`, m.Rev, doc, m.ID, old)
	return err
}
