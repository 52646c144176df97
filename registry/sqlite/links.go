package sqlite

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/acervo-co/acervo/registry"
)

type links struct {
	s     *Store
	tb    *table[registry.PurchaseLink]
	sorts map[string]sortSpec
}

func newLinks(s *Store) *links {
	tb := (&table[registry.PurchaseLink]{
		name: "links", kind: registry.KindLink,
		cols: []string{"purchase_id", "asset_id", "state", "relation", "score", "updated"},
		vals: func(l *registry.PurchaseLink) []any {
			return []any{l.PurchaseID, l.AssetID, l.State, l.Relation, l.Score, tkey(l.UpdatedAt)}
		},
		meta: func(l *registry.PurchaseLink) (*string, *int64) { return &l.ID, &l.Rev },
		born: func(l *registry.PurchaseLink) time.Time { return l.CreatedAt },
	}).init()
	return &links{s: s, tb: tb, sorts: map[string]sortSpec{
		registry.SortScore:   {col: "score", desc: true, key: 'f'},
		registry.SortUpdated: {col: "updated", desc: true, key: 'i'},
	}}
}

// Upsert creates the link or updates its relation, score and reasons,
// keeping a decided state.
func (st *links) Upsert(ctx context.Context, l *registry.PurchaseLink, ev *registry.AuditEvent) (registry.UpsertOutcome, error) {
	var (
		out    registry.UpsertOutcome
		result registry.PurchaseLink
	)
	err := st.s.write(ctx, func(tx *wtx) error {
		old, err := first(all[registry.PurchaseLink](tx.ctx, tx, `SELECT doc FROM links WHERE purchase_id = ? AND asset_id = ?`, l.PurchaseID, l.AssetID))
		if errors.Is(err, registry.ErrNotFound) {
			x := *l
			if x.State == "" {
				x.State = registry.LinkSuggested
			}
			if err := st.tb.insert(tx, &x, ev); err != nil {
				return err
			}
			out, result = registry.OutcomeNew, x
			return nil
		}
		if err != nil {
			return err
		}
		m := old
		m.Relation, m.Score, m.Reasons = l.Relation, l.Score, l.Reasons
		decided := old.State == registry.LinkConfirmed || old.State == registry.LinkRejected
		if !decided && l.State != "" {
			m.State = l.State
		}
		if m.Relation == old.Relation && m.Score == old.Score && slices.Equal(m.Reasons, old.Reasons) && m.State == old.State {
			out, result = registry.OutcomeUnchanged, old
			return nil
		}
		m.UpdatedAt = l.UpdatedAt
		if err := st.tb.update(tx, &m, ev); err != nil {
			return err
		}
		out, result = registry.OutcomeUpdated, m
		return nil
	})
	if err != nil {
		return 0, err
	}
	*l = result
	return out, nil
}

func (st *links) Get(ctx context.Context, id string) (registry.PurchaseLink, error) {
	return st.tb.get(ctx, st.s.r, "id", id)
}

func (st *links) Update(ctx context.Context, l *registry.PurchaseLink, ev *registry.AuditEvent) error {
	return st.s.write(ctx, func(tx *wtx) error { return st.tb.update(tx, l, ev) })
}

func (st *links) Delete(ctx context.Context, id string, rev int64, ev *registry.AuditEvent) error {
	return st.s.write(ctx, func(tx *wtx) error { return st.tb.del(tx, id, rev, ev) })
}

func (st *links) List(ctx context.Context, f registry.LinkFilter) (registry.List[registry.PurchaseLink], error) {
	var w where
	w.eq("purchase_id", f.PurchaseID)
	w.in("purchase_id", f.PurchaseIDs)
	w.eq("asset_id", f.AssetID)
	w.in("asset_id", f.AssetIDs)
	w.eq("state", f.State)
	w.eq("relation", f.Relation)
	return list[registry.PurchaseLink](ctx, st.s, listing{table: "links", where: w, sorts: st.sorts, def: registry.SortScore, sort: f.Sort, page: f.Page})
}

func (st *links) ForAssets(ctx context.Context, assetIDs []string, states ...string) ([]registry.PurchaseLink, error) {
	out := []registry.PurchaseLink{}
	for chunk := range slices.Chunk(assetIDs, 400) {
		var w where
		w.in("asset_id", chunk)
		w.in("state", states)
		xs, err := all[registry.PurchaseLink](ctx, st.s.r, `SELECT doc FROM links`+w.sql()+` ORDER BY asset_id, score DESC, id DESC`, w.args...)
		if err != nil {
			return nil, err
		}
		out = append(out, xs...)
	}
	return out, nil
}
