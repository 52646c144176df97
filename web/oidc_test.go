package web

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/acervo-co/acervo/registry"
)

// fakeIdP is a minimal OpenID Connect provider: discovery, JWKS, an
// authorize endpoint that signs the user in at once, and a token endpoint
// that checks the PKCE verifier and gives each code once. tamper changes
// the ID token's claims (or its signing) for the failure cases.
type fakeIdP struct {
	srv    *httptest.Server
	key    *rsa.PrivateKey
	now    func() time.Time
	sub    string
	mu     sync.Mutex
	codes  map[string]idpCode
	tamper func(claims map[string]any) (alg string)
}

type idpCode struct {
	challenge, nonce, clientID, redirect string
}

func newFakeIdP(t *testing.T, now func() time.Time) *fakeIdP {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &fakeIdP{key: key, now: now, sub: "funcionario-42", codes: map[string]idpCode{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": p.srv.URL, "authorization_endpoint": p.srv.URL + "/authorize", "token_endpoint": p.srv.URL + "/token",
			"jwks_uri": p.srv.URL + "/jwks", "response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"}, "code_challenge_methods_supported": []string{"S256"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" ||
			q.Get("state") == "" || q.Get("nonce") == "" || !strings.Contains(q.Get("scope"), "openid") {
			http.Error(w, "bad authorization request: "+r.URL.RawQuery, http.StatusBadRequest)
			return
		}
		code := randomString()
		p.mu.Lock()
		p.codes[code] = idpCode{challenge: q.Get("code_challenge"), nonce: q.Get("nonce"), clientID: q.Get("client_id"), redirect: q.Get("redirect_uri")}
		p.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?code="+url.QueryEscape(code)+"&state="+url.QueryEscape(q.Get("state")), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		code := r.PostForm.Get("code")
		p.mu.Lock()
		c, ok := p.codes[code]
		delete(p.codes, code) // single use
		p.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if !ok || base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge || r.PostForm.Get("redirect_uri") != c.redirect {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		claims := map[string]any{"iss": p.srv.URL, "sub": p.sub, "aud": c.clientID, "nonce": c.nonce,
			"iat": p.now().Unix(), "exp": p.now().Add(5 * time.Minute).Unix()}
		alg := "RS256"
		if p.tamper != nil {
			alg = p.tamper(claims)
		}
		payload, _ := json.Marshal(claims)
		var tok string
		if alg == "none" {
			hdr := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
			tok = hdr + "." + base64.RawURLEncoding.EncodeToString(payload) + "."
		} else {
			signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: p.key, KeyID: "k1"}}, nil)
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			jws, err := signer.Sign(payload)
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			tok, _ = jws.CompactSerialize()
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": tok})
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// oidcBrowser follows redirects across the IdP and Acervo like a browser
// (with cookies), stopping at Acervo's answer to the callback.
func oidcBrowser(f *fixture) *http.Client {
	c := f.client(nil)
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), f.srv.URL) && req.URL.Path != "/ingresar/oidc/retorno" {
			return http.ErrUseLastResponse
		}
		return nil
	}
	return c
}

func TestOIDCSignIn(t *testing.T) {
	f := newFixture(t, fixtureOpts{oidc: &OIDCConfig{Issuer: "http://pending.invalid", ClientID: "acervo",
		RedirectURL: "http://pending.invalid/cb", Label: "Autenticación Digital"}, noIdx: true})
	clock := f.clock
	idp := newFakeIdP(t, clock.Now)
	f.server.oidc.cfg.Issuer = idp.srv.URL
	f.server.oidc.cfg.RedirectURL = f.srv.URL + "/ingresar/oidc/retorno"
	f.server.oidc.http = idp.srv.Client()
	// Bind an account to the IdP subject.
	sys := registry.WithActor(context.Background(), registry.SystemActor("cli"))
	u := &registry.User{Username: "oidc.cio", OIDCSubject: OIDCSubject(idp.srv.URL, "funcionario-42"),
		Grants: []registry.Grant{{Role: registry.RoleCIO, EntityNIT: mintic}}}
	must(t, f.svc.CreateUser(sys, u, ""), "oidc user")

	start := func(c *http.Client) *http.Response {
		res, err := c.Get(f.srv.URL + "/ingresar/oidc?volver=/tablero")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	tests := []struct {
		name   string
		sub    string
		tamper func(map[string]any) string
		status int
	}{
		{"bound account", "funcionario-42", nil, http.StatusSeeOther},
		{"unbound subject", "otra-persona", nil, http.StatusForbidden},
		{"wrong nonce", "funcionario-42", func(c map[string]any) string { c["nonce"] = "otro"; return "RS256" }, http.StatusUnauthorized},
		{"wrong audience", "funcionario-42", func(c map[string]any) string { c["aud"] = "otro-cliente"; return "RS256" }, http.StatusUnauthorized},
		{"wrong issuer", "funcionario-42", func(c map[string]any) string { c["iss"] = "https://idp.evil.example"; return "RS256" }, http.StatusUnauthorized},
		{"expired", "funcionario-42", func(c map[string]any) string {
			c["exp"] = clock.Now().Add(-time.Hour).Unix()
			c["iat"] = clock.Now().Add(-2 * time.Hour).Unix()
			return "RS256"
		}, http.StatusUnauthorized},
		{"alg none", "funcionario-42", func(map[string]any) string { return "none" }, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idp.sub, idp.tamper = tt.sub, tt.tamper
			c := oidcBrowser(f)
			res := start(c)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.status)
			}
			if tt.status == http.StatusSeeOther {
				if loc := res.Header.Get("Location"); loc != "/tablero" {
					t.Errorf("redirected to %q, want /tablero", loc)
				}
				r, body := get(t, c, f.srv.URL+"/entidades/"+mintic)
				if r.StatusCode != 200 || !strings.Contains(body, "Bandeja de avisos") {
					t.Errorf("signed in through OIDC, the CIO does not see the inbox")
				}
			}
		})
	}

	t.Run("replayed callback", func(t *testing.T) {
		idp.sub, idp.tamper = "funcionario-42", nil
		c := oidcBrowser(f)
		var callback string
		c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
			if req.URL.Path == "/ingresar/oidc/retorno" {
				callback = req.URL.String()
				return http.ErrUseLastResponse
			}
			return nil
		}
		start(c)
		if callback == "" {
			t.Fatal("no callback")
		}
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		if res, _ := get(t, c, callback); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("first callback: %d", res.StatusCode)
		}
		if res, _ := get(t, c, callback); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("replayed callback: %d, want 401", res.StatusCode)
		}
	})

	t.Run("state mismatch", func(t *testing.T) {
		idp.sub, idp.tamper = "funcionario-42", nil
		c := oidcBrowser(f)
		c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
			if req.URL.Path == "/ingresar/oidc/retorno" {
				return http.ErrUseLastResponse
			}
			return nil
		}
		res := start(c) // the IdP's redirect to the callback, not followed
		loc, _ := url.Parse(res.Header.Get("Location"))
		q := loc.Query()
		q.Set("state", "forjado")
		loc.RawQuery = q.Encode()
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		if r, _ := get(t, c, loc.String()); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("forged state: %d, want 401", r.StatusCode)
		}
	})
}
