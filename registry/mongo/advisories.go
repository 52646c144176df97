package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/acervo-co/acervo/registry"
)

type advisoryStore struct {
	k     *kindStore[registry.Advisory]
	sorts map[string]sortSpec[registry.Advisory]
}

func newAdvisoryStore(s *Store) *advisoryStore {
	k := newKind(s, s.advisoriesC, registry.KindAdvisory,
		func(a *registry.Advisory) (*string, *int64) { return &a.ID, &a.Rev }, nil)
	return &advisoryStore{k: k, sorts: map[string]sortSpec[registry.Advisory]{
		registry.SortUpdated: timeSort("updatedAt", true, func(a *registry.Advisory) time.Time { return a.UpdatedAt }),
	}}
}

// Upsert creates the advisory or replaces it, keeping its creation time.
func (st *advisoryStore) Upsert(ctx context.Context, a *registry.Advisory, ev *registry.AuditEvent) (bool, error) {
	if a.ID == "" {
		return false, registry.Invalid("id", "an advisory needs its OSV id")
	}
	for range maxAttempts {
		stored, err := st.k.get(ctx, a.ID)
		if errors.Is(err, registry.ErrNotFound) {
			x := *a
			err := st.k.create(ctx, &x, ev)
			if err == nil {
				*a = x
				return true, nil
			}
			if !errors.Is(err, registry.ErrConflict) {
				return false, err
			}
			continue
		}
		if err != nil {
			return false, err
		}
		x := *a
		x.CreatedAt, x.Rev = stored.CreatedAt, stored.Rev
		err = st.k.update(ctx, &x, ev)
		if err == nil {
			*a = x
			return false, nil
		}
		if !errors.Is(err, registry.ErrConflict) && !errors.Is(err, registry.ErrNotFound) {
			return false, err
		}
	}
	return false, fmt.Errorf("%w: advisory %s: too many concurrent writes", registry.ErrConflict, a.ID)
}

func (st *advisoryStore) Get(ctx context.Context, id string) (registry.Advisory, error) {
	return st.k.get(ctx, id)
}

func (st *advisoryStore) Delete(ctx context.Context, id string, rev int64, ev *registry.AuditEvent) error {
	return st.k.delete(ctx, id, rev, ev)
}

func (st *advisoryStore) List(ctx context.Context, f registry.AdvisoryFilter) (registry.List[registry.Advisory], error) {
	var c conds
	c.eqStr("assetId", f.AssetID)
	c.in("assetId", f.AssetIDs)
	return st.k.page(ctx, c.and(), st.sorts, f.Sort, registry.SortUpdated, f.Page)
}
