package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/acervo-co/acervo/registry"
)

// roleList is the repeated --role ROLE:NIT flag.
type roleList []registry.Grant

func (r *roleList) String() string { return fmt.Sprint(*r) }
func (r *roleList) Set(v string) error {
	role, nit, _ := strings.Cut(v, ":")
	g := registry.Grant{Role: registry.Role(strings.ToLower(strings.TrimSpace(role)))}
	if nit != "" {
		n, _, err := registry.ParseNIT(nit, false)
		if err != nil {
			return err
		}
		g.EntityNIT = n
	}
	*r = append(*r, g)
	return nil
}

// cliSetup opens the store for an administrative command run by the operator.
func cliSetup(ctx context.Context, sf storeFlags, getenv func(string) string, stderr io.Writer) (*registry.Service, func(), int) {
	log := newLogger(stderr, getenv)
	st, err := openStore(ctx, sf, log)
	if err != nil {
		fmt.Fprintf(stderr, "acervo: %v\n", trimSetup(err))
		return nil, nil, 2
	}
	return newService(st, log), func() { st.Close() }, 0
}

// reportErr prints a Service error in one line and returns the exit status.
func reportErr(stderr io.Writer, what string, err error) int {
	if fields := registry.FieldsOf(err); len(fields) > 0 {
		for _, f := range fields {
			fmt.Fprintf(stderr, "acervo: %s: %s: %s\n", what, f.Field, f.Message)
		}
		return 1
	}
	switch {
	case errors.Is(err, registry.ErrConflict):
		fmt.Fprintf(stderr, "acervo: %s: already exists or was changed meanwhile\n", what)
		return 1
	case errors.Is(err, registry.ErrNotFound):
		fmt.Fprintf(stderr, "acervo: %s: not found\n", what)
		return 1
	}
	fmt.Fprintf(stderr, "acervo: %s: %v\n", what, err)
	return 1
}

func cmdUser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "add" && args[0] != "list" && args[0] != "grant") {
		fmt.Fprintln(stderr, "usage: acervo user add USERNAME [--admin] [--role ROLE:NIT ...] [--name NAME] [--email EMAIL] [--password-stdin]\n       acervo user grant USERNAME [--admin] [--role ROLE:NIT ...]\n       acervo user list")
		return 2
	}
	sub := args[0]
	var sf storeFlags
	var roles roleList
	var admin, pwStdin bool
	var name, email string
	fs := newFlags("user "+sub, stderr)
	sf.register(fs)
	fs.Var(&roles, "role", "role for an entity, ROLE:NIT (cio, procurement, editor); repeatable")
	fs.BoolVar(&admin, "admin", false, "make the user an administrator")
	fs.BoolVar(&pwStdin, "password-stdin", false, "read the password from the first line of standard input")
	fs.StringVar(&name, "name", "", "display name")
	fs.StringVar(&email, "email", "", "e-mail address")
	var rest []string
	if sub != "list" {
		if len(args) < 2 || strings.HasPrefix(args[1], "-") {
			fmt.Fprintf(stderr, "acervo user %s: give the USERNAME first\n", sub)
			return 2
		}
		rest = args[2:]
	} else {
		rest = args[1:]
	}
	if err := parseFlags(fs, rest, getenv); err != nil {
		return 2
	}
	if admin {
		roles = append(roles, registry.Grant{Role: registry.RoleAdmin})
	}
	svc, closeFn, code := cliSetup(ctx, sf, getenv, stderr)
	if code != 0 {
		return code
	}
	defer closeFn()
	ctx = registry.WithActor(ctx, registry.SystemActor("cli"))
	switch sub {
	case "list":
		page := registry.Page{First: 100}
		for {
			l, err := svc.Store().Users().List(ctx, page)
			if err != nil {
				return reportErr(stderr, "user list", err)
			}
			for _, u := range l.Items {
				fmt.Fprintf(stdout, "%s\t%s\t%s\n", u.Username, u.DisplayName, grantsString(u.Grants))
			}
			if !l.PageInfo.HasNextPage {
				return 0
			}
			page.After = l.PageInfo.EndCursor
		}
	case "grant":
		u, err := svc.Store().Users().GetByUsername(ctx, strings.ToLower(args[1]))
		if err != nil {
			return reportErr(stderr, "user grant", err)
		}
		u, err = svc.SetGrants(ctx, u.ID, append(u.Grants, roles...))
		if err != nil {
			return reportErr(stderr, "user grant", err)
		}
		fmt.Fprintf(stdout, "%s\t%s\n", u.Username, grantsString(u.Grants))
		return 0
	}
	pw := ""
	generated := false
	if pwStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			fmt.Fprintln(stderr, "acervo user add: no password on standard input")
			return 2
		}
		pw = strings.TrimRight(line, "\r\n")
	} else {
		pw, generated = randomPassword(), true
	}
	u := &registry.User{Username: args[1], DisplayName: name, Email: email, Grants: roles}
	if err := svc.CreateUser(ctx, u, pw); err != nil {
		return reportErr(stderr, "user add "+args[1], err)
	}
	fmt.Fprintf(stdout, "created user %s %s\n", u.Username, grantsString(u.Grants))
	if generated {
		fmt.Fprintf(stdout, "password (shown once): %s\n", pw)
	}
	return 0
}

func grantsString(gs []registry.Grant) string {
	parts := make([]string, 0, len(gs))
	for _, g := range gs {
		if g.EntityNIT == "" {
			parts = append(parts, string(g.Role))
		} else {
			parts = append(parts, string(g.Role)+":"+g.EntityNIT)
		}
	}
	return strings.Join(parts, ",")
}

func randomPassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func cmdToken(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "create" && args[0] != "list" && args[0] != "revoke") {
		fmt.Fprintln(stderr, "usage: acervo token create --user USERNAME --name NAME [--expires 90d] [--json]\n       acervo token list --user USERNAME [--json]\n       acervo token revoke TOKEN_ID")
		return 2
	}
	sub := args[0]
	var sf storeFlags
	var username, name, expires string
	var asJSON bool
	fs := newFlags("token "+sub, stderr)
	sf.register(fs)
	fs.StringVar(&username, "user", "", "the token's user")
	fs.StringVar(&name, "name", "", "what the token is for")
	fs.StringVar(&expires, "expires", "90d", "lifetime: days (90d) or a Go duration; at most 365d")
	fs.BoolVar(&asJSON, "json", false, "print JSON")
	rest := args[1:]
	var id string
	if sub == "revoke" {
		if len(rest) == 0 || strings.HasPrefix(rest[0], "-") {
			fmt.Fprintln(stderr, "acervo token revoke: give the TOKEN_ID")
			return 2
		}
		id, rest = rest[0], rest[1:]
	}
	if err := parseFlags(fs, rest, getenv); err != nil {
		return 2
	}
	ttl, err := parseLifetime(expires)
	if err != nil {
		fmt.Fprintf(stderr, "acervo token: --expires: %v\n", err)
		return 2
	}
	if sub != "revoke" && username == "" {
		fmt.Fprintf(stderr, "acervo token %s: --user is required\n", sub)
		return 2
	}
	svc, closeFn, code := cliSetup(ctx, sf, getenv, stderr)
	if code != 0 {
		return code
	}
	defer closeFn()
	ctx = registry.WithActor(ctx, registry.SystemActor("cli"))
	var u registry.User
	if username != "" {
		if u, err = svc.Store().Users().GetByUsername(ctx, strings.ToLower(username)); err != nil {
			return reportErr(stderr, "user "+username, err)
		}
	}
	enc := json.NewEncoder(stdout)
	switch sub {
	case "create":
		plain, t, err := svc.CreateToken(ctx, u.ID, name, ttl)
		if err != nil {
			return reportErr(stderr, "token create", err)
		}
		if asJSON {
			enc.Encode(map[string]any{"id": t.ID, "token": plain, "expiresAt": t.ExpiresAt})
		} else {
			fmt.Fprintf(stdout, "token %s for %s, expires %s\n%s\n(shown once: store it now)\n", t.ID, u.Username, t.ExpiresAt.Format("2006-01-02"), plain)
		}
	case "list":
		ts, err := svc.Tokens(ctx, u.ID)
		if err != nil {
			return reportErr(stderr, "token list", err)
		}
		for _, t := range ts {
			state := "active"
			switch {
			case t.RevokedAt != nil:
				state = "revoked"
			case svc.Now().After(t.ExpiresAt):
				state = "expired"
			}
			if asJSON {
				enc.Encode(map[string]any{"id": t.ID, "name": t.Name, "lastEight": t.LastEight, "state": state, "expiresAt": t.ExpiresAt, "lastUsedAt": t.LastUsedAt})
			} else {
				fmt.Fprintf(stdout, "%s\t%s\t…%s\t%s\texpires %s\n", t.ID, t.Name, t.LastEight, state, t.ExpiresAt.Format("2006-01-02"))
			}
		}
	case "revoke":
		t, err := svc.RevokeToken(ctx, id)
		if err != nil {
			return reportErr(stderr, "token revoke "+id, err)
		}
		fmt.Fprintf(stdout, "revoked token %s (%s)\n", t.ID, t.Name)
	}
	return 0
}

func parseLifetime(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("%q is not a number of days", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}
