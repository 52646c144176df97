package registrytest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/acervo-co/acervo/registry"
)

func userTests() []subtest {
	return []subtest{
		{"CRUD", testUserCRUD},
		{"List", testUserList},
	}
}

func tokenTests() []subtest {
	return []subtest{{"CRUD", testTokenCRUD}}
}

func newUser(id, username string, minute int) *registry.User {
	return &registry.User{
		ID: id, Username: username, DisplayName: "Usuaria " + username, Email: username + "@example.gov.co",
		PasswordHash: "$argon2id$v=19$m=65536,t=1,p=2$c2FsdA$aGFzaA",
		Grants:       []registry.Grant{{Role: registry.RoleCIO, EntityNIT: "899999053"}},
		CreatedAt:    at(minute), UpdatedAt: at(minute),
	}
}

func testUserCRUD(t *testing.T, s registry.Store) {
	ctx := t.Context()
	us := s.Users()
	seq := lastSeq(t, s)
	u := newUser("", "maria", 1)
	u.OIDCSubject = "oidc|123"
	ok(t, us.Create(ctx, u, event("user.create", registry.KindUser, "")), "Create")
	if u.ID == "" || u.Rev != 1 {
		t.Fatalf("Create: id %q rev %d", u.ID, u.Rev)
	}
	seq = oneChange(t, s, seq, registry.KindUser, u.ID, false)
	audited(t, s, u.ID, "user.create", 1)
	for name, get := range map[string]func() (registry.User, error){
		"Get":              func() (registry.User, error) { return us.Get(ctx, u.ID) },
		"GetByUsername":    func() (registry.User, error) { return us.GetByUsername(ctx, "maria") },
		"GetByOIDCSubject": func() (registry.User, error) { return us.GetByOIDCSubject(ctx, "oidc|123") },
	} {
		got, err := get()
		ok(t, err, "%s", name)
		same(t, name, u, got)
	}
	_, err := us.GetByUsername(ctx, "pedro")
	wantErr(t, err, registry.ErrNotFound, "GetByUsername(missing)")
	_, err = us.GetByOIDCSubject(ctx, "oidc|999")
	wantErr(t, err, registry.ErrNotFound, "GetByOIDCSubject(missing)")
	_, err = us.GetByOIDCSubject(ctx, "")
	wantErr(t, err, registry.ErrNotFound, "GetByOIDCSubject(empty)")
	wantErr(t, us.Create(ctx, newUser("other", "maria", 2), nil), registry.ErrConflict, "Create with a taken username")
	noChange(t, s, seq)

	upd := *u
	upd.Grants = append(upd.Grants, registry.Grant{Role: registry.RoleAdmin})
	upd.Disabled = true
	ok(t, us.Update(ctx, &upd, event("user.update", registry.KindUser, u.ID)), "Update")
	if upd.Rev != 2 {
		t.Fatalf("Update: rev %d", upd.Rev)
	}
	seq = oneChange(t, s, seq, registry.KindUser, u.ID, false)
	got, _ := us.Get(ctx, u.ID)
	same(t, "after Update", upd, got)
	wantErr(t, us.Update(ctx, u, nil), registry.ErrConflict, "Update with stale rev")
	p := newUser("u-pedro", "pedro", 3)
	ok(t, us.Create(ctx, p, nil), "Create pedro")
	seq = oneChange(t, s, seq, registry.KindUser, p.ID, false)
	p.Username = "maria"
	wantErr(t, us.Update(ctx, p, nil), registry.ErrConflict, "Update to a taken username")
	wantErr(t, us.Delete(ctx, u.ID, 1, nil), registry.ErrConflict, "Delete with stale rev")
	noChange(t, s, seq)
	ok(t, us.Delete(ctx, u.ID, 2, event("user.delete", registry.KindUser, u.ID)), "Delete")
	oneChange(t, s, seq, registry.KindUser, u.ID, true)
	_, err = us.GetByUsername(ctx, "maria")
	wantErr(t, err, registry.ErrNotFound, "GetByUsername after Delete")
	wantErr(t, us.Delete(ctx, u.ID, 0, nil), registry.ErrNotFound, "Delete twice")
}

func testUserList(t *testing.T, s registry.Store) {
	var all []registry.User
	for i := range 17 {
		u := newUser(fmt.Sprintf("u%02d", 16-i), fmt.Sprintf("user%02d", (i*7)%17), i)
		ok(t, s.Users().Create(t.Context(), u, nil), "Create")
		all = append(all, *u)
	}
	runListCases(t, all, func(u registry.User) string { return u.ID }, []listCase[registry.User]{
		{name: "by username", list: func(ctx contextT, p registry.Page) (registry.List[registry.User], error) {
			return s.Users().List(ctx, p)
		}, less: func(a, b registry.User) bool { return ascStr(a.Username, b.Username, a.ID, b.ID) }},
	})
}

func testTokenCRUD(t *testing.T, s registry.Store) {
	ctx := t.Context()
	ts := s.Tokens()
	seq := lastSeq(t, s)
	var toks []registry.Token
	for i := range 4 {
		tk := &registry.Token{
			ID: fmt.Sprintf("tok%d", i), UserID: []string{"u1", "u2"}[i%2], Name: fmt.Sprintf("ci %d", i),
			Hash: fmt.Sprintf("%064x", i+1), LastEight: fmt.Sprintf("%08d", i), CreatedAt: at(i), ExpiresAt: at(60 * 24 * 90),
		}
		if i == 0 {
			tk.ID = ""
		}
		ok(t, ts.Create(ctx, tk, event("token.create", registry.KindToken, tk.ID)), "Create")
		if tk.ID == "" || tk.Rev != 1 {
			t.Fatalf("Create: id %q rev %d", tk.ID, tk.Rev)
		}
		seq = oneChange(t, s, seq, registry.KindToken, tk.ID, false)
		toks = append(toks, *tk)
	}
	audited(t, s, toks[1].ID, "token.create", 1)
	got, err := ts.GetByHash(ctx, toks[2].Hash)
	ok(t, err, "GetByHash")
	same(t, "GetByHash", toks[2], got)
	got, err = ts.Get(ctx, toks[0].ID)
	ok(t, err, "Get")
	same(t, "Get", toks[0], got)
	_, err = ts.GetByHash(ctx, fmt.Sprintf("%064x", 99))
	wantErr(t, err, registry.ErrNotFound, "GetByHash(missing)")
	_, err = ts.Get(ctx, "missing")
	wantErr(t, err, registry.ErrNotFound, "Get(missing)")
	dup := toks[1]
	dup.ID = "tok-dup"
	wantErr(t, ts.Create(ctx, &dup, nil), registry.ErrConflict, "Create with a taken hash")
	noChange(t, s, seq)

	list, err := ts.ListByUser(ctx, "u2")
	ok(t, err, "ListByUser")
	// Newest first.
	if g := ids(list, func(t registry.Token) string { return t.ID }); !slices.Equal(g, []string{"tok3", "tok1"}) {
		t.Fatalf("ListByUser(u2) = %v, want [tok3 tok1]", g)
	}
	list, err = ts.ListByUser(ctx, "nobody")
	ok(t, err, "ListByUser(nobody)")
	if len(list) != 0 {
		t.Fatalf("ListByUser(nobody) = %d tokens", len(list))
	}

	// Last-used bookkeeping without an event, then revocation with one.
	used := toks[2]
	used.LastUsedAt = ptr(at(30))
	ok(t, ts.Update(ctx, &used, nil), "Update last used")
	if used.Rev != 2 {
		t.Fatalf("Update: rev %d", used.Rev)
	}
	seq = oneChange(t, s, seq, registry.KindToken, used.ID, false)
	audited(t, s, used.ID, "token.create", 1)
	wantErr(t, ts.Update(ctx, &toks[2], nil), registry.ErrConflict, "Update with stale rev")
	used.RevokedAt = ptr(at(31))
	ok(t, ts.Update(ctx, &used, event("token.revoke", registry.KindToken, used.ID)), "revoke")
	oneChange(t, s, seq, registry.KindToken, used.ID, false)
	audited(t, s, used.ID, "token.revoke", 2)
	got, _ = ts.GetByHash(ctx, used.Hash)
	same(t, "revoked token", used, got)
	missing := registry.Token{ID: "nope", UserID: "u1", Hash: "ff", Rev: 1}
	wantErr(t, ts.Update(ctx, &missing, nil), registry.ErrNotFound, "Update(missing)")
}
