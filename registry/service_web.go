package registry

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"time"
)

// Web session lifetimes: an officer's session ends after 30 minutes without
// a request, and 8 hours after sign-in whatever happens (reliability.md T3.5).
const (
	SessionIdle     = 30 * time.Minute
	SessionAbsolute = 8 * time.Hour
	// sessionTouchEvery bounds how often a session's LastSeenAt is written.
	sessionTouchEvery = time.Minute
)

// Sign-in methods recorded in the audit log.
const (
	SignInPassword = "password"
	SignInOIDC     = "oidc"
)

// KindSession is the audit target kind of sign-in and sign-out events.
const KindSession = "session"

// hashSessionToken is the stored id of a session cookie value.
func hashSessionToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// SignIn checks a username and password and opens a new web session. The
// returned token is the cookie value (256 random bits); only its hash is
// stored. Every sign-in makes a new session, so a session id planted before
// sign-in is never promoted.
func (s *Service) SignIn(ctx context.Context, username, password string) (token string, u User, err error) {
	u, err = s.Authenticate(ctx, username, password)
	if err != nil {
		s.auditSignIn(ctx, "session.signin_failed", "", strings.ToLower(strings.TrimSpace(username)), SignInPassword)
		return "", User{}, err
	}
	token, err = s.openSession(ctx, u, SignInPassword)
	return token, u, err
}

// SignInOIDC opens a web session for the account bound to an OIDC subject
// (issuer + "|" + sub). Accounts are bound by an administrator beforehand:
// the identity provider proves who the officer is, Acervo's grants say what
// they may do. An unknown subject is ErrUnauthenticated.
func (s *Service) SignInOIDC(ctx context.Context, subject string) (token string, u User, err error) {
	if strings.TrimSpace(subject) == "" {
		return "", User{}, ErrUnauthenticated
	}
	u, err = s.store.Users().GetByOIDCSubject(ctx, subject)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			s.auditSignIn(ctx, "session.signin_failed", "", subject, SignInOIDC)
			return "", User{}, ErrUnauthenticated
		}
		return "", User{}, err
	}
	if u.Disabled {
		return "", User{}, ErrUnauthenticated
	}
	token, err = s.openSession(ctx, u, SignInOIDC)
	return token, u, err
}

func (s *Service) openSession(ctx context.Context, u User, method string) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	now := s.Now()
	sess := &Session{ID: hashSessionToken(token), UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(SessionAbsolute)}
	if err := s.store.Sessions().Create(ctx, sess); err != nil {
		return "", err
	}
	s.auditSignIn(WithActor(ctx, ActorFor(u)), "session.signin", u.ID, u.Username, method)
	return token, nil
}

func (s *Service) auditSignIn(ctx context.Context, action, userID, username, method string) {
	ev := s.audit(ctx, action, KindSession, userID, "", nil, map[string]string{"username": username, "method": method})
	if err := s.store.Audit().Append(ctx, ev); err != nil {
		s.log.Warn("recording sign-in", "err", err)
	}
}

// SessionActor resolves a session cookie value to the signed-in actor. An
// unknown, idle (30 min) or expired (8 h) session, or a disabled account, is
// ErrUnauthenticated; expired sessions are deleted. The session's last use
// is recorded at most once a minute.
func (s *Service) SessionActor(ctx context.Context, token string) (Actor, Session, error) {
	if token == "" || len(token) > 128 {
		return Actor{}, Session{}, ErrUnauthenticated
	}
	id := hashSessionToken(token)
	sess, err := s.store.Sessions().Get(ctx, id)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return Actor{}, Session{}, ErrUnauthenticated
		}
		return Actor{}, Session{}, err
	}
	now := s.Now()
	if !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) >= SessionIdle {
		if err := s.store.Sessions().Delete(ctx, id); err != nil && !errors.Is(err, ErrNotFound) {
			s.log.Warn("deleting expired session", "err", err)
		}
		return Actor{}, Session{}, ErrUnauthenticated
	}
	u, err := s.store.Users().Get(ctx, sess.UserID)
	if err != nil || u.Disabled {
		return Actor{}, Session{}, ErrUnauthenticated
	}
	if now.Sub(sess.LastSeenAt) >= sessionTouchEvery {
		if err := s.store.Sessions().Touch(ctx, id, now); err != nil {
			s.log.Warn("touching session", "err", err)
		}
		sess.LastSeenAt = now
	}
	return ActorFor(u), sess, nil
}

// SignOut ends the session of a cookie value (no error when it is unknown).
func (s *Service) SignOut(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	id := hashSessionToken(token)
	sess, err := s.store.Sessions().Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := s.store.Sessions().Delete(ctx, id); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if u, err := s.store.Users().Get(ctx, sess.UserID); err == nil {
		s.auditSignIn(WithActor(ctx, ActorFor(u)), "session.signout", u.ID, u.Username, "")
	}
	return nil
}

// PurgeSessions deletes sessions past their absolute expiry (idle ones are
// refused by SessionActor and deleted when next presented); the web server
// runs it periodically.
func (s *Service) PurgeSessions(ctx context.Context) (int64, error) {
	return s.store.Sessions().DeleteExpired(ctx, s.Now())
}

// EntityNotices lists the inbox of an entity (its cio, procurement and
// editor officers, and admins), newest first, with the number of unread
// notices among the first page.
func (s *Service) EntityNotices(ctx context.Context, entityNIT string, p Page) (List[Notice], error) {
	if _, err := require(ctx, entityNIT, RoleCIO, RoleProcurement, RoleEditor); err != nil {
		return List[Notice]{}, err
	}
	if err := p.Validate(); err != nil {
		return List[Notice]{}, err
	}
	return s.store.Notices().List(ctx, NoticeFilter{EntityNIT: entityNIT, Page: p})
}

// ReadNotice marks a notice of the officer's entity as read.
func (s *Service) ReadNotice(ctx context.Context, id string) (Notice, error) {
	n, err := s.store.Notices().Get(ctx, id)
	if err != nil {
		return Notice{}, err
	}
	if _, err := require(ctx, n.EntityNIT, RoleCIO, RoleProcurement, RoleEditor); err != nil {
		return Notice{}, err
	}
	if n.ReadAt != nil {
		return n, nil
	}
	now := s.Now()
	n.ReadAt = &now
	if err := s.store.Notices().Update(ctx, &n); err != nil {
		return Notice{}, err
	}
	return n, nil
}

// EntityWebhooks lists an entity's webhooks (its CIO and admins) without
// their secrets.
func (s *Service) EntityWebhooks(ctx context.Context, entityNIT string) ([]Webhook, error) {
	if _, err := require(ctx, entityNIT, RoleCIO); err != nil {
		return nil, err
	}
	ws, err := s.store.Webhooks().ListByEntity(ctx, entityNIT)
	for i := range ws {
		ws[i].Secret = ""
	}
	return ws, err
}

// CreateEntityWebhook registers an endpoint that receives the entity's
// notices signed with HMAC-SHA-256 (its CIO and admins). The secret is
// returned once, in the result.
func (s *Service) CreateEntityWebhook(ctx context.Context, entityNIT, rawURL string) (Webhook, error) {
	if _, err := require(ctx, entityNIT, RoleCIO); err != nil {
		return Webhook{}, err
	}
	rawURL = strings.TrimSpace(rawURL)
	if !validHTTPURL(rawURL) {
		return Webhook{}, Invalid("url", "give an http or https URL")
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return Webhook{}, err
	}
	now := s.Now()
	w := Webhook{ID: NewID(now), EntityNIT: entityNIT, URL: rawURL, Secret: "whsec_" + hex.EncodeToString(raw),
		Active: true, CreatedAt: now, UpdatedAt: now}
	red := w
	red.Secret = ""
	if err := s.store.Webhooks().Create(ctx, &w, s.audit(ctx, "webhook.create", "webhook", w.ID, entityNIT, nil, red)); err != nil {
		return Webhook{}, err
	}
	return w, nil
}

// DeleteEntityWebhook removes a webhook of the officer's entity.
func (s *Service) DeleteEntityWebhook(ctx context.Context, id string) error {
	w, err := s.store.Webhooks().Get(ctx, id)
	if err != nil {
		return err
	}
	if _, err := require(ctx, w.EntityNIT, RoleCIO); err != nil {
		return err
	}
	red := w
	red.Secret = ""
	return s.store.Webhooks().Delete(ctx, id, w.Rev, s.audit(ctx, "webhook.delete", "webhook", w.ID, w.EntityNIT, red, nil))
}
