package registry

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"math/big"
	"regexp"
	"strings"
	"time"
)

// TokenPrefix starts every API token, so scanners can recognise them.
const TokenPrefix = "acv_"

// Token lifetimes.
const (
	DefaultTokenTTL = 90 * 24 * time.Hour
	MaxTokenTTL     = 365 * 24 * time.Hour
)

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{1,63}$`)

var validRoles = map[Role]bool{RoleAdmin: true, RoleCIO: true, RoleProcurement: true, RoleEditor: true}

// ValidateGrants checks roles: admin has no entity; the others need a NIT.
func ValidateGrants(gs []Grant) error {
	var fe fieldErrors
	for _, g := range gs {
		switch {
		case !validRoles[g.Role]:
			fe.add("grants", "unknown role %q", g.Role)
		case g.Role == RoleAdmin && g.EntityNIT != "":
			fe.add("grants", "admin is not given per entity")
		case g.Role != RoleAdmin && !ValidNIT(g.EntityNIT):
			fe.add("grants", "role %s needs an entity NIT", g.Role)
		}
	}
	return fe.err()
}

// CreateUser creates an account with a password (admins and the CLI).
func (s *Service) CreateUser(ctx context.Context, u *User, password string) error {
	if _, err := requireAdmin(ctx); err != nil {
		return err
	}
	u.Username = strings.ToLower(strings.TrimSpace(u.Username))
	var fe fieldErrors
	if !usernameRE.MatchString(u.Username) {
		fe.add("username", "use 2 to 64 lower-case letters, digits, dots, dashes, @ or _")
	}
	if password != "" && len(password) < 12 {
		fe.add("password", "use at least 12 characters")
	}
	if err := fe.err(); err != nil {
		return err
	}
	if err := ValidateGrants(u.Grants); err != nil {
		return err
	}
	if password != "" {
		if s.hasher == nil {
			return errors.New("registry: no password hasher configured")
		}
		h, err := s.hasher.Hash(password)
		if err != nil {
			return err
		}
		u.PasswordHash = h
	}
	now := s.Now()
	u.ID, u.CreatedAt, u.UpdatedAt = NewID(now), now, now
	return s.store.Users().Create(ctx, u, s.audit(ctx, "user.create", KindUser, u.ID, "", nil, u))
}

// SetGrants replaces a user's roles (admins).
func (s *Service) SetGrants(ctx context.Context, userID string, grants []Grant) (User, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return User{}, err
	}
	if err := ValidateGrants(grants); err != nil {
		return User{}, err
	}
	u, err := s.store.Users().Get(ctx, userID)
	if err != nil {
		return User{}, err
	}
	before := u
	u.Grants, u.UpdatedAt = grants, s.Now()
	if err := s.store.Users().Update(ctx, &u, s.audit(ctx, "user.grants", KindUser, u.ID, "", before, u)); err != nil {
		return User{}, err
	}
	return u, nil
}

// Authenticate checks a username and password. It answers
// ErrUnauthenticated for an unknown user, a wrong password or a disabled
// account alike.
func (s *Service) Authenticate(ctx context.Context, username, password string) (User, error) {
	u, err := s.store.Users().GetByUsername(ctx, strings.ToLower(strings.TrimSpace(username)))
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			if s.hasher != nil {
				s.hasher.Verify(dummyHash, password) // same cost as a real check
			}
			return User{}, ErrUnauthenticated
		}
		return User{}, err
	}
	if u.Disabled || u.PasswordHash == "" || s.hasher == nil || !s.hasher.Verify(u.PasswordHash, password) {
		return User{}, ErrUnauthenticated
	}
	return u, nil
}

// dummyHash is verified for unknown users so that timing does not tell
// which usernames exist. It is not the hash of any password.
const dummyHash = "$argon2id$v=19$m=65536,t=1,p=2$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

// ActorFor makes the actor of a signed-in user.
func ActorFor(u User) Actor {
	return Actor{UserID: u.ID, Username: u.Username, Grants: u.Grants}
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func toBase62(b []byte, width int) string {
	n := new(big.Int).SetBytes(b)
	out := make([]byte, 0, width)
	base := big.NewInt(62)
	m := new(big.Int)
	for n.Sign() > 0 {
		n.DivMod(n, base, m)
		out = append(out, base62[m.Int64()])
	}
	for len(out) < width {
		out = append(out, '0')
	}
	return string(out)
}

func tokenChecksum(body string) string {
	c := crc32.ChecksumIEEE([]byte(body))
	return toBase62([]byte{byte(c >> 24), byte(c >> 16), byte(c >> 8), byte(c)}, 6)[:6]
}

// HashToken is the stored form of a token.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// wellFormedToken checks prefix, length and checksum before any lookup.
func wellFormedToken(token string) bool {
	if !strings.HasPrefix(token, TokenPrefix) || len(token) != len(TokenPrefix)+43+6 {
		return false
	}
	body := token[len(TokenPrefix) : len(token)-6]
	return subtle.ConstantTimeCompare([]byte(tokenChecksum(body)), []byte(token[len(token)-6:])) == 1
}

// CreateToken makes an API token for the signed-in user (or, for admins,
// for userID). The plaintext is returned once and never stored.
func (s *Service) CreateToken(ctx context.Context, userID, name string, ttl time.Duration) (plaintext string, t Token, err error) {
	a, err := requireSignedIn(ctx)
	if err != nil {
		return "", Token{}, err
	}
	if userID == "" {
		userID = a.UserID
	}
	if userID != a.UserID && !a.IsAdmin() {
		return "", Token{}, ErrForbidden
	}
	if _, err := s.store.Users().Get(ctx, userID); err != nil {
		return "", Token{}, err
	}
	if strings.TrimSpace(name) == "" {
		return "", Token{}, Invalid("name", "give the token a name")
	}
	if ttl <= 0 {
		ttl = DefaultTokenTTL
	}
	if ttl > MaxTokenTTL {
		return "", Token{}, Invalid("expiresIn", "tokens last at most 365 days")
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", Token{}, err
	}
	body := toBase62(raw, 43)[:43]
	plaintext = TokenPrefix + body + tokenChecksum(body)
	now := s.Now()
	t = Token{ID: NewID(now), UserID: userID, Name: strings.TrimSpace(name), Hash: HashToken(plaintext),
		LastEight: plaintext[len(plaintext)-8:], CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := s.store.Tokens().Create(ctx, &t, s.audit(ctx, "token.create", KindToken, t.ID, "", nil, t)); err != nil {
		return "", Token{}, err
	}
	return plaintext, t, nil
}

// RevokeToken revokes a token of the signed-in user (admins: any token).
func (s *Service) RevokeToken(ctx context.Context, id string) (Token, error) {
	a, err := requireSignedIn(ctx)
	if err != nil {
		return Token{}, err
	}
	t, err := s.store.Tokens().Get(ctx, id)
	if err != nil {
		return Token{}, err
	}
	if t.UserID != a.UserID && !a.IsAdmin() {
		return Token{}, ErrForbidden
	}
	if t.RevokedAt != nil {
		return t, nil
	}
	before := t
	now := s.Now()
	t.RevokedAt = &now
	if err := s.store.Tokens().Update(ctx, &t, s.audit(ctx, "token.revoke", KindToken, t.ID, "", before, t)); err != nil {
		return Token{}, err
	}
	return t, nil
}

// Tokens lists the tokens of a user (their own, or any for admins).
func (s *Service) Tokens(ctx context.Context, userID string) ([]Token, error) {
	a, err := requireSignedIn(ctx)
	if err != nil {
		return nil, err
	}
	if userID == "" {
		userID = a.UserID
	}
	if userID != a.UserID && !a.IsAdmin() {
		return nil, ErrForbidden
	}
	ts, err := s.store.Tokens().ListByUser(ctx, userID)
	for i := range ts {
		ts[i].Hash = ""
	}
	return ts, err
}

// AuthenticateToken resolves an API token to its actor. Malformed tokens are
// refused before any lookup; expired and revoked ones are refused.
func (s *Service) AuthenticateToken(ctx context.Context, token string) (Actor, error) {
	if len(token) > 255 || !wellFormedToken(token) {
		return Actor{}, ErrUnauthenticated
	}
	t, err := s.store.Tokens().GetByHash(ctx, HashToken(token))
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return Actor{}, ErrUnauthenticated
		}
		return Actor{}, err
	}
	now := s.Now()
	if t.RevokedAt != nil || now.After(t.ExpiresAt) {
		return Actor{}, ErrUnauthenticated
	}
	u, err := s.store.Users().Get(ctx, t.UserID)
	if err != nil || u.Disabled {
		return Actor{}, ErrUnauthenticated
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > 30*time.Second {
		t.LastUsedAt = &now
		if err := s.store.Tokens().Update(ctx, &t, nil); err != nil && !errors.Is(err, ErrConflict) {
			s.log.Warn("recording token use", "err", err)
		}
	}
	a := ActorFor(u)
	a.TokenID = t.ID
	return a, nil
}
