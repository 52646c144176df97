package web

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/acervo-co/acervo/registry"
)

//go:embed all:templates i18n static data
var embedded embed.FS

// Config is what the web interface is built from.
type Config struct {
	// Service answers every read and write.
	Service *registry.Service
	// Searcher runs the catalogue search with facets; nil uses a small
	// built-in scan of the store (fine for a demo, slow at scale).
	Searcher Searcher
	// TextSearcher lets the "antes de comprar" check find prior purchases
	// and assets by text through the search index (the same adapter the
	// matcher gets); nil finds purchases by UNSPSC code and assets by name.
	TextSearcher registry.TextSearcher
	// Logger receives request errors; nil discards.
	Logger *slog.Logger
	// BaseURL is the public URL of this Acervo (clone URLs, OIDC redirect),
	// e.g. https://acervo.gov.co. Empty: taken from each request.
	BaseURL string
	// Secure marks cookies Secure and names the session cookie
	// __Host-acervo_sesion; it needs HTTPS. Without it (plain-HTTP loopback
	// for tests and the demo) the cookie is acervo_sesion.
	Secure bool
	// OIDC enables sign-in through an OpenID Connect provider.
	OIDC *OIDCConfig
	// Now is the clock; nil uses time.Now.
	Now func() time.Time
	// DashboardTTL is how long the dashboard figures are served before they
	// are recomputed in the background (default ten minutes; at the scale
	// of the whole State a computation takes minutes).
	DashboardTTL time.Duration
	// BrandDir is a directory holding the official govco.svg and
	// co-colombia.svg of the GOV.CO design system v5, served instead of
	// the built-in stand-ins (which a deployment under gov.co replaces).
	// Empty: the stand-ins.
	BrandDir string
	// OpenData describes the daily open-data dump whose files the acervo
	// command serves under /datos/; the page /datos lists them. Nil: no
	// page.
	OpenData *OpenData
}

// OpenData is the daily open-data dump, for its page.
type OpenData struct {
	Datasets []OpenDataset
	// Prepare makes sure today's dump exists and returns its day
	// (YYYY-MM-DD, in Bogotá).
	Prepare func(ctx context.Context) (string, error)
}

// OpenDataset is one dataset of the dump: files Name.csv and Name.json.
type OpenDataset struct {
	Name, TitleES, TitleEN string
}

// server holds the web interface's state.
type server struct {
	svc        *registry.Service
	search     Searcher
	text       registry.TextSearcher
	log        *slog.Logger
	now        func() time.Time
	baseURL    string
	secure     bool
	loc        *time.Location
	cats       map[string]catalog
	pages      map[string]map[string]*pageTemplate // lang → name → template
	staticV    string
	staticFS   fs.FS
	geo        *geoMap
	limiter    *limiter
	dash       *dashCache
	oidc       *oidcClient
	readme     *readmeRenderer
	antesCache antesCache
	home       homeCache
	openData   *OpenData
	mux        *http.ServeMux

	purgeMu   sync.Mutex
	lastPurge time.Time
}

// Cookie names.
const (
	cookieLang     = "acervo_lang"
	cookieContrast = "acervo_contraste"
	cookieFont     = "acervo_letra"
)

func (s *server) sessionCookieName() string {
	if s.secure {
		return "__Host-acervo_sesion"
	}
	return "acervo_sesion"
}

func (s *server) oidcCookieName() string {
	if s.secure {
		return "__Host-acervo_oidc"
	}
	return "acervo_oidc"
}

// New builds the web interface's handler. It serves every path it is given:
// mount it at "/" after the API, /git/ and the health routes.
func New(cfg Config) (http.Handler, error) {
	s, err := newServer(cfg)
	if err != nil {
		return nil, err
	}
	return s.handler(), nil
}

func newServer(cfg Config) (*server, error) {
	if cfg.Service == nil {
		return nil, errors.New("web: Config.Service is required")
	}
	s := &server{
		svc: cfg.Service, search: cfg.Searcher, text: cfg.TextSearcher, log: cfg.Logger, now: cfg.Now,
		baseURL: strings.TrimSuffix(cfg.BaseURL, "/"), secure: cfg.Secure, loc: bogotaLocation(), openData: cfg.OpenData,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.search == nil {
		s.search = &scanSearcher{svc: cfg.Service}
	}
	var err error
	if s.cats, err = loadCatalogs(embedded); err != nil {
		return nil, err
	}
	if s.pages, err = s.parseTemplates(); err != nil {
		return nil, err
	}
	if s.staticFS, err = fs.Sub(embedded, "static"); err != nil {
		return nil, err
	}
	if cfg.BrandDir != "" {
		files, err := loadBrand(cfg.BrandDir)
		if err != nil {
			return nil, err
		}
		s.staticFS = overlayFS{FS: s.staticFS, files: files}
	}
	if s.staticV, err = hashFS(s.staticFS); err != nil {
		return nil, err
	}
	if s.geo, err = loadGeo(embedded, "data/co_2018_MGN_DPTO_POLITICO.geojson"); err != nil {
		return nil, err
	}
	s.limiter = newLimiter(s.now)
	s.antesCache.now = s.now
	s.readme = newReadmeRenderer()
	ttl := cfg.DashboardTTL
	if ttl <= 0 {
		ttl = 10 * time.Minute
	}
	s.dash = newDashCache(s, ttl)
	s.dash.peek(context.Background()) // start computing the figures now
	cfg.Service.OnWrite(func(_ context.Context, c registry.Change) {
		s.dash.changed(c.Kind)
		if c.Kind == registry.KindAsset || c.Kind == registry.KindAdoption || c.Kind == registry.KindRelease {
			s.home.drop()
		}
	})
	if cfg.OIDC != nil {
		if s.oidc, err = newOIDCClient(*cfg.OIDC); err != nil {
			return nil, err
		}
	}
	s.routes()
	return s, nil
}

func (s *server) routes() {
	m := http.NewServeMux()
	m.Handle("GET /static/", http.StripPrefix("/static/", s.staticHandler()))
	m.HandleFunc("GET /{$}", s.handleInicio)
	m.HandleFunc("GET /activos/{slug}", s.handleActivo)
	m.HandleFunc("POST /activos/{slug}/adopciones", s.handleRecordAdoption)
	m.HandleFunc("GET /entidades", s.handleEntidades)
	m.HandleFunc("GET /entidades/{nit}", s.handleEntidad)
	m.HandleFunc("POST /entidades/{nit}/avisos/{id}/leido", s.handleNoticeRead)
	m.HandleFunc("POST /entidades/{nit}/webhooks", s.handleWebhookCreate)
	m.HandleFunc("POST /entidades/{nit}/webhooks/{id}/eliminar", s.handleWebhookDelete)
	m.HandleFunc("GET /antes-de-comprar", s.handleAntes)
	m.HandleFunc("GET /antes-de-comprar.csv", s.handleAntesCSV)
	m.HandleFunc("GET /tablero", s.handleTablero)
	m.HandleFunc("GET /tablero/{name}", s.handleTableroCSV)
	m.HandleFunc("GET /admin", s.handleAdmin)
	m.HandleFunc("GET /admin/repositorios", s.handleAdminRepos)
	m.HandleFunc("POST /admin/repositorios", s.handleAdminRepoRegister)
	m.HandleFunc("GET /admin/importaciones", s.handleAdminImports)
	m.HandleFunc("GET /admin/importaciones/{id}", s.handleAdminImport)
	m.HandleFunc("GET /admin/enlaces", s.handleAdminLinks)
	m.HandleFunc("POST /admin/enlaces/{id}", s.handleAdminLinkDecide)
	m.HandleFunc("GET /admin/adopciones", s.handleAdminAdoptions)
	m.HandleFunc("POST /admin/adopciones/{id}/verificar", s.handleAdminAdoptionVerify)
	m.HandleFunc("GET /admin/tokens", s.handleAdminTokens)
	m.HandleFunc("POST /admin/tokens", s.handleAdminTokenCreate)
	m.HandleFunc("POST /admin/tokens/{id}/revocar", s.handleAdminTokenRevoke)
	m.HandleFunc("GET /admin/auditoria", s.handleAdminAudit)
	m.HandleFunc("GET /ingresar", s.handleSignInForm)
	m.HandleFunc("POST /ingresar", s.handleSignIn)
	m.HandleFunc("POST /salir", s.handleSignOut)
	m.HandleFunc("GET /ingresar/oidc", s.handleOIDCStart)
	m.HandleFunc("GET /ingresar/oidc/retorno", s.handleOIDCCallback)
	m.HandleFunc("GET /preferencias", s.handlePreferences)
	m.HandleFunc("GET /info/{name}", s.handleInfo)
	m.HandleFunc("GET /mapa-del-sitio", s.handleSiteMap)
	m.HandleFunc("GET /datos", s.handleDatos)
	m.HandleFunc("/", s.handleNotFound)
	s.mux = m
}

// handler wraps the routes with the request id, security headers, CSRF
// protection and the session.
func (s *server) handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, http.StatusForbidden, "error.csrf")
	}))
	inner := cop.Handler(s.withSession(s.mux))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("web: panic", "path", r.URL.Path, "panic", fmt.Sprint(v))
				http.Error(w, "500 internal error", http.StatusInternalServerError)
			}
		}()
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self' "+s.formActionExtra()+"; frame-ancestors 'none'; base-uri 'none'")
		if s.secure {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		rid := r.Header.Get("X-Request-Id")
		if rid == "" || len(rid) > 64 {
			var b [8]byte
			_, _ = rand.Read(b[:])
			rid = hex.EncodeToString(b[:])
		}
		ctx := registry.WithRequestID(r.Context(), rid)
		inner.ServeHTTP(w, r.WithContext(ctx))
	})
}

// formActionExtra allows the sign-in form to redirect to the identity
// provider.
func (s *server) formActionExtra() string {
	if s.oidc == nil {
		return ""
	}
	if u, err := url.Parse(s.oidc.cfg.Issuer); err == nil && u.Host != "" {
		return u.Scheme + "://" + u.Host
	}
	return ""
}

// base is the public base URL for r.
func (s *server) base(r *http.Request) string {
	if s.baseURL != "" {
		return s.baseURL
	}
	scheme := "http"
	if r.TLS != nil || s.secure {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// httpStatus maps the registry's sentinels to HTTP statuses.
func httpStatus(err error) int {
	switch {
	case errors.Is(err, registry.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, registry.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, registry.ErrConflict):
		return http.StatusConflict
	case errors.Is(err, registry.ErrUnauthenticated):
		return http.StatusUnauthorized
	case errors.Is(err, registry.ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// fail answers an error of the registry: the sign-in page for an anonymous
// caller who needs to sign in, an error page otherwise.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := httpStatus(err)
	switch code {
	case http.StatusUnauthorized:
		if r.Method == http.MethodGet {
			http.Redirect(w, r, "/ingresar?volver="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		s.renderError(w, r, code, "error.unauthenticated")
	case http.StatusForbidden:
		s.renderError(w, r, code, "error.forbidden")
	case http.StatusNotFound:
		s.renderError(w, r, code, "error.notfound")
	case http.StatusConflict:
		s.renderError(w, r, code, "error.conflict")
	case http.StatusBadRequest:
		s.renderError(w, r, code, "error.invalid")
	default:
		s.log.Error("web: request failed", "path", r.URL.Path, "err", err, "request_id", registry.RequestIDFrom(r.Context()))
		s.renderError(w, r, code, "error.internal")
	}
}

func (s *server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	s.renderError(w, r, http.StatusNotFound, "error.notfound")
}
