package web

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/acervo-co/acervo/registry"
)

// withSession sets the language (and remembers a ?lang= choice in a cookie)
// and resolves the session cookie to the signed-in actor.
func (s *server) withSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang, fromQuery := langFrom(r)
		if fromQuery {
			http.SetCookie(w, &http.Cookie{Name: cookieLang, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
				HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
		}
		ctx := context.WithValue(r.Context(), langKey{}, lang)
		s.maybePurgeSessions()
		if c, err := r.Cookie(s.sessionCookieName()); err == nil && c.Value != "" {
			a, _, err := s.svc.SessionActor(ctx, c.Value)
			switch {
			case err == nil:
				ctx = registry.WithActor(ctx, a)
				ctx = context.WithValue(ctx, sessionTokenKey{}, c.Value)
			case errors.Is(err, registry.ErrUnauthenticated):
				s.clearSessionCookie(w)
			default:
				s.log.Warn("web: reading session", "err", err)
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

type sessionTokenKey struct{}

// sessionPurgeEvery is how often expired sessions are deleted (on the back
// of a request, in the background).
const sessionPurgeEvery = 10 * time.Minute

func (s *server) maybePurgeSessions() {
	now := s.now()
	s.purgeMu.Lock()
	due := now.Sub(s.lastPurge) >= sessionPurgeEvery
	if due {
		s.lastPurge = now
	}
	s.purgeMu.Unlock()
	if !due {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if n, err := s.svc.PurgeSessions(ctx); err != nil {
			s.log.Warn("web: purging sessions", "err", err)
		} else if n > 0 {
			s.log.Info("web: purged expired sessions", "count", n)
		}
	}()
}

func (s *server) setSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: s.sessionCookieName(), Value: token, Path: "/",
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
		MaxAge: int(registry.SessionAbsolute / time.Second)})
}

func (s *server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.sessionCookieName(), Value: "", Path: "/",
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// safeReturn keeps a post-sign-in destination on this site.
func safeReturn(p string) string {
	if p == "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return "/"
	}
	if u, err := url.Parse(p); err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return p
}

type signInData struct {
	Username string
	Return   string
	Failed   bool
	Limited  bool
}

func (s *server) handleSignInForm(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, s.tr(r, "ingresar.titulo"), "ingresar", crumb{Label: s.tr(r, "ingresar.titulo")})
	v.Data = signInData{Return: safeReturn(r.URL.Query().Get("volver")), Failed: r.URL.Query().Get("error") == "oidc"}
	s.render(w, r, http.StatusOK, "ingresar", v)
}

func (s *server) handleSignIn(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, http.StatusBadRequest, "error.invalid")
		return
	}
	username := strings.ToLower(strings.TrimSpace(r.PostForm.Get("usuario")))
	ret := safeReturn(r.PostForm.Get("volver"))
	ip := clientIP(r)
	data := signInData{Username: username, Return: ret}
	v := s.newView(r, s.tr(r, "ingresar.titulo"), "ingresar", crumb{Label: s.tr(r, "ingresar.titulo")})
	if wait := s.limiter.blocked(ip, username); wait > 0 {
		data.Limited = true
		v.Data = data
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
		s.render(w, r, http.StatusTooManyRequests, "ingresar", v)
		return
	}
	token, _, err := s.svc.SignIn(r.Context(), username, r.PostForm.Get("clave"))
	if err != nil {
		if !errors.Is(err, registry.ErrUnauthenticated) {
			s.fail(w, r, err)
			return
		}
		s.limiter.fail(ip, username)
		data.Failed = true
		v.Data = data
		s.render(w, r, http.StatusUnauthorized, "ingresar", v)
		return
	}
	s.limiter.succeed(ip, username)
	s.endOldSession(r)
	s.setSessionCookie(w, token)
	http.Redirect(w, r, ret, http.StatusSeeOther)
}

// endOldSession deletes the session the browser held before signing in, so
// every sign-in leaves exactly one live session id.
func (s *server) endOldSession(r *http.Request) {
	if c, err := r.Cookie(s.sessionCookieName()); err == nil && c.Value != "" {
		if err := s.svc.SignOut(r.Context(), c.Value); err != nil {
			s.log.Warn("web: ending previous session", "err", err)
		}
	}
}

func (s *server) handleSignOut(w http.ResponseWriter, r *http.Request) {
	if tok, ok := r.Context().Value(sessionTokenKey{}).(string); ok {
		if err := s.svc.SignOut(r.Context(), tok); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.clearSessionCookie(w)
	http.Redirect(w, r, "/?hecho=salida", http.StatusSeeOther)
}

// handlePreferences applies the accessibility bar's buttons (bigger or
// smaller text, contrast) through cookies, so they work without JavaScript.
func (s *server) handlePreferences(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	font := 0
	if c, err := r.Cookie(cookieFont); err == nil {
		font, _ = strconv.Atoi(c.Value)
	}
	set := func(name, value string) {
		http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	}
	switch q.Get("accion") {
	case "mas":
		set(cookieFont, strconv.Itoa(min(font+1, 4)))
	case "menos":
		set(cookieFont, strconv.Itoa(max(font-1, -2)))
	case "contraste":
		val := "1"
		if c, err := r.Cookie(cookieContrast); err == nil && c.Value == "1" {
			val = "0"
		}
		set(cookieContrast, val)
	}
	http.Redirect(w, r, safeReturn(q.Get("volver")), http.StatusSeeOther)
}

// clientIP is the remote address without port (the server is expected
// behind no proxy, or one that rewrites RemoteAddr).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// limiter slows password guessing: at most 5 failures per username and 20
// per client address in 15 minutes; then sign-in waits for the window to
// pass. A success clears the username's count.
type limiter struct {
	now func() time.Time
	mu  sync.Mutex
	hit map[string]*window
}

type window struct {
	start time.Time
	n     int
}

const (
	limitWindow  = 15 * time.Minute
	limitPerUser = 5
	limitPerIP   = 20
)

func newLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, hit: map[string]*window{}}
}

func (l *limiter) count(key string, now time.Time) *window {
	w, ok := l.hit[key]
	if !ok || now.Sub(w.start) >= limitWindow {
		w = &window{start: now}
		l.hit[key] = w
	}
	return w
}

// blocked says how long the caller must wait (0: may try).
func (l *limiter) blocked(ip, user string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.hit) > 100000 { // bounded memory: forget old windows
		for k, w := range l.hit {
			if now.Sub(w.start) >= limitWindow {
				delete(l.hit, k)
			}
		}
	}
	var wait time.Duration
	if w := l.count("ip:"+ip, now); w.n >= limitPerIP {
		wait = max(wait, limitWindow-now.Sub(w.start))
	}
	if w := l.count("user:"+user, now); w.n >= limitPerUser {
		wait = max(wait, limitWindow-now.Sub(w.start))
	}
	return wait
}

func (l *limiter) fail(ip, user string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.count("ip:"+ip, now).n++
	l.count("user:"+user, now).n++
}

func (l *limiter) succeed(_, user string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.hit, "user:"+user)
}
