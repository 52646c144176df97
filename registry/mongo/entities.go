package mongo

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/acervo-co/acervo/registry"
)

type entityStore struct {
	k     *kindStore[registry.Entity]
	sorts map[string]sortSpec[registry.Entity]
}

// nitKey pads a NIT so that string order is numeric order.
func nitKey(nit string) string { return fmt.Sprintf("%020s", nit) }

func newEntityStore(s *Store) *entityStore {
	k := newKind(s, s.entitiesC, registry.KindEntity,
		func(e *registry.Entity) (*string, *int64) { return &e.ID, &e.Rev },
		func(e *registry.Entity) bson.D {
			return bson.D{{Key: "nameFold", Value: registry.Fold(e.Name)}, {Key: "nitKey", Value: nitKey(e.NIT)}, {Key: "nit", Value: e.NIT}}
		}, "nameFold", "nitKey")
	return &entityStore{k: k, sorts: map[string]sortSpec[registry.Entity]{
		registry.SortName: strSort("nameFold", false, func(e *registry.Entity) string { return registry.Fold(e.Name) }),
		registry.SortNIT:  strSort("nitKey", false, func(e *registry.Entity) string { return nitKey(e.NIT) }),
	}}
}

func (st *entityStore) Create(ctx context.Context, e *registry.Entity, ev *registry.AuditEvent) error {
	return st.k.create(ctx, e, ev)
}

func (st *entityStore) Get(ctx context.Context, id string) (registry.Entity, error) {
	return st.k.get(ctx, id)
}

func (st *entityStore) GetByNIT(ctx context.Context, nit string) (registry.Entity, error) {
	return st.k.one(ctx, bson.D{{Key: "nit", Value: nit}})
}

func (st *entityStore) GetMany(ctx context.Context, nits []string) ([]registry.Entity, error) {
	return st.k.many(ctx, "nit", nits, func(e *registry.Entity) string { return e.NIT })
}

func (st *entityStore) Update(ctx context.Context, e *registry.Entity, ev *registry.AuditEvent) error {
	return st.k.update(ctx, e, ev)
}

func (st *entityStore) Delete(ctx context.Context, id string, rev int64, ev *registry.AuditEvent) error {
	return st.k.delete(ctx, id, rev, ev)
}

// Upsert creates the entity of e.NIT or merges e into the stored one,
// retrying when a concurrent write gets there first.
func (st *entityStore) Upsert(ctx context.Context, e *registry.Entity, ev *registry.AuditEvent) (bool, error) {
	for range maxAttempts {
		stored, err := st.GetByNIT(ctx, e.NIT)
		if errors.Is(err, registry.ErrNotFound) {
			x := *e
			err := st.k.create(ctx, &x, ev)
			if err == nil {
				*e = x
				return true, nil
			}
			if errors.Is(err, registry.ErrConflict) {
				continue // created meanwhile (or the id is taken: the next read tells)
			}
			return false, err
		}
		if err != nil {
			return false, err
		}
		merged, changed := mergeEntity(stored, e)
		if !changed {
			*e = merged
			return false, nil
		}
		x := merged
		err = st.k.update(ctx, &x, ev)
		if err == nil {
			*e = x
			return false, nil
		}
		if !errors.Is(err, registry.ErrConflict) && !errors.Is(err, registry.ErrNotFound) {
			return false, err
		}
	}
	return false, fmt.Errorf("%w: entity %s: too many concurrent writes", registry.ErrConflict, e.NIT)
}

// mergeEntity fills the stored entity's empty fields from e and adds e's
// name and aliases as aliases.
func mergeEntity(stored registry.Entity, e *registry.Entity) (registry.Entity, bool) {
	m := stored
	m.Aliases = slices.Clone(stored.Aliases)
	changed := false
	fill := func(dst *string, v string) {
		if *dst == "" && v != "" {
			*dst = v
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
	if m.CheckDigit == 0 && e.CheckDigit != 0 {
		m.CheckDigit = e.CheckDigit
		changed = true
	}
	known := map[string]bool{registry.Fold(m.Name): true}
	for _, a := range m.Aliases {
		known[registry.Fold(a)] = true
	}
	for _, a := range append([]string{e.Name}, e.Aliases...) {
		if f := registry.Fold(a); a != "" && !known[f] {
			known[f] = true
			m.Aliases = append(m.Aliases, a)
			changed = true
		}
	}
	if changed {
		m.UpdatedAt = e.UpdatedAt
	}
	return m, changed
}

func (st *entityStore) List(ctx context.Context, f registry.EntityFilter) (registry.List[registry.Entity], error) {
	var c conds
	c.in("nit", f.NITs)
	if f.NamePrefix != "" {
		c.eq("nameFold", bson.D{{Key: "$regex", Value: "^" + regexp.QuoteMeta(registry.Fold(f.NamePrefix))}})
	}
	c.eqStr("orden", f.Orden)
	c.eqStr("sector", f.Sector)
	c.eqStr("departmentCode", f.DepartmentCode)
	return st.k.page(ctx, c.and(), st.sorts, f.Sort, registry.SortName, f.Page)
}
