package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/acervo-co/acervo/registry"
)

type mirrorStore struct {
	k     *kindStore[registry.Mirror]
	sorts map[string]sortSpec[registry.Mirror]
}

func newMirrorStore(s *Store) *mirrorStore {
	k := newKind(s, s.mirrorsC, registry.KindMirror,
		func(m *registry.Mirror) (*string, *int64) { return &m.ID, &m.Rev },
		func(m *registry.Mirror) bson.D { return bson.D{{Key: "url", Value: m.URL}} })
	return &mirrorStore{k: k, sorts: map[string]sortSpec[registry.Mirror]{
		registry.SortDue:     timeSort("nextDueAt", false, func(m *registry.Mirror) time.Time { return m.NextDueAt }),
		registry.SortUpdated: timeSort("updatedAt", true, func(m *registry.Mirror) time.Time { return m.UpdatedAt }),
	}}
}

func (st *mirrorStore) Create(ctx context.Context, m *registry.Mirror, ev *registry.AuditEvent) error {
	return st.k.create(ctx, m, ev)
}

func (st *mirrorStore) Get(ctx context.Context, id string) (registry.Mirror, error) {
	return st.k.get(ctx, id)
}

func (st *mirrorStore) GetByURL(ctx context.Context, url string) (registry.Mirror, error) {
	return st.k.one(ctx, bson.D{{Key: "url", Value: url}})
}

// GetByAsset returns the asset's mirror with the smallest id.
func (st *mirrorStore) GetByAsset(ctx context.Context, assetID string) (registry.Mirror, error) {
	ms, err := st.k.all(ctx, bson.D{{Key: "assetId", Value: assetID}}, bson.D{{Key: "_id", Value: 1}})
	if err != nil {
		return registry.Mirror{}, err
	}
	if len(ms) == 0 {
		return registry.Mirror{}, fmt.Errorf("%w: mirror of asset %s", registry.ErrNotFound, assetID)
	}
	return ms[0], nil
}

func (st *mirrorStore) Update(ctx context.Context, m *registry.Mirror, ev *registry.AuditEvent) error {
	return st.k.update(ctx, m, ev)
}

func (st *mirrorStore) Delete(ctx context.Context, id string, rev int64, ev *registry.AuditEvent) error {
	return st.k.delete(ctx, id, rev, ev)
}

func (st *mirrorStore) List(ctx context.Context, f registry.MirrorFilter) (registry.List[registry.Mirror], error) {
	var c conds
	c.eqStr("status", f.Status)
	c.eqStr("assetId", f.AssetID)
	if f.DueBefore != nil {
		c.eq("nextDueAt", bson.D{{Key: "$lte", Value: f.DueBefore.UTC()}})
	}
	return st.k.page(ctx, c.and(), st.sorts, f.Sort, registry.SortDue, f.Page)
}

// AcquireLease gives holder the mirror until `until` with one conditional
// findOneAndUpdate: nobody holds it, the lease expired, or holder renews.
// It bumps Rev and records no change.
func (st *mirrorStore) AcquireLease(ctx context.Context, id, holder string, now, until time.Time) (registry.Mirror, error) {
	s := st.k.s
	g := guard{live: true, lease: &leaseGuard{holder: holder, now: now.UTC()}}
	upd := bson.D{
		{Key: "$set", Value: bson.D{{Key: "leaseHolder", Value: holder}, {Key: "leaseUntil", Value: until.UTC()}}},
		{Key: "$inc", Value: bson.D{{Key: "rev", Value: int64(1)}}},
	}
	var m registry.Mirror
	err := s.findAndUpdateByID(ctx, s.mirrorsC, id, g, upd).Decode(&m)
	if errors.Is(err, mongo.ErrNoDocuments) {
		if _, gerr := st.Get(ctx, id); gerr != nil {
			return registry.Mirror{}, gerr
		}
		return registry.Mirror{}, fmt.Errorf("%w: mirror %s is leased to someone else", registry.ErrConflict, id)
	}
	return m, err
}

// ReleaseLease drops holder's lease; it is no error when holder has none.
func (st *mirrorStore) ReleaseLease(ctx context.Context, id, holder string) error {
	s := st.k.s
	_, err := s.updateByID(ctx, s.mirrorsC, id, guard{live: true, holder: holder}, bson.D{
		{Key: "$unset", Value: bson.D{{Key: "leaseHolder", Value: ""}, {Key: "leaseUntil", Value: ""}}},
		{Key: "$inc", Value: bson.D{{Key: "rev", Value: int64(1)}}},
	})
	return err
}
