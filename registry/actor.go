package registry

import "context"

// Actor is who performs a call: an anonymous reader (the zero Actor), a
// signed-in user, a user through an API token, or the system itself
// (scheduler, importer run by the operator, matcher).
type Actor struct {
	UserID   string
	Username string
	TokenID  string
	Grants   []Grant
	System   string // non-empty for system actors: "sync", "import", "link", "cli"
}

// Anonymous reports a reader who is not signed in.
func (a Actor) Anonymous() bool { return a.UserID == "" && a.System == "" }

// IsAdmin reports an administrator or the system.
func (a Actor) IsAdmin() bool {
	if a.System != "" {
		return true
	}
	for _, g := range a.Grants {
		if g.Role == RoleAdmin {
			return true
		}
	}
	return false
}

// Has reports whether the actor holds one of roles for the entity (admins
// and the system hold every role).
func (a Actor) Has(entityNIT string, roles ...Role) bool {
	if a.IsAdmin() {
		return true
	}
	for _, g := range a.Grants {
		if g.EntityNIT == "" || g.EntityNIT != entityNIT {
			continue
		}
		for _, r := range roles {
			if g.Role == r {
				return true
			}
		}
	}
	return false
}

// Entities lists the entities where the actor holds one of roles.
func (a Actor) Entities(roles ...Role) []string {
	var out []string
	seen := map[string]bool{}
	for _, g := range a.Grants {
		for _, r := range roles {
			if g.Role == r && g.EntityNIT != "" && !seen[g.EntityNIT] {
				seen[g.EntityNIT] = true
				out = append(out, g.EntityNIT)
			}
		}
	}
	return out
}

// ID is the actor's identifier in audit events.
func (a Actor) ID() string {
	switch {
	case a.UserID != "":
		return a.UserID
	case a.System != "":
		return "system:" + a.System
	}
	return "anonymous"
}

// SystemActor is the actor of work Acervo does by itself.
func SystemActor(name string) Actor { return Actor{System: name} }

type actorKey struct{}
type requestIDKey struct{}

// WithActor returns a context carrying the actor.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the context's actor (anonymous when none).
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}

// WithRequestID returns a context carrying the request id recorded in audit events.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestIDFrom returns the context's request id.
func RequestIDFrom(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey{}).(string)
	return s
}
