package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/acervo-co/acervo/registry"
)

type noticeStore struct{ k *kindStore[registry.Notice] }

var noticeSorts = map[string]sortSpec[registry.Notice]{
	"CREATED": timeSort("createdAt", true, func(n *registry.Notice) time.Time { return n.CreatedAt }),
}

func newNoticeStore(s *Store) *noticeStore {
	k := newKind(s, s.noticesC, "", func(n *registry.Notice) (*string, *int64) { return &n.ID, &n.Rev },
		func(n *registry.Notice) bson.D {
			return bson.D{{Key: "entityNit", Value: n.EntityNIT}, {Key: "kind", Value: n.Kind}, {Key: "ref", Value: n.Ref}}
		})
	k.target = "notice"
	return &noticeStore{k: k}
}

// Create stores n unless a notice of the same (EntityNIT, Kind, Ref) exists.
func (st *noticeStore) Create(ctx context.Context, n *registry.Notice) (bool, error) {
	x := *n
	err := st.k.insertPlain(ctx, &x)
	if errors.Is(err, registry.ErrConflict) {
		if _, gerr := st.k.one(ctx, bson.D{{Key: "entityNit", Value: n.EntityNIT}, {Key: "kind", Value: n.Kind}, {Key: "ref", Value: n.Ref}}); gerr == nil {
			return false, nil
		}
	}
	if err != nil {
		return false, err
	}
	*n = x
	return true, nil
}

func (st *noticeStore) Get(ctx context.Context, id string) (registry.Notice, error) {
	return st.k.get(ctx, id)
}

func (st *noticeStore) Update(ctx context.Context, n *registry.Notice) error {
	return st.k.replacePlain(ctx, n)
}

// List lists notices newest first.
func (st *noticeStore) List(ctx context.Context, f registry.NoticeFilter) (registry.List[registry.Notice], error) {
	var c conds
	c.eqStr("entityNit", f.EntityNIT)
	if f.Unread {
		c.eq("readAt", bson.D{{Key: "$exists", Value: false}})
	}
	if f.NotEmailed {
		c.eq("emailedAt", bson.D{{Key: "$exists", Value: false}})
	}
	return st.k.page(ctx, c.and(), noticeSorts, "", "CREATED", f.Page)
}

type webhookStore struct {
	k  *kindStore[registry.Webhook]
	dk *kindStore[registry.WebhookDelivery]
}

var deliverySorts = map[string]sortSpec[registry.WebhookDelivery]{
	"CREATED": timeSort("createdAt", true, func(d *registry.WebhookDelivery) time.Time { return d.CreatedAt }),
}

func newWebhookStore(s *Store) *webhookStore {
	k := newKind(s, s.webhooksC, "", func(w *registry.Webhook) (*string, *int64) { return &w.ID, &w.Rev }, nil)
	k.target = "webhook"
	dk := newKind(s, s.deliveriesC, "", func(d *registry.WebhookDelivery) (*string, *int64) { return &d.ID, &d.Rev },
		func(d *registry.WebhookDelivery) bson.D {
			return bson.D{{Key: "webhookId", Value: d.WebhookID}, {Key: "noticeId", Value: d.NoticeID}}
		})
	dk.target = "delivery"
	return &webhookStore{k: k, dk: dk}
}

// Webhook writes are audited but take no change number: they run the write
// protocol without a change entry.

func (st *webhookStore) Create(ctx context.Context, w *registry.Webhook, ev *registry.AuditEvent) error {
	return st.k.create(ctx, w, ev)
}

func (st *webhookStore) Get(ctx context.Context, id string) (registry.Webhook, error) {
	return st.k.get(ctx, id)
}

func (st *webhookStore) Update(ctx context.Context, w *registry.Webhook, ev *registry.AuditEvent) error {
	return st.k.update(ctx, w, ev)
}

func (st *webhookStore) Delete(ctx context.Context, id string, rev int64, ev *registry.AuditEvent) error {
	return st.k.delete(ctx, id, rev, ev)
}

// ListByEntity lists the entity's webhooks, oldest first.
func (st *webhookStore) ListByEntity(ctx context.Context, entityNIT string) ([]registry.Webhook, error) {
	return st.k.all(ctx, bson.D{{Key: "entityNit", Value: entityNIT}}, bson.D{{Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}})
}

// UpsertDelivery creates (Rev 0) or updates (Rev must match) a delivery.
func (st *webhookStore) UpsertDelivery(ctx context.Context, d *registry.WebhookDelivery) error {
	if d.Rev == 0 {
		return st.dk.insertPlain(ctx, d)
	}
	return st.dk.replacePlain(ctx, d)
}

// DueDeliveries lists deliveries due at or before now, soonest first.
func (st *webhookStore) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]registry.WebhookDelivery, error) {
	if limit <= 0 {
		limit = registry.MaxPageSize
	}
	s := st.dk.s
	cur, err := s.deliveriesC.Find(ctx, bson.D{{Key: "nextTryAt", Value: bson.D{{Key: "$lte", Value: now.UTC()}}}},
		options.Find().SetSort(bson.D{{Key: "nextTryAt", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, err
	}
	out := []registry.WebhookDelivery{}
	return out, cur.All(ctx, &out)
}

// ListDeliveries lists a webhook's deliveries, newest first.
func (st *webhookStore) ListDeliveries(ctx context.Context, webhookID string, p registry.Page) (registry.List[registry.WebhookDelivery], error) {
	return st.dk.page(ctx, bson.D{{Key: "webhookId", Value: webhookID}}, deliverySorts, "", "CREATED", p)
}

type sessionStore struct{ s *Store }

type sessionDoc struct {
	MID              string `bson:"_id"`
	registry.Session `bson:",inline"`
}

func (st *sessionStore) Create(ctx context.Context, se *registry.Session) error {
	_, err := st.s.insertOne(ctx, st.s.sessionsC, sessionDoc{MID: se.ID, Session: *se})
	if isDup(err) {
		return fmt.Errorf("%w: session exists", registry.ErrConflict)
	}
	return err
}

func (st *sessionStore) Get(ctx context.Context, id string) (registry.Session, error) {
	var d sessionDoc
	err := st.s.sessionsC.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return registry.Session{}, fmt.Errorf("%w: session", registry.ErrNotFound)
	}
	return d.Session, err
}

func (st *sessionStore) Touch(ctx context.Context, id string, at time.Time) error {
	res, err := st.s.updateOne(ctx, st.s.sessionsC, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "lastSeenAt", Value: at.UTC()}}}})
	if err == nil && res.MatchedCount == 0 {
		err = fmt.Errorf("%w: session", registry.ErrNotFound)
	}
	return err
}

func (st *sessionStore) Delete(ctx context.Context, id string) error {
	_, err := st.s.deleteOne(ctx, st.s.sessionsC, bson.D{{Key: "_id", Value: id}})
	return err
}

// DeleteExpired removes the sessions that expire before the given time.
func (st *sessionStore) DeleteExpired(ctx context.Context, before time.Time) (int64, error) {
	res, err := st.s.deleteMany(ctx, st.s.sessionsC, bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$lt", Value: before.UTC()}}}})
	if err != nil {
		return 0, err
	}
	return res.DeletedCount, nil
}
