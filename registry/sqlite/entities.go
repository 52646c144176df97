package sqlite

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/acervo-co/acervo/registry"
)

type entities struct {
	s     *Store
	tb    *table[registry.Entity]
	sorts map[string]sortSpec
}

// nitKey pads a NIT so that text order is numeric order.
func nitKey(nit string) string { return fmt.Sprintf("%020s", nit) }

func newEntities(s *Store) *entities {
	tb := (&table[registry.Entity]{
		name: "entities", kind: registry.KindEntity,
		cols: []string{"nit", "nit_key", "name_fold", "orden", "sector", "dept"},
		vals: func(e *registry.Entity) []any {
			return []any{e.NIT, nitKey(e.NIT), registry.Fold(e.Name), e.Orden, e.Sector, e.DepartmentCode}
		},
		meta: func(e *registry.Entity) (*string, *int64) { return &e.ID, &e.Rev },
		born: func(e *registry.Entity) time.Time { return e.CreatedAt },
	}).init()
	return &entities{s: s, tb: tb, sorts: map[string]sortSpec{
		registry.SortName: {col: "name_fold", key: 's'},
		registry.SortNIT:  {col: "nit_key", key: 's'},
	}}
}

func (st *entities) Create(ctx context.Context, e *registry.Entity, ev *registry.AuditEvent) error {
	return st.s.write(ctx, func(tx *wtx) error { return st.tb.insert(tx, e, ev) })
}

// Upsert creates the entity of e.NIT or merges e into it.
func (st *entities) Upsert(ctx context.Context, e *registry.Entity, ev *registry.AuditEvent) (created bool, err error) {
	var merged registry.Entity
	err = st.s.write(ctx, func(tx *wtx) error {
		old, err := st.tb.getTx(tx, "nit", e.NIT)
		if errors.Is(err, registry.ErrNotFound) {
			created = true
			x := *e
			if err := st.tb.insert(tx, &x, ev); err != nil {
				return err
			}
			merged = x
			return nil
		}
		if err != nil {
			return err
		}
		m, changed := mergeEntity(old, *e)
		if !changed {
			merged = old
			return nil
		}
		if err := st.tb.update(tx, &m, ev); err != nil {
			return err
		}
		merged = m
		return nil
	})
	if err != nil {
		return false, err
	}
	*e = merged
	return created, nil
}

// mergeEntity fills old's empty fields from e and keeps e's other names as
// aliases.
func mergeEntity(old, e registry.Entity) (registry.Entity, bool) {
	m := old
	m.Aliases = slices.Clone(old.Aliases)
	changed := false
	fill := func(dst *string, src string) {
		if *dst == "" && src != "" {
			*dst = src
			changed = true
		}
	}
	fill(&m.Name, e.Name)
	fill(&m.Sigla, e.Sigla)
	fill(&m.Orden, e.Orden)
	fill(&m.Sector, e.Sector)
	fill(&m.Rama, e.Rama)
	fill(&m.DepartmentCode, e.DepartmentCode)
	fill(&m.MunicipalityCode, e.MunicipalityCode)
	fill(&m.ParentNIT, e.ParentNIT)
	fill(&m.Website, e.Website)
	known := map[string]bool{registry.Fold(m.Name): true}
	for _, a := range m.Aliases {
		known[registry.Fold(a)] = true
	}
	for _, name := range append([]string{e.Name}, e.Aliases...) {
		if name == "" || known[registry.Fold(name)] {
			continue
		}
		known[registry.Fold(name)] = true
		m.Aliases = append(m.Aliases, name)
		changed = true
	}
	if changed && e.UpdatedAt.After(m.UpdatedAt) {
		m.UpdatedAt = e.UpdatedAt
	}
	return m, changed
}

func (st *entities) Get(ctx context.Context, id string) (registry.Entity, error) {
	return st.tb.get(ctx, st.s.r, "id", id)
}

func (st *entities) GetByNIT(ctx context.Context, nit string) (registry.Entity, error) {
	return st.tb.get(ctx, st.s.r, "nit", nit)
}

func (st *entities) GetMany(ctx context.Context, nits []string) ([]registry.Entity, error) {
	return st.tb.many(ctx, st.s.r, "nit", nits)
}

func (st *entities) Update(ctx context.Context, e *registry.Entity, ev *registry.AuditEvent) error {
	return st.s.write(ctx, func(tx *wtx) error { return st.tb.update(tx, e, ev) })
}

func (st *entities) Delete(ctx context.Context, id string, rev int64, ev *registry.AuditEvent) error {
	return st.s.write(ctx, func(tx *wtx) error { return st.tb.del(tx, id, rev, ev) })
}

func (st *entities) List(ctx context.Context, f registry.EntityFilter) (registry.List[registry.Entity], error) {
	var w where
	w.in("nit", f.NITs)
	if p := registry.Fold(f.NamePrefix); p != "" {
		// A range on the folded name: no LIKE, so no wildcards, and the
		// index serves it.
		w.add("name_fold >= ? AND name_fold < ?", p, p+"\U0010FFFF")
	}
	w.eq("orden", f.Orden)
	w.eq("sector", f.Sector)
	w.eq("dept", f.DepartmentCode)
	return list[registry.Entity](ctx, st.s, listing{table: "entities", where: w, sorts: st.sorts, def: registry.SortName, sort: f.Sort, page: f.Page})
}
