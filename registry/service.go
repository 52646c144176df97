package registry

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"time"
)

// PasswordHasher hashes and checks passwords (registry/password implements
// it with argon2id). The registry itself imports no cryptography beyond the
// standard library.
type PasswordHasher interface {
	Hash(password string) (string, error)
	Verify(hash, password string) bool
}

// Service is the single entry point for every write and for reads that
// depend on who is reading. It checks the caller's role, validates, and
// hands the store the audit event that goes with each write.
type Service struct {
	store  Store
	now    func() time.Time
	hasher PasswordHasher
	log    *slog.Logger
	hooks  []func(ctx context.Context, c Change)
	repos  RepositoryChecker // egress policy of mirrors (service_mirror.go)
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithPasswordHasher sets the password hasher.
func WithPasswordHasher(h PasswordHasher) Option { return func(s *Service) { s.hasher = h } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// NewService returns a Service over store.
func NewService(store Store, opts ...Option) *Service {
	s := &Service{store: store, now: time.Now, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Store gives read access to the store for adapters that batch their reads
// (dataloaders, the search index). Writes must go through the Service.
func (s *Service) Store() Store { return s.store }

// Now is the Service's clock.
func (s *Service) Now() time.Time { return s.now().UTC() }

// OnWrite registers a hook called after each successful write made through
// this Service (the search index and the matcher catch up with it; other
// processes' writes are found with Store().Changes).
func (s *Service) OnWrite(fn func(ctx context.Context, c Change)) { s.hooks = append(s.hooks, fn) }

func (s *Service) notify(ctx context.Context, kind, id string, deleted bool) {
	for _, h := range s.hooks {
		h(ctx, Change{Kind: kind, ID: id, Deleted: deleted})
	}
}

// audit builds the audit event of a write by the context's actor.
func (s *Service) audit(ctx context.Context, action, kind, id, entity string, before, after any) *AuditEvent {
	a := ActorFrom(ctx)
	ev := &AuditEvent{
		ID: NewID(s.now()), At: s.Now(), Actor: a.ID(), ActorName: a.Username, TokenID: a.TokenID,
		Action: action, TargetKind: kind, TargetID: id, EntityNIT: entity, RequestID: RequestIDFrom(ctx),
	}
	if before != nil {
		ev.Before = redactJSON(before)
	}
	if after != nil {
		ev.After = redactJSON(after)
	}
	return ev
}

// redactJSON marshals v for the audit log without secrets.
func redactJSON(v any) json.RawMessage {
	switch t := v.(type) {
	case User:
		t.PasswordHash = ""
		v = t
	case *User:
		c := *t
		c.PasswordHash = ""
		v = c
	case Token:
		t.Hash = ""
		v = t
	case *Token:
		c := *t
		c.Hash = ""
		v = c
	case Asset:
		t.Readme = ""
		v = t
	case *Asset:
		c := *t
		c.Readme = ""
		v = c
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

// requireSignedIn refuses anonymous callers.
func requireSignedIn(ctx context.Context) (Actor, error) {
	a := ActorFrom(ctx)
	if a.Anonymous() {
		return a, ErrUnauthenticated
	}
	return a, nil
}

// require refuses callers without one of roles for entity.
func require(ctx context.Context, entityNIT string, roles ...Role) (Actor, error) {
	a, err := requireSignedIn(ctx)
	if err != nil {
		return a, err
	}
	if !a.Has(entityNIT, roles...) {
		return a, ErrForbidden
	}
	return a, nil
}

// requireAdmin refuses callers who are not administrators (or the system).
func requireAdmin(ctx context.Context) (Actor, error) {
	a, err := requireSignedIn(ctx)
	if err != nil {
		return a, err
	}
	if !a.IsAdmin() {
		return a, ErrForbidden
	}
	return a, nil
}

func trimAll(ss []string) []string {
	out := ss[:0:0]
	seen := map[string]bool{}
	for _, s := range ss {
		s = strings.TrimSpace(s)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
