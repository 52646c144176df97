package sqlite

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/acervo-co/acervo/registry"
)

type releases struct {
	s     *Store
	tb    *table[registry.Release]
	sorts map[string]sortSpec
}

func newReleases(s *Store) *releases {
	tb := (&table[registry.Release]{
		name: "releases", kind: registry.KindRelease,
		cols: []string{"asset_id", "tag", "is_release", "withdrawn", "date"},
		vals: func(r *registry.Release) []any {
			return []any{r.AssetID, r.Tag, b2i(r.IsRelease), b2i(r.Withdrawn), tkey(r.Date)}
		},
		meta: func(r *registry.Release) (*string, *int64) { return &r.ID, &r.Rev },
		born: func(r *registry.Release) time.Time { return r.CreatedAt },
	}).init()
	return &releases{s: s, tb: tb, sorts: map[string]sortSpec{registry.SortDate: {col: "date", desc: true, key: 'i'}}}
}

func (st *releases) Upsert(ctx context.Context, r *registry.Release, ev *registry.AuditEvent) (created bool, err error) {
	id, createdAt, rev := r.ID, r.CreatedAt, r.Rev
	err = st.s.write(ctx, func(tx *wtx) error {
		old, err := first(all[registry.Release](tx.ctx, tx, `SELECT doc FROM releases WHERE asset_id = ? AND tag = ?`, r.AssetID, r.Tag))
		if errors.Is(err, registry.ErrNotFound) {
			created = true
			return st.tb.insert(tx, r, ev)
		}
		if err != nil {
			return err
		}
		r.ID, r.CreatedAt, r.Rev = old.ID, old.CreatedAt, old.Rev
		return st.tb.update(tx, r, ev)
	})
	if err != nil {
		r.ID, r.CreatedAt, r.Rev = id, createdAt, rev
		return false, err
	}
	return created, nil
}

// UpsertMany is Upsert for many releases in one transaction: all are
// written or none.
func (st *releases) UpsertMany(ctx context.Context, rs []*registry.Release, evs []*registry.AuditEvent) ([]bool, error) {
	if len(evs) != len(rs) {
		return nil, registry.Invalid("events", "%d releases and %d audit events", len(rs), len(evs))
	}
	type saved struct {
		id        string
		createdAt time.Time
		rev       int64
	}
	before := make([]saved, len(rs))
	for i, r := range rs {
		before[i] = saved{r.ID, r.CreatedAt, r.Rev}
	}
	created := make([]bool, len(rs))
	err := st.s.write(ctx, func(tx *wtx) error {
		for i, r := range rs {
			old, err := first(all[registry.Release](tx.ctx, tx, `SELECT doc FROM releases WHERE asset_id = ? AND tag = ?`, r.AssetID, r.Tag))
			if errors.Is(err, registry.ErrNotFound) {
				created[i] = true
				if err := st.tb.insert(tx, r, evs[i]); err != nil {
					return err
				}
				continue
			}
			if err != nil {
				return err
			}
			r.ID, r.CreatedAt, r.Rev = old.ID, old.CreatedAt, old.Rev
			if err := st.tb.update(tx, r, evs[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		// Nothing was written: the releases are as the caller gave them.
		for i, r := range rs {
			r.ID, r.CreatedAt, r.Rev = before[i].id, before[i].createdAt, before[i].rev
		}
		return nil, err
	}
	return created, nil
}

func (st *releases) Get(ctx context.Context, id string) (registry.Release, error) {
	return st.tb.get(ctx, st.s.r, "id", id)
}

func (st *releases) GetByTag(ctx context.Context, assetID, tag string) (registry.Release, error) {
	return first(all[registry.Release](ctx, st.s.r, `SELECT doc FROM releases WHERE asset_id = ? AND tag = ?`, assetID, tag))
}

func (st *releases) Update(ctx context.Context, r *registry.Release, ev *registry.AuditEvent) error {
	return st.s.write(ctx, func(tx *wtx) error { return st.tb.update(tx, r, ev) })
}

func (st *releases) Delete(ctx context.Context, id string, rev int64, ev *registry.AuditEvent) error {
	return st.s.write(ctx, func(tx *wtx) error { return st.tb.del(tx, id, rev, ev) })
}

func (st *releases) List(ctx context.Context, f registry.ReleaseFilter) (registry.List[registry.Release], error) {
	var w where
	w.eq("asset_id", f.AssetID)
	w.in("asset_id", f.AssetIDs)
	if f.OnlyReleases {
		w.add("is_release = 1")
	}
	if !f.IncludeWithdrawn {
		w.add("withdrawn = 0")
	}
	return list[registry.Release](ctx, st.s, listing{table: "releases", where: w, sorts: st.sorts, def: registry.SortDate, sort: f.Sort, page: f.Page})
}

func (st *releases) ForAssets(ctx context.Context, assetIDs []string) ([]registry.Release, error) {
	out := []registry.Release{}
	for chunk := range slices.Chunk(assetIDs, 500) {
		rs, err := all[registry.Release](ctx, st.s.r, `SELECT doc FROM releases WHERE asset_id IN (`+placeholders(len(chunk))+`) ORDER BY asset_id, date DESC, id DESC`, anys(chunk)...)
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
	}
	return out, nil
}

// first returns the first record of a query, or ErrNotFound.
func first[T any](xs []T, err error) (T, error) {
	var zero T
	if err != nil {
		return zero, err
	}
	if len(xs) == 0 {
		return zero, registry.ErrNotFound
	}
	return xs[0], nil
}
