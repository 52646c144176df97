package mongo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/acervo-co/acervo/registry"
)

type linkStore struct {
	k     *kindStore[registry.PurchaseLink]
	sorts map[string]sortSpec[registry.PurchaseLink]
}

func newLinkStore(s *Store) *linkStore {
	k := newKind(s, s.linksC, registry.KindLink,
		func(l *registry.PurchaseLink) (*string, *int64) { return &l.ID, &l.Rev },
		func(l *registry.PurchaseLink) bson.D {
			return bson.D{{Key: "purchaseId", Value: l.PurchaseID}, {Key: "assetId", Value: l.AssetID}}
		})
	return &linkStore{k: k, sorts: map[string]sortSpec[registry.PurchaseLink]{
		registry.SortScore:   floatSort("score", true, func(l *registry.PurchaseLink) float64 { return l.Score }),
		registry.SortUpdated: timeSort("updatedAt", true, func(l *registry.PurchaseLink) time.Time { return l.UpdatedAt }),
	}}
}

// Upsert creates the link of (PurchaseID, AssetID) or updates its relation,
// score and reasons, keeping a decided state.
func (st *linkStore) Upsert(ctx context.Context, l *registry.PurchaseLink, ev *registry.AuditEvent) (registry.UpsertOutcome, error) {
	for range maxAttempts {
		stored, err := st.k.one(ctx, bson.D{{Key: "purchaseId", Value: l.PurchaseID}, {Key: "assetId", Value: l.AssetID}})
		if errors.Is(err, registry.ErrNotFound) {
			x := *l
			err := st.k.create(ctx, &x, ev)
			if err == nil {
				*l = x
				return registry.OutcomeNew, nil
			}
			if !errors.Is(err, registry.ErrConflict) {
				return 0, err
			}
			if _, gerr := st.k.one(ctx, bson.D{{Key: "purchaseId", Value: l.PurchaseID}, {Key: "assetId", Value: l.AssetID}}); gerr != nil {
				return 0, err
			}
			continue
		}
		if err != nil {
			return 0, err
		}
		if stored.Relation == l.Relation && stored.Score == l.Score && slices.Equal(stored.Reasons, l.Reasons) {
			*l = stored
			return registry.OutcomeUnchanged, nil
		}
		x := stored
		x.Relation, x.Score, x.Reasons, x.UpdatedAt = l.Relation, l.Score, slices.Clone(l.Reasons), l.UpdatedAt
		if stored.State != registry.LinkConfirmed && stored.State != registry.LinkRejected {
			x.State, x.DecidedBy, x.DecidedAt = l.State, l.DecidedBy, l.DecidedAt
		}
		err = st.k.update(ctx, &x, ev)
		if err == nil {
			*l = x
			return registry.OutcomeUpdated, nil
		}
		if !errors.Is(err, registry.ErrConflict) && !errors.Is(err, registry.ErrNotFound) {
			return 0, err
		}
	}
	return 0, fmt.Errorf("%w: link %s %s: too many concurrent writes", registry.ErrConflict, l.PurchaseID, l.AssetID)
}

func (st *linkStore) Get(ctx context.Context, id string) (registry.PurchaseLink, error) {
	return st.k.get(ctx, id)
}

func (st *linkStore) Update(ctx context.Context, l *registry.PurchaseLink, ev *registry.AuditEvent) error {
	return st.k.update(ctx, l, ev)
}

func (st *linkStore) Delete(ctx context.Context, id string, rev int64, ev *registry.AuditEvent) error {
	return st.k.delete(ctx, id, rev, ev)
}

func (st *linkStore) List(ctx context.Context, f registry.LinkFilter) (registry.List[registry.PurchaseLink], error) {
	var c conds
	c.eqStr("purchaseId", f.PurchaseID)
	c.in("purchaseId", f.PurchaseIDs)
	c.eqStr("assetId", f.AssetID)
	c.in("assetId", f.AssetIDs)
	c.eqStr("state", f.State)
	c.eqStr("relation", f.Relation)
	return st.k.page(ctx, c.and(), st.sorts, f.Sort, registry.SortScore, f.Page)
}

func (st *linkStore) ForAssets(ctx context.Context, assetIDs []string, states ...string) ([]registry.PurchaseLink, error) {
	if len(assetIDs) == 0 {
		return []registry.PurchaseLink{}, nil
	}
	var c conds
	c.in("assetId", assetIDs)
	if len(states) > 0 {
		c.in("state", states)
	}
	return st.k.all(ctx, c.and(), keyDesc("score"))
}
