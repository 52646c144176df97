package sqlite

import (
	"context"
	"time"

	"github.com/acervo-co/acervo/registry"
)

type users struct {
	s     *Store
	tb    *table[registry.User]
	sorts map[string]sortSpec
}

func newUsers(s *Store) *users {
	tb := (&table[registry.User]{
		name: "users", kind: registry.KindUser,
		cols: []string{"username", "oidc_subject"},
		vals: func(u *registry.User) []any { return []any{u.Username, u.OIDCSubject} },
		meta: func(u *registry.User) (*string, *int64) { return &u.ID, &u.Rev },
		born: func(u *registry.User) time.Time { return u.CreatedAt },
	}).init()
	return &users{s: s, tb: tb, sorts: map[string]sortSpec{"USERNAME": {col: "username", key: 's'}}}
}

func (st *users) Create(ctx context.Context, u *registry.User, ev *registry.AuditEvent) error {
	return st.s.write(ctx, func(tx *wtx) error { return st.tb.insert(tx, u, ev) })
}

func (st *users) Get(ctx context.Context, id string) (registry.User, error) {
	return st.tb.get(ctx, st.s.r, "id", id)
}

func (st *users) GetByUsername(ctx context.Context, username string) (registry.User, error) {
	return st.tb.get(ctx, st.s.r, "username", username)
}

func (st *users) GetByOIDCSubject(ctx context.Context, subject string) (registry.User, error) {
	if subject == "" {
		return registry.User{}, registry.ErrNotFound
	}
	return first(all[registry.User](ctx, st.s.r, `SELECT doc FROM users WHERE oidc_subject = ? ORDER BY id LIMIT 1`, subject))
}

func (st *users) Update(ctx context.Context, u *registry.User, ev *registry.AuditEvent) error {
	return st.s.write(ctx, func(tx *wtx) error { return st.tb.update(tx, u, ev) })
}

func (st *users) Delete(ctx context.Context, id string, rev int64, ev *registry.AuditEvent) error {
	return st.s.write(ctx, func(tx *wtx) error { return st.tb.del(tx, id, rev, ev) })
}

func (st *users) List(ctx context.Context, p registry.Page) (registry.List[registry.User], error) {
	return list[registry.User](ctx, st.s, listing{table: "users", sorts: st.sorts, def: "USERNAME", page: p})
}

type tokens struct {
	s  *Store
	tb *table[registry.Token]
}

func newTokens(s *Store) *tokens {
	tb := (&table[registry.Token]{
		name: "tokens", kind: registry.KindToken,
		cols: []string{"hash", "user_id", "created"},
		vals: func(t *registry.Token) []any { return []any{t.Hash, t.UserID, tkey(t.CreatedAt)} },
		meta: func(t *registry.Token) (*string, *int64) { return &t.ID, &t.Rev },
		born: func(t *registry.Token) time.Time { return t.CreatedAt },
	}).init()
	return &tokens{s: s, tb: tb}
}

func (st *tokens) Create(ctx context.Context, t *registry.Token, ev *registry.AuditEvent) error {
	return st.s.write(ctx, func(tx *wtx) error { return st.tb.insert(tx, t, ev) })
}

func (st *tokens) Get(ctx context.Context, id string) (registry.Token, error) {
	return st.tb.get(ctx, st.s.r, "id", id)
}

func (st *tokens) GetByHash(ctx context.Context, hash string) (registry.Token, error) {
	return st.tb.get(ctx, st.s.r, "hash", hash)
}

func (st *tokens) Update(ctx context.Context, t *registry.Token, ev *registry.AuditEvent) error {
	return st.s.write(ctx, func(tx *wtx) error { return st.tb.update(tx, t, ev) })
}

func (st *tokens) ListByUser(ctx context.Context, userID string) ([]registry.Token, error) {
	return all[registry.Token](ctx, st.s.r, `SELECT doc FROM tokens WHERE user_id = ? ORDER BY created DESC, id DESC`, userID)
}

type sessions struct {
	s *Store
}

func (st *sessions) Create(ctx context.Context, se *registry.Session) error {
	doc, err := marshal(se)
	if err != nil {
		return err
	}
	return st.s.write(ctx, func(tx *wtx) error {
		_, err := tx.exec(`INSERT INTO sessions (id, user_id, expires, doc) VALUES (?, ?, ?, ?)`, se.ID, se.UserID, tkey(se.ExpiresAt), doc)
		return err
	})
}

func (st *sessions) Get(ctx context.Context, id string) (registry.Session, error) {
	return first(all[registry.Session](ctx, st.s.r, `SELECT doc FROM sessions WHERE id = ?`, id))
}

func (st *sessions) Touch(ctx context.Context, id string, at time.Time) error {
	return st.s.write(ctx, func(tx *wtx) error {
		se, err := first(all[registry.Session](tx.ctx, tx, `SELECT doc FROM sessions WHERE id = ?`, id))
		if err != nil {
			return err
		}
		se.LastSeenAt = at
		doc, err := marshal(se)
		if err != nil {
			return err
		}
		_, err = tx.exec(`UPDATE sessions SET doc = ? WHERE id = ?`, doc, id)
		return err
	})
}

func (st *sessions) Delete(ctx context.Context, id string) error {
	return st.s.write(ctx, func(tx *wtx) error {
		_, err := tx.exec(`DELETE FROM sessions WHERE id = ?`, id)
		return err
	})
}

func (st *sessions) DeleteExpired(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := st.s.write(ctx, func(tx *wtx) error {
		res, err := tx.exec(`DELETE FROM sessions WHERE expires < ?`, tkey(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
