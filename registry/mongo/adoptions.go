package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/acervo-co/acervo/registry"
)

type adoptionStore struct {
	k     *kindStore[registry.Adoption]
	sorts map[string]sortSpec[registry.Adoption]
}

func newAdoptionStore(s *Store) *adoptionStore {
	k := newKind(s, s.adoptionsC, registry.KindAdoption,
		func(a *registry.Adoption) (*string, *int64) { return &a.ID, &a.Rev },
		// The natural key is stored even when empty: FerretDB's unique
		// indexes do not treat a missing field as null.
		func(a *registry.Adoption) bson.D {
			return bson.D{{Key: "entityNit", Value: a.EntityNIT}, {Key: "assetId", Value: a.AssetID}, {Key: "environment", Value: a.Environment}}
		})
	return &adoptionStore{k: k, sorts: map[string]sortSpec[registry.Adoption]{
		registry.SortUpdated: timeSort("updatedAt", true, func(a *registry.Adoption) time.Time { return a.UpdatedAt }),
		registry.SortCreated: timeSort("createdAt", true, func(a *registry.Adoption) time.Time { return a.CreatedAt }),
	}}
}

func (st *adoptionStore) Create(ctx context.Context, a *registry.Adoption, ev *registry.AuditEvent) error {
	return st.k.create(ctx, a, ev)
}

func (st *adoptionStore) Get(ctx context.Context, id string) (registry.Adoption, error) {
	return st.k.get(ctx, id)
}

func (st *adoptionStore) Update(ctx context.Context, a *registry.Adoption, ev *registry.AuditEvent) error {
	return st.k.update(ctx, a, ev)
}

func (st *adoptionStore) Delete(ctx context.Context, id string, rev int64, ev *registry.AuditEvent) error {
	return st.k.delete(ctx, id, rev, ev)
}

func (st *adoptionStore) List(ctx context.Context, f registry.AdoptionFilter) (registry.List[registry.Adoption], error) {
	var c conds
	c.eqStr("assetId", f.AssetID)
	c.in("assetId", f.AssetIDs)
	c.eqStr("entityNit", f.EntityNIT)
	c.in("entityNit", f.EntityNITs)
	c.eqStr("status", f.Status)
	c.eqStr("verification", f.Verification)
	if f.Pending != nil {
		if *f.Pending {
			c.eq("pending", true)
		} else {
			c.eq("pending", bson.D{{Key: "$ne", Value: true}})
		}
	}
	return st.k.page(ctx, c.and(), st.sorts, f.Sort, registry.SortUpdated, f.Page)
}

func (st *adoptionStore) ForAssets(ctx context.Context, assetIDs []string) ([]registry.Adoption, error) {
	if len(assetIDs) == 0 {
		return []registry.Adoption{}, nil
	}
	return st.k.all(ctx, bson.D{{Key: "assetId", Value: bson.D{{Key: "$in", Value: assetIDs}}}}, keyDesc("updatedAt"))
}
