package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/acervo-co/acervo/registry"
)

// OIDCConfig enables sign-in through an OpenID Connect provider (for
// example the Autenticación Digital of the Servicios Ciudadanos Digitales,
// or an entity's own Keycloak). Acervo uses the authorization code flow with
// PKCE (S256), state and nonce; the ID token's signature is checked with the
// provider's JWKS, and iss, aud, exp and nonce are verified. The officer's
// account is found by OIDC subject ("<issuer>|<sub>"), bound beforehand by
// an administrator: roles come from Acervo, never from the token's claims.
type OIDCConfig struct {
	Issuer       string   // e.g. https://idp.example.gov.co/realms/estado
	ClientID     string   // registered with the provider
	ClientSecret string   // empty for a public client (PKCE alone)
	RedirectURL  string   // exact: <BaseURL>/ingresar/oidc/retorno
	Scopes       []string // besides openid; default profile, email
	Label        string   // button text, e.g. "Autenticación Digital"
	// HTTPClient talks to the provider (tests); nil uses a client with a
	// 10-second timeout.
	HTTPClient *http.Client
}

// OIDCSubject is the subject under which an account is bound.
func OIDCSubject(issuer, sub string) string { return strings.TrimSuffix(issuer, "/") + "|" + sub }

type oidcClient struct {
	cfg  OIDCConfig
	http *http.Client

	mu       sync.Mutex
	provider *oidc.Provider // discovered on first use
}

func newOIDCClient(cfg OIDCConfig) (*oidcClient, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errors.New("web: OIDC needs Issuer, ClientID and RedirectURL")
	}
	if cfg.Label == "" {
		cfg.Label = "OpenID Connect"
	}
	c := &oidcClient{cfg: cfg, http: cfg.HTTPClient}
	if c.http == nil {
		c.http = &http.Client{Timeout: 10 * time.Second}
	}
	return c, nil
}

// discover returns the provider, fetching its metadata once.
func (c *oidcClient) discover(ctx context.Context) (*oidc.Provider, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.provider != nil {
		return c.provider, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, c.http), c.cfg.Issuer)
	if err != nil {
		return nil, err
	}
	c.provider = p
	return p, nil
}

func (c *oidcClient) oauth(p *oidc.Provider) *oauth2.Config {
	scopes := append([]string{oidc.ScopeOpenID}, c.cfg.Scopes...)
	if len(c.cfg.Scopes) == 0 {
		scopes = append(scopes, "profile", "email")
	}
	return &oauth2.Config{ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret,
		RedirectURL: c.cfg.RedirectURL, Endpoint: p.Endpoint(), Scopes: scopes}
}

// oidcFlow is what the browser carries between the redirect to the
// provider and the callback (an HttpOnly cookie of 10 minutes).
type oidcFlow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Return   string `json:"r"`
}

func randomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *server) handleOIDCStart(w http.ResponseWriter, r *http.Request) {
	if s.oidc == nil {
		s.renderError(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	p, err := s.oidc.discover(r.Context())
	if err != nil {
		s.log.Warn("web: OIDC discovery", "err", err)
		s.renderError(w, r, http.StatusBadGateway, "error.oidc")
		return
	}
	f := oidcFlow{State: randomString(), Nonce: randomString(), Verifier: oauth2.GenerateVerifier(),
		Return: safeReturn(r.URL.Query().Get("volver"))}
	b, _ := json.Marshal(f)
	http.SetCookie(w, &http.Cookie{Name: s.oidcCookieName(), Value: base64.RawURLEncoding.EncodeToString(b),
		Path: "/", MaxAge: 600, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	u := s.oidc.oauth(p).AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier))
	http.Redirect(w, r, u, http.StatusFound)
}

func (s *server) handleOIDCCallback(w http.ResponseWriter, r *http.Request) {
	if s.oidc == nil {
		s.renderError(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	// The flow cookie is single-use: a replayed callback finds none.
	http.SetCookie(w, &http.Cookie{Name: s.oidcCookieName(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	subject, ret, err := s.oidcVerify(r)
	if err != nil {
		s.log.Warn("web: OIDC sign-in refused", "err", err)
		s.renderError(w, r, http.StatusUnauthorized, "error.oidc")
		return
	}
	token, _, err := s.svc.SignInOIDC(r.Context(), subject)
	if err != nil {
		if errors.Is(err, registry.ErrUnauthenticated) {
			s.renderError(w, r, http.StatusForbidden, "error.oidc_unbound")
			return
		}
		s.fail(w, r, err)
		return
	}
	s.endOldSession(r)
	s.setSessionCookie(w, token)
	http.Redirect(w, r, ret, http.StatusSeeOther)
}

// oidcVerify checks the callback: state against the flow cookie, the code
// exchanged with the PKCE verifier, the ID token's signature, issuer,
// audience, expiry and nonce. It returns the account subject.
func (s *server) oidcVerify(r *http.Request) (subject, ret string, err error) {
	c, err := r.Cookie(s.oidcCookieName())
	if err != nil {
		return "", "", errors.New("no sign-in in progress")
	}
	raw, err := base64.RawURLEncoding.DecodeString(c.Value)
	var f oidcFlow
	if err != nil || json.Unmarshal(raw, &f) != nil || f.State == "" {
		return "", "", errors.New("malformed flow cookie")
	}
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		return "", "", errors.New("provider said " + e)
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(f.State)) != 1 {
		return "", "", errors.New("state mismatch")
	}
	code := q.Get("code")
	if code == "" {
		return "", "", errors.New("no code")
	}
	ctx := oidc.ClientContext(r.Context(), s.oidc.http)
	p, err := s.oidc.discover(ctx)
	if err != nil {
		return "", "", err
	}
	tok, err := s.oidc.oauth(p).Exchange(ctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return "", "", err
	}
	rawID, ok := tok.Extra("id_token").(string)
	if !ok || rawID == "" {
		return "", "", errors.New("no id_token")
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: s.oidc.cfg.ClientID, Now: s.now}).Verify(ctx, rawID)
	if err != nil {
		return "", "", err
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		return "", "", errors.New("nonce mismatch")
	}
	return OIDCSubject(idt.Issuer, idt.Subject), safeReturn(f.Return), nil
}
