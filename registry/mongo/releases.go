package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/acervo-co/acervo/registry"
)

type releaseStore struct {
	k     *kindStore[registry.Release]
	sorts map[string]sortSpec[registry.Release]
}

func newReleaseStore(s *Store) *releaseStore {
	k := newKind(s, s.releasesC, registry.KindRelease,
		func(r *registry.Release) (*string, *int64) { return &r.ID, &r.Rev },
		func(r *registry.Release) bson.D {
			return bson.D{{Key: "assetId", Value: r.AssetID}, {Key: "tag", Value: r.Tag}}
		})
	return &releaseStore{k: k, sorts: map[string]sortSpec[registry.Release]{
		registry.SortDate: timeSort("date", true, func(r *registry.Release) time.Time { return r.Date }),
	}}
}

// Upsert creates the release of (AssetID, Tag) or replaces it, keeping its
// id and creation time.
func (st *releaseStore) Upsert(ctx context.Context, r *registry.Release, ev *registry.AuditEvent) (bool, error) {
	for range maxAttempts {
		stored, err := st.GetByTag(ctx, r.AssetID, r.Tag)
		if errors.Is(err, registry.ErrNotFound) {
			x := *r
			err := st.k.create(ctx, &x, ev)
			if err == nil {
				*r = x
				return true, nil
			}
			if !errors.Is(err, registry.ErrConflict) {
				return false, err
			}
			if _, gerr := st.GetByTag(ctx, r.AssetID, r.Tag); gerr != nil {
				return false, err // the id is taken by another release
			}
			continue
		}
		if err != nil {
			return false, err
		}
		x := *r
		x.ID, x.CreatedAt, x.Rev = stored.ID, stored.CreatedAt, stored.Rev
		err = st.k.update(ctx, &x, ev)
		if err == nil {
			*r = x
			return false, nil
		}
		if !errors.Is(err, registry.ErrConflict) && !errors.Is(err, registry.ErrNotFound) {
			return false, err
		}
	}
	return false, fmt.Errorf("%w: release %s %s: too many concurrent writes", registry.ErrConflict, r.AssetID, r.Tag)
}

func (st *releaseStore) Get(ctx context.Context, id string) (registry.Release, error) {
	return st.k.get(ctx, id)
}

func (st *releaseStore) GetByTag(ctx context.Context, assetID, tag string) (registry.Release, error) {
	return st.k.one(ctx, bson.D{{Key: "assetId", Value: assetID}, {Key: "tag", Value: tag}})
}

func (st *releaseStore) Update(ctx context.Context, r *registry.Release, ev *registry.AuditEvent) error {
	return st.k.update(ctx, r, ev)
}

func (st *releaseStore) Delete(ctx context.Context, id string, rev int64, ev *registry.AuditEvent) error {
	return st.k.delete(ctx, id, rev, ev)
}

func (st *releaseStore) List(ctx context.Context, f registry.ReleaseFilter) (registry.List[registry.Release], error) {
	var c conds
	c.eqStr("assetId", f.AssetID)
	c.in("assetId", f.AssetIDs)
	if f.OnlyReleases {
		c.eq("isRelease", true)
	}
	if !f.IncludeWithdrawn {
		c.eq("withdrawn", false)
	}
	return st.k.page(ctx, c.and(), st.sorts, f.Sort, registry.SortDate, f.Page)
}

func (st *releaseStore) ForAssets(ctx context.Context, assetIDs []string) ([]registry.Release, error) {
	if len(assetIDs) == 0 {
		return []registry.Release{}, nil
	}
	return st.k.all(ctx, bson.D{{Key: "assetId", Value: bson.D{{Key: "$in", Value: assetIDs}}}}, keyDesc("date"))
}

// UpsertMany upserts one release after another (MongoDB writes one record
// at a time here, each with its own outbox): on an error the releases before
// it are written, and a retry upserts them again unchanged.
func (st *releaseStore) UpsertMany(ctx context.Context, rs []*registry.Release, evs []*registry.AuditEvent) ([]bool, error) {
	if len(evs) != len(rs) {
		return nil, registry.Invalid("events", "%d releases and %d audit events", len(rs), len(evs))
	}
	out := make([]bool, len(rs))
	for i, r := range rs {
		c, err := st.Upsert(ctx, r, evs[i])
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}
