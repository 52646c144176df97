package mongo

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/acervo-co/acervo/registry"
)

type userStore struct {
	k     *kindStore[registry.User]
	sorts map[string]sortSpec[registry.User]
}

func newUserStore(s *Store) *userStore {
	k := newKind(s, s.usersC, registry.KindUser,
		func(u *registry.User) (*string, *int64) { return &u.ID, &u.Rev },
		func(u *registry.User) bson.D { return bson.D{{Key: "username", Value: u.Username}} })
	return &userStore{k: k, sorts: map[string]sortSpec[registry.User]{
		"USERNAME": strSort("username", false, func(u *registry.User) string { return u.Username }),
	}}
}

func (st *userStore) Create(ctx context.Context, u *registry.User, ev *registry.AuditEvent) error {
	return st.k.create(ctx, u, ev)
}

func (st *userStore) Get(ctx context.Context, id string) (registry.User, error) {
	return st.k.get(ctx, id)
}

func (st *userStore) GetByUsername(ctx context.Context, username string) (registry.User, error) {
	return st.k.one(ctx, bson.D{{Key: "username", Value: username}})
}

func (st *userStore) GetByOIDCSubject(ctx context.Context, subject string) (registry.User, error) {
	if subject == "" {
		return registry.User{}, fmt.Errorf("%w: user without OIDC subject", registry.ErrNotFound)
	}
	return st.k.one(ctx, bson.D{{Key: "oidcSubject", Value: subject}})
}

func (st *userStore) Update(ctx context.Context, u *registry.User, ev *registry.AuditEvent) error {
	return st.k.update(ctx, u, ev)
}

func (st *userStore) Delete(ctx context.Context, id string, rev int64, ev *registry.AuditEvent) error {
	return st.k.delete(ctx, id, rev, ev)
}

func (st *userStore) List(ctx context.Context, p registry.Page) (registry.List[registry.User], error) {
	return st.k.page(ctx, bson.D{}, st.sorts, "", "USERNAME", p)
}

type tokenStore struct {
	k *kindStore[registry.Token]
}

func newTokenStore(s *Store) *tokenStore {
	return &tokenStore{k: newKind(s, s.tokensC, registry.KindToken,
		func(t *registry.Token) (*string, *int64) { return &t.ID, &t.Rev },
		func(t *registry.Token) bson.D { return bson.D{{Key: "hash", Value: t.Hash}} })}
}

func (st *tokenStore) Create(ctx context.Context, t *registry.Token, ev *registry.AuditEvent) error {
	return st.k.create(ctx, t, ev)
}

func (st *tokenStore) Get(ctx context.Context, id string) (registry.Token, error) {
	return st.k.get(ctx, id)
}

func (st *tokenStore) GetByHash(ctx context.Context, hash string) (registry.Token, error) {
	return st.k.one(ctx, bson.D{{Key: "hash", Value: hash}})
}

func (st *tokenStore) Update(ctx context.Context, t *registry.Token, ev *registry.AuditEvent) error {
	return st.k.update(ctx, t, ev)
}

// ListByUser returns the user's tokens, newest first.
func (st *tokenStore) ListByUser(ctx context.Context, userID string) ([]registry.Token, error) {
	return st.k.all(ctx, bson.D{{Key: "userId", Value: userID}}, keyDesc("createdAt"))
}
