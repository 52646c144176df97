package sqlite

import (
	"context"
	"time"

	"github.com/acervo-co/acervo/registry"
)

type assets struct {
	s     *Store
	tb    *table[registry.Asset]
	sorts map[string]sortSpec
}

func newAssets(s *Store) *assets {
	tb := (&table[registry.Asset]{
		name: "assets", kind: registry.KindAsset,
		cols: []string{"slug", "kind", "active", "publisher_nit", "license", "dev_status", "name_fold", "created", "updated"},
		vals: func(a *registry.Asset) []any {
			return []any{a.Slug, string(a.Kind), b2i(a.Active), a.PublisherNIT, a.License, a.DevelopmentStatus,
				registry.Fold(a.Name), tkey(a.CreatedAt), tkey(a.UpdatedAt)}
		},
		meta: func(a *registry.Asset) (*string, *int64) { return &a.ID, &a.Rev },
		born: func(a *registry.Asset) time.Time { return a.CreatedAt },
		side: func(tx *wtx, a *registry.Asset) error {
			urls := append([]string{a.RepositoryURL}, a.RepositoryAliases...)
			seen := map[string]bool{}
			for _, u := range urls {
				if u == "" || seen[u] {
					continue
				}
				seen[u] = true
				if _, err := tx.exec(`INSERT INTO asset_urls (url, asset_id) VALUES (?, ?)`, u, a.ID); err != nil {
					return err
				}
			}
			for _, c := range a.Categories {
				if _, err := tx.exec(`INSERT OR IGNORE INTO asset_terms (field, value, asset_id) VALUES ('category', ?, ?)`, c, a.ID); err != nil {
					return err
				}
			}
			for _, l := range a.Languages {
				if _, err := tx.exec(`INSERT OR IGNORE INTO asset_terms (field, value, asset_id) VALUES ('language', ?, ?)`, l.Name, a.ID); err != nil {
					return err
				}
			}
			return nil
		},
		unside: func(tx *wtx, id string) error {
			if _, err := tx.exec(`DELETE FROM asset_urls WHERE asset_id = ?`, id); err != nil {
				return err
			}
			_, err := tx.exec(`DELETE FROM asset_terms WHERE asset_id = ?`, id)
			return err
		},
	}).init()
	return &assets{s: s, tb: tb, sorts: map[string]sortSpec{
		registry.SortName:    {col: "name_fold", key: 's'},
		registry.SortUpdated: {col: "updated", desc: true, key: 'i'},
		registry.SortCreated: {col: "created", desc: true, key: 'i'},
	}}
}

func (st *assets) Create(ctx context.Context, a *registry.Asset, ev *registry.AuditEvent) error {
	return st.s.write(ctx, func(tx *wtx) error { return st.tb.insert(tx, a, ev) })
}

func (st *assets) Get(ctx context.Context, id string) (registry.Asset, error) {
	return st.tb.get(ctx, st.s.r, "id", id)
}

func (st *assets) GetBySlug(ctx context.Context, slug string) (registry.Asset, error) {
	return st.tb.get(ctx, st.s.r, "slug", slug)
}

func (st *assets) GetByRepositoryURL(ctx context.Context, url string) (registry.Asset, error) {
	var id string
	if err := st.s.r.QueryRowContext(ctx, `SELECT asset_id FROM asset_urls WHERE url = ?`, url).Scan(&id); err != nil {
		return registry.Asset{}, dbErr(err)
	}
	return st.Get(ctx, id)
}

func (st *assets) GetMany(ctx context.Context, ids []string) ([]registry.Asset, error) {
	return st.tb.many(ctx, st.s.r, "id", ids)
}

func (st *assets) Update(ctx context.Context, a *registry.Asset, ev *registry.AuditEvent) error {
	return st.s.write(ctx, func(tx *wtx) error { return st.tb.update(tx, a, ev) })
}

func (st *assets) Delete(ctx context.Context, id string, rev int64, ev *registry.AuditEvent) error {
	return st.s.write(ctx, func(tx *wtx) error { return st.tb.del(tx, id, rev, ev) })
}

func (st *assets) List(ctx context.Context, f registry.AssetFilter) (registry.List[registry.Asset], error) {
	var w where
	w.in("id", f.IDs)
	w.eq("kind", string(f.Kind))
	if f.Active != nil {
		w.add("active = ?", b2i(*f.Active))
	}
	w.eq("publisher_nit", f.PublisherNIT)
	if f.Category != "" {
		w.add("id IN (SELECT asset_id FROM asset_terms WHERE field = 'category' AND value = ?)", f.Category)
	}
	w.eq("license", f.License)
	if f.Language != "" {
		w.add("id IN (SELECT asset_id FROM asset_terms WHERE field = 'language' AND value = ?)", f.Language)
	}
	w.eq("dev_status", f.DevelopmentStatus)
	if f.AdopterNIT != "" {
		w.add("id IN (SELECT asset_id FROM adoptions WHERE entity_nit = ?)", f.AdopterNIT)
	}
	if f.AdopterDepartment != "" {
		w.add("id IN (SELECT ad.asset_id FROM adoptions ad JOIN entities e ON e.nit = ad.entity_nit WHERE e.dept = ?)", f.AdopterDepartment)
	}
	return list[registry.Asset](ctx, st.s, listing{table: "assets", where: w, sorts: st.sorts, def: registry.SortName, sort: f.Sort, page: f.Page})
}
