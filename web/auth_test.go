package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func sessionCookie(t *testing.T, res *http.Response, name string) *http.Cookie {
	t.Helper()
	for _, c := range res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no %s cookie in %v", name, res.Header["Set-Cookie"])
	return nil
}

func TestSessionCookieAttributes(t *testing.T) {
	for _, tt := range []struct {
		secure bool
		name   string
	}{
		{false, "acervo_sesion"},
		{true, "__Host-acervo_sesion"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, fixtureOpts{secure: tt.secure, noIdx: true})
			res := f.post(t, f.client(t), "/ingresar", url.Values{"usuario": {cioUser}, "clave": {testPass}, "volver": {"/tablero"}})
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/tablero" {
				t.Fatalf("sign-in: %d → %q", res.StatusCode, res.Header.Get("Location"))
			}
			c := sessionCookie(t, res, tt.name)
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" || c.Secure != tt.secure {
				t.Errorf("cookie attributes: %+v", c)
			}
			if len(c.Value) < 43 {
				t.Errorf("session id %q has less than 256 bits", c.Value)
			}
			if c.MaxAge != int((8 * time.Hour).Seconds()) {
				t.Errorf("Max-Age %d, want 8 h", c.MaxAge)
			}
		})
	}
}

// TestSessionLifetime: a session ends after 30 minutes without requests and
// 8 hours after sign-in, however busy; each sign-in gets a new id and
// sign-out deletes the session on the server.
func TestSessionLifetime(t *testing.T) {
	f := newFixture(t, fixtureOpts{noIdx: true})
	signedIn := func(c *http.Client) bool {
		res, _ := get(t, c, f.srv.URL+"/admin/tokens")
		return res.StatusCode == http.StatusOK
	}

	t.Run("idle", func(t *testing.T) {
		c := f.client(t)
		f.signIn(t, c, cioUser)
		f.clock.Add(29 * time.Minute)
		if !signedIn(c) {
			t.Fatal("signed out after 29 idle minutes")
		}
		f.clock.Add(29 * time.Minute) // 29 min after the last request
		if !signedIn(c) {
			t.Fatal("the last request did not renew the idle time")
		}
		f.clock.Add(31 * time.Minute)
		if signedIn(c) {
			t.Fatal("still signed in after 31 idle minutes")
		}
	})

	t.Run("absolute", func(t *testing.T) {
		c := f.client(t)
		f.signIn(t, c, cioUser)
		for elapsed := time.Duration(0); elapsed < 8*time.Hour-20*time.Minute; elapsed += 20 * time.Minute {
			f.clock.Add(20 * time.Minute)
			if !signedIn(c) {
				t.Fatalf("signed out after %v of activity", elapsed+20*time.Minute)
			}
		}
		f.clock.Add(20 * time.Minute)
		if signedIn(c) {
			t.Fatal("still signed in past 8 hours")
		}
	})

	t.Run("new id at sign-in, deleted at sign-out", func(t *testing.T) {
		c := f.client(t)
		f.signIn(t, c, cioUser)
		u, _ := url.Parse(f.srv.URL)
		first := c.Jar.Cookies(u)[0].Value
		f.signIn(t, c, adminUser)
		second := c.Jar.Cookies(u)[0].Value
		if first == second {
			t.Fatal("signing in again kept the session id")
		}
		// The old id no longer works.
		old := f.client(t)
		old.Jar.SetCookies(u, []*http.Cookie{{Name: "acervo_sesion", Value: first}})
		if signedIn(old) {
			t.Fatal("the session id of before the second sign-in still works")
		}
		stolen := f.client(t)
		stolen.Jar.SetCookies(u, []*http.Cookie{{Name: "acervo_sesion", Value: second}})
		if !signedIn(stolen) {
			t.Fatal("copy of the live session does not work (test set-up)")
		}
		if res := f.post(t, c, "/salir", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-out: %d", res.StatusCode)
		}
		if signedIn(stolen) {
			t.Fatal("the session still works on the server after sign-out")
		}
	})
}

func TestSignInFailuresAndRateLimit(t *testing.T) {
	f := newFixture(t, fixtureOpts{noIdx: true})
	c := f.client(t)
	bad := url.Values{"usuario": {procUser}, "clave": {"no-es-la-clave"}}
	for i := range limitPerUser {
		if res := f.post(t, c, "/ingresar", bad); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d, want 401", i+1, res.StatusCode)
		}
	}
	res := f.post(t, c, "/ingresar", url.Values{"usuario": {procUser}, "clave": {testPass}})
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("after %d failures: status %d, Retry-After %q; want 429", limitPerUser, res.StatusCode, res.Header.Get("Retry-After"))
	}
	// Another account from the same address may still sign in.
	f.signIn(t, f.client(t), cioUser)
	// After the window the right password works again.
	f.clock.Add(limitWindow)
	f.signIn(t, c, procUser)
	// Failures are audited.
	ev, _ := get(t, func() *http.Client { a := f.client(t); f.signIn(t, a, adminUser); return a }(), f.srv.URL+"/admin/auditoria?accion=session.signin_failed")
	if ev.StatusCode != http.StatusOK {
		t.Fatalf("audit page: %d", ev.StatusCode)
	}
}

// TestCrossOriginProtection: unsafe requests from another site are refused
// (net/http.CrossOriginProtection); same-origin ones pass.
func TestCrossOriginProtection(t *testing.T) {
	f := newFixture(t, fixtureOpts{noIdx: true})
	c := f.client(t)
	f.signIn(t, c, cioUser)
	form := url.Values{"entidad": {mintic}, "version": {"v6.0.0"}, "estado": {"PRODUCTION"}}
	for _, tt := range []struct {
		name    string
		headers map[string]string
		status  int
	}{
		{"cross-site", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"same-site", map[string]string{"Sec-Fetch-Site": "same-site"}, http.StatusForbidden},
		{"foreign origin", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{"same-origin", map[string]string{"Sec-Fetch-Site": "same-origin"}, http.StatusSeeOther},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/activos/"+f.orfeo.Slug+"/adopciones", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.status)
			}
		})
	}
}

func TestSafeReturn(t *testing.T) {
	for in, want := range map[string]string{
		"":                       "/",
		"/tablero":               "/tablero",
		"/activos/x?y=1#z":       "/activos/x?y=1#z",
		"//evil.example/":        "/",
		"/\\evil.example":        "/",
		"https://evil.example/":  "/",
		"javascript:alert(1)":    "/",
		"/ingresar?volver=/x":    "/ingresar?volver=/x",
		"tablero":                "/",
		"/%2F%2Fevil.example/ok": "/%2F%2Fevil.example/ok",
	} {
		if got := safeReturn(in); got != want {
			t.Errorf("safeReturn(%q) = %q, want %q", in, got, want)
		}
	}
}
