package sqlite

import (
	"context"
	"errors"
	"time"

	"github.com/acervo-co/acervo/registry"
)

type notices struct {
	s     *Store
	tb    *table[registry.Notice]
	sorts map[string]sortSpec
}

func newNotices(s *Store) *notices {
	tb := (&table[registry.Notice]{
		name: "notices", akind: "notice",
		cols: []string{"entity_nit", "kind", "ref", "unread", "not_emailed", "created"},
		vals: func(n *registry.Notice) []any {
			return []any{n.EntityNIT, n.Kind, n.Ref, b2i(n.ReadAt == nil), b2i(n.EmailedAt == nil), tkey(n.CreatedAt)}
		},
		meta: func(n *registry.Notice) (*string, *int64) { return &n.ID, &n.Rev },
		born: func(n *registry.Notice) time.Time { return n.CreatedAt },
	}).init()
	return &notices{s: s, tb: tb, sorts: map[string]sortSpec{"CREATED": {col: "created", desc: true, key: 'i'}}}
}

func (st *notices) Create(ctx context.Context, n *registry.Notice) (created bool, err error) {
	err = st.s.write(ctx, func(tx *wtx) error {
		_, err := first(all[registry.Notice](tx.ctx, tx, `SELECT doc FROM notices WHERE entity_nit = ? AND kind = ? AND ref = ?`, n.EntityNIT, n.Kind, n.Ref))
		if err == nil {
			return nil
		}
		if !errors.Is(err, registry.ErrNotFound) {
			return err
		}
		created = true
		return st.tb.insert(tx, n, nil)
	})
	if err != nil {
		return false, err
	}
	return created, nil
}

func (st *notices) Get(ctx context.Context, id string) (registry.Notice, error) {
	return st.tb.get(ctx, st.s.r, "id", id)
}

func (st *notices) Update(ctx context.Context, n *registry.Notice) error {
	return st.s.write(ctx, func(tx *wtx) error { return st.tb.update(tx, n, nil) })
}

func (st *notices) List(ctx context.Context, f registry.NoticeFilter) (registry.List[registry.Notice], error) {
	var w where
	w.eq("entity_nit", f.EntityNIT)
	if f.Unread {
		w.add("unread = 1")
	}
	if f.NotEmailed {
		w.add("not_emailed = 1")
	}
	return list[registry.Notice](ctx, st.s, listing{table: "notices", where: w, sorts: st.sorts, def: "CREATED", page: f.Page})
}

type webhooks struct {
	s     *Store
	tb    *table[registry.Webhook]
	dtb   *table[registry.WebhookDelivery]
	sorts map[string]sortSpec
}

func newWebhooks(s *Store) *webhooks {
	tb := (&table[registry.Webhook]{
		name: "webhooks", akind: "webhook",
		cols: []string{"entity_nit", "created"},
		vals: func(w *registry.Webhook) []any { return []any{w.EntityNIT, tkey(w.CreatedAt)} },
		meta: func(w *registry.Webhook) (*string, *int64) { return &w.ID, &w.Rev },
		born: func(w *registry.Webhook) time.Time { return w.CreatedAt },
	}).init()
	dtb := (&table[registry.WebhookDelivery]{
		name: "deliveries", akind: "delivery",
		cols: []string{"webhook_id", "notice_id", "next_try", "created"},
		vals: func(d *registry.WebhookDelivery) []any {
			var next any
			if d.NextTryAt != nil {
				next = tkey(*d.NextTryAt)
			}
			return []any{d.WebhookID, d.NoticeID, next, tkey(d.CreatedAt)}
		},
		meta: func(d *registry.WebhookDelivery) (*string, *int64) { return &d.ID, &d.Rev },
		born: func(d *registry.WebhookDelivery) time.Time { return d.CreatedAt },
	}).init()
	return &webhooks{s: s, tb: tb, dtb: dtb, sorts: map[string]sortSpec{"CREATED": {col: "created", desc: true, key: 'i'}}}
}

func (st *webhooks) Create(ctx context.Context, w *registry.Webhook, ev *registry.AuditEvent) error {
	return st.s.write(ctx, func(tx *wtx) error { return st.tb.insert(tx, w, ev) })
}

func (st *webhooks) Get(ctx context.Context, id string) (registry.Webhook, error) {
	return st.tb.get(ctx, st.s.r, "id", id)
}

func (st *webhooks) Update(ctx context.Context, w *registry.Webhook, ev *registry.AuditEvent) error {
	return st.s.write(ctx, func(tx *wtx) error { return st.tb.update(tx, w, ev) })
}

func (st *webhooks) Delete(ctx context.Context, id string, rev int64, ev *registry.AuditEvent) error {
	return st.s.write(ctx, func(tx *wtx) error { return st.tb.del(tx, id, rev, ev) })
}

func (st *webhooks) ListByEntity(ctx context.Context, entityNIT string) ([]registry.Webhook, error) {
	return all[registry.Webhook](ctx, st.s.r, `SELECT doc FROM webhooks WHERE entity_nit = ? ORDER BY created, id`, entityNIT)
}

func (st *webhooks) UpsertDelivery(ctx context.Context, d *registry.WebhookDelivery) error {
	return st.s.write(ctx, func(tx *wtx) error {
		if d.Rev == 0 {
			return st.dtb.insert(tx, d, nil)
		}
		return st.dtb.update(tx, d, nil)
	})
}

func (st *webhooks) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]registry.WebhookDelivery, error) {
	if limit <= 0 {
		limit = 100
	}
	return all[registry.WebhookDelivery](ctx, st.s.r, `SELECT doc FROM deliveries WHERE next_try IS NOT NULL AND next_try <= ? ORDER BY next_try, id LIMIT ?`, tkey(now), limit)
}

func (st *webhooks) ListDeliveries(ctx context.Context, webhookID string, p registry.Page) (registry.List[registry.WebhookDelivery], error) {
	var w where
	w.eq("webhook_id", webhookID)
	return list[registry.WebhookDelivery](ctx, st.s, listing{table: "deliveries", where: w, sorts: st.sorts, def: "CREATED", page: p})
}
