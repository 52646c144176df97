package web

import (
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/acervo-co/acervo/registry"
)

// adminSection is one entry of the administration menu.
type adminSection struct {
	Key   string
	URL   string
	Label string
}

// adminSections lists what the actor may open: every officer sees the
// review queues of their entities and their tokens; administrators see
// everything.
func (s *server) adminSections(r *http.Request) []adminSection {
	a := registry.ActorFrom(r.Context())
	c := s.cats[langOf(r)]
	var out []adminSection
	add := func(key, u string) {
		out = append(out, adminSection{Key: key, URL: u, Label: c.tr("admin." + key)})
	}
	add("repositorios", "/admin/repositorios")
	if a.IsAdmin() {
		add("importaciones", "/admin/importaciones")
	}
	if a.IsAdmin() || len(a.Entities(registry.RoleProcurement, registry.RoleCIO)) > 0 {
		add("enlaces", "/admin/enlaces")
	}
	if a.IsAdmin() || len(a.Entities(registry.RoleCIO)) > 0 {
		add("adopciones", "/admin/adopciones")
	}
	add("tokens", "/admin/tokens")
	if a.IsAdmin() || len(a.Entities(registry.RoleCIO)) > 0 {
		add("auditoria", "/admin/auditoria")
	}
	return out
}

type adminData struct {
	Menu     string // the menu entry
	Section  string // the template: the menu entry or a detail page
	Sections []adminSection
	Body     any
}

// adminView makes the view of an administration page; it refuses anonymous
// callers.
func (s *server) adminView(w http.ResponseWriter, r *http.Request, section string) (*view, bool) {
	if registry.ActorFrom(r.Context()).Anonymous() {
		s.fail(w, r, registry.ErrUnauthenticated)
		return nil, false
	}
	c := s.cats[langOf(r)]
	crumbs := []crumb{{Label: c.tr("admin.titulo"), URL: "/admin"}}
	title := c.tr("admin.titulo")
	if section != "" {
		crumbs = append(crumbs, crumb{Label: c.tr("admin." + section)})
		title = c.tr("admin."+section) + " · " + title
	} else {
		crumbs[0].URL = ""
	}
	v := s.newView(r, title, "admin", crumbs...)
	v.Data = &adminData{Menu: section, Section: section, Sections: s.adminSections(r)}
	return v, true
}

func (s *server) renderAdmin(w http.ResponseWriter, r *http.Request, code int, v *view, body any) {
	v.Data.(*adminData).Body = body
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, code, "admin", v)
}

func (s *server) handleAdmin(w http.ResponseWriter, r *http.Request) {
	v, ok := s.adminView(w, r, "")
	if !ok {
		return
	}
	s.renderAdmin(w, r, http.StatusOK, v, nil)
}

// Repositories.

type mirrorRow struct {
	Mirror registry.Mirror
	Asset  registry.Asset
}

type reposBody struct {
	URL     string
	Mirrors []mirrorRow
	Fresh   *mirrorRow // the one just registered
	Syncing bool       // a mirror waits for its first sync: refresh the page
	NextURL string
}

func (s *server) reposBody(r *http.Request, after string) (*reposBody, error) {
	ctx := r.Context()
	st := s.svc.Store()
	l, err := st.Mirrors().List(ctx, registry.MirrorFilter{Sort: registry.SortUpdated, Page: registry.Page{First: 50, After: after}})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(l.Items))
	for i, m := range l.Items {
		ids[i] = m.AssetID
	}
	as, err := st.Assets().GetMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	am := map[string]registry.Asset{}
	for _, a := range as {
		am[a.ID] = a
	}
	b := &reposBody{}
	for _, m := range l.Items {
		b.Mirrors = append(b.Mirrors, mirrorRow{Mirror: m, Asset: am[m.AssetID]})
	}
	if l.PageInfo.HasNextPage {
		b.NextURL = "/admin/repositorios?despues=" + url.QueryEscape(l.PageInfo.EndCursor)
	}
	if id := r.URL.Query().Get("espejo"); id != "" {
		if m, err := s.svc.Mirror(ctx, id); err == nil {
			row := mirrorRow{Mirror: m}
			if a, err := st.Assets().Get(ctx, m.AssetID); err == nil {
				row.Asset = a
			}
			b.Fresh = &row
			b.Syncing = m.Status == registry.MirrorNew
		}
	}
	return b, nil
}

func (s *server) handleAdminRepos(w http.ResponseWriter, r *http.Request) {
	v, ok := s.adminView(w, r, "repositorios")
	if !ok {
		return
	}
	b, err := s.reposBody(r, r.URL.Query().Get("despues"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if b.Syncing {
		// Watch the first sync without JavaScript: the page reloads itself.
		w.Header().Set("Refresh", "3")
	}
	s.renderAdmin(w, r, http.StatusOK, v, b)
}

func (s *server) handleAdminRepoRegister(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, http.StatusBadRequest, "error.invalid")
		return
	}
	raw := strings.TrimSpace(r.PostForm.Get("url"))
	_, m, err := s.svc.RegisterRepository(r.Context(), raw)
	if err == nil {
		http.Redirect(w, r, "/admin/repositorios?hecho=repositorio&espejo="+url.QueryEscape(m.ID), http.StatusSeeOther)
		return
	}
	if !errors.Is(err, registry.ErrInvalid) && !errors.Is(err, registry.ErrConflict) {
		s.fail(w, r, err)
		return
	}
	v, ok := s.adminView(w, r, "repositorios")
	if !ok {
		return
	}
	v.Errors = registry.FieldsOf(err)
	if len(v.Errors) == 0 {
		v.Errors = []registry.FieldError{{Field: "url", Message: err.Error()}}
	}
	b, berr := s.reposBody(r, "")
	if berr != nil {
		s.fail(w, r, berr)
		return
	}
	b.URL = raw
	s.renderAdmin(w, r, httpStatus(err), v, b)
}

// Imports.

type importsBody struct {
	Runs    []registry.ImportRun
	NextURL string
}

func (s *server) handleAdminImports(w http.ResponseWriter, r *http.Request) {
	v, ok := s.adminView(w, r, "importaciones")
	if !ok {
		return
	}
	l, err := s.svc.ImportRuns(r.Context(), registry.Page{First: 50, After: r.URL.Query().Get("despues")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	b := &importsBody{Runs: l.Items}
	if l.PageInfo.HasNextPage {
		b.NextURL = "/admin/importaciones?despues=" + url.QueryEscape(l.PageInfo.EndCursor)
	}
	s.renderAdmin(w, r, http.StatusOK, v, b)
}

type rejectRow struct {
	Line, Column, Reason string
}

type importBody struct {
	Run        registry.ImportRun
	Rejects    []rejectRow
	MoreReject bool
	RejectsErr bool
}

const maxRejectsShown = 500

func (s *server) handleAdminImport(w http.ResponseWriter, r *http.Request) {
	v, ok := s.adminView(w, r, "importaciones")
	if !ok {
		return
	}
	ctx := r.Context()
	if !registry.ActorFrom(ctx).IsAdmin() {
		s.fail(w, r, registry.ErrForbidden)
		return
	}
	run, err := s.svc.Store().Imports().Get(ctx, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data.(*adminData).Section = "importacion"
	b := &importBody{Run: run}
	if run.RejectsPath != "" {
		b.Rejects, b.MoreReject, err = readRejects(run.RejectsPath)
		if err != nil {
			s.log.Warn("web: reading rejects", "run", run.ID, "err", err)
			b.RejectsErr = true
		}
	}
	s.renderAdmin(w, r, http.StatusOK, v, b)
}

// readRejects reads the rejects file of an import (CSV: line, column,
// reason) up to maxRejectsShown rows.
func readRejects(path string) ([]rejectRow, bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	var out []rejectRow
	for first := true; ; first = false {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, false, nil
		}
		if err != nil {
			return out, false, err
		}
		if first && len(rec) > 0 && rec[0] == "line" {
			continue
		}
		if len(out) == maxRejectsShown {
			return out, true, nil
		}
		row := rejectRow{}
		if len(rec) > 0 {
			row.Line = rec[0]
		}
		if len(rec) > 1 {
			row.Column = rec[1]
		}
		if len(rec) > 2 {
			row.Reason = rec[2]
		}
		out = append(out, row)
	}
}

// Link review queue.

type linkRow struct {
	Link     registry.PurchaseLink
	Purchase registry.Purchase
	Asset    registry.Asset
}

type linksBody struct {
	Rows    []linkRow
	NextURL string
}

func (s *server) handleAdminLinks(w http.ResponseWriter, r *http.Request) {
	v, ok := s.adminView(w, r, "enlaces")
	if !ok {
		return
	}
	b, err := s.linksBody(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderAdmin(w, r, http.StatusOK, v, b)
}

// linksBody lists suggested links the actor may decide: admins all, officers
// those whose purchase their entity made.
func (s *server) linksBody(r *http.Request) (*linksBody, error) {
	ctx := r.Context()
	st := s.svc.Store()
	a := registry.ActorFrom(ctx)
	mine := map[string]bool{}
	for _, n := range a.Entities(registry.RoleProcurement, registry.RoleCIO) {
		mine[n] = true
	}
	b := &linksBody{}
	size := registry.MaxPageSize // officers: their entities' links are among others
	if a.IsAdmin() {
		size = 51
	}
	f := registry.LinkFilter{State: registry.LinkSuggested, Sort: registry.SortScore,
		Page: registry.Page{First: size, After: r.URL.Query().Get("despues")}}
	for pages := 0; pages < 20 && len(b.Rows) < 50; pages++ {
		l, err := st.Links().List(ctx, f)
		if err != nil {
			return nil, err
		}
		pids := make([]string, len(l.Items))
		aids := make([]string, len(l.Items))
		for i, x := range l.Items {
			pids[i], aids[i] = x.PurchaseID, x.AssetID
		}
		ps, err := s.svc.PurchasesByID(ctx, pids)
		if err != nil {
			return nil, err
		}
		as, err := st.Assets().GetMany(ctx, aids)
		if err != nil {
			return nil, err
		}
		pm, am := map[string]registry.Purchase{}, map[string]registry.Asset{}
		for _, p := range ps {
			pm[p.ID] = p
		}
		for _, x := range as {
			am[x.ID] = x
		}
		for i, x := range l.Items {
			p := pm[x.PurchaseID]
			if !a.IsAdmin() && !mine[p.BuyerNIT] {
				continue
			}
			if len(b.Rows) == 50 {
				b.NextURL = "/admin/enlaces?despues=" + url.QueryEscape(l.Cursors[i])
				break
			}
			b.Rows = append(b.Rows, linkRow{Link: x, Purchase: p, Asset: am[x.AssetID]})
		}
		if !l.PageInfo.HasNextPage || b.NextURL != "" {
			break
		}
		f.Page.After = l.PageInfo.EndCursor
	}
	return b, nil
}

func (s *server) handleAdminLinkDecide(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, http.StatusBadRequest, "error.invalid")
		return
	}
	confirm := r.PostForm.Get("decision") == "confirmar"
	if _, err := s.svc.DecidePurchaseLink(r.Context(), r.PathValue("id"), confirm); err != nil {
		s.fail(w, r, err)
		return
	}
	done := "enlace_rechazado"
	if confirm {
		done = "enlace_confirmado"
	}
	http.Redirect(w, r, "/admin/enlaces?hecho="+done, http.StatusSeeOther)
}

// Adoption verification queue.

type pendingRow struct {
	Adoption registry.Adoption
	Asset    registry.Asset
	Entity   registry.Entity
}

type adoptionsBody struct {
	Rows []pendingRow
}

func (s *server) handleAdminAdoptions(w http.ResponseWriter, r *http.Request) {
	v, ok := s.adminView(w, r, "adopciones")
	if !ok {
		return
	}
	ctx := r.Context()
	a := registry.ActorFrom(ctx)
	st := s.svc.Store()
	pending := true
	var items []registry.Adoption
	if a.IsAdmin() {
		l, err := st.Adoptions().List(ctx, registry.AdoptionFilter{Pending: &pending, Page: registry.Page{First: registry.MaxPageSize}})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		items = l.Items
	} else {
		nits := a.Entities(registry.RoleCIO)
		if len(nits) == 0 {
			s.fail(w, r, registry.ErrForbidden)
			return
		}
		l, err := st.Adoptions().List(ctx, registry.AdoptionFilter{EntityNITs: nits, Pending: &pending, Page: registry.Page{First: registry.MaxPageSize}})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		items = l.Items
	}
	var aids, nits []string
	for _, x := range items {
		aids, nits = append(aids, x.AssetID), append(nits, x.EntityNIT)
	}
	as, err := st.Assets().GetMany(ctx, aids)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	es, err := st.Entities().GetMany(ctx, nits)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	am, em := map[string]registry.Asset{}, map[string]registry.Entity{}
	for _, x := range as {
		am[x.ID] = x
	}
	for _, x := range es {
		em[x.NIT] = x
	}
	b := &adoptionsBody{}
	for _, x := range items {
		b.Rows = append(b.Rows, pendingRow{Adoption: x, Asset: am[x.AssetID], Entity: em[x.EntityNIT]})
	}
	s.renderAdmin(w, r, http.StatusOK, v, b)
}

func (s *server) handleAdminAdoptionVerify(w http.ResponseWriter, r *http.Request) {
	if _, err := s.svc.VerifyAdoption(r.Context(), r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/adopciones?hecho=adopcion_verificada", http.StatusSeeOther)
}

// Tokens.

type tokensBody struct {
	Tokens    []registry.Token
	NewToken  string
	Name      string
	Days      int
	NowUnused time.Time
}

func (s *server) tokensBody(r *http.Request) (*tokensBody, error) {
	ts, err := s.svc.Tokens(r.Context(), "")
	if err != nil {
		return nil, err
	}
	return &tokensBody{Tokens: ts, Days: 90, NowUnused: s.now()}, nil
}

func (s *server) handleAdminTokens(w http.ResponseWriter, r *http.Request) {
	v, ok := s.adminView(w, r, "tokens")
	if !ok {
		return
	}
	b, err := s.tokensBody(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderAdmin(w, r, http.StatusOK, v, b)
}

func (s *server) handleAdminTokenCreate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, http.StatusBadRequest, "error.invalid")
		return
	}
	v, ok := s.adminView(w, r, "tokens")
	if !ok {
		return
	}
	name := strings.TrimSpace(r.PostForm.Get("nombre"))
	days, _ := strconv.Atoi(r.PostForm.Get("dias"))
	if days <= 0 {
		days = 90
	}
	plain, _, err := s.svc.CreateToken(r.Context(), "", name, time.Duration(days)*24*time.Hour)
	if err != nil && !errors.Is(err, registry.ErrInvalid) {
		s.fail(w, r, err)
		return
	}
	b, berr := s.tokensBody(r)
	if berr != nil {
		s.fail(w, r, berr)
		return
	}
	code := http.StatusOK
	if err != nil {
		v.Errors = registry.FieldsOf(err)
		b.Name, b.Days = name, days
		code = http.StatusBadRequest
	} else {
		b.NewToken = plain // shown this once
		v.Notice = "hecho.token"
	}
	s.renderAdmin(w, r, code, v, b)
}

func (s *server) handleAdminTokenRevoke(w http.ResponseWriter, r *http.Request) {
	if _, err := s.svc.RevokeToken(r.Context(), r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/tokens?hecho=token_revocado", http.StatusSeeOther)
}

// Audit log.

type auditBody struct {
	Events    []registry.AuditEvent
	NextURL   string
	Entity    string
	Entities  []string
	Action    string
	AdminView bool
}

func (s *server) handleAdminAudit(w http.ResponseWriter, r *http.Request) {
	v, ok := s.adminView(w, r, "auditoria")
	if !ok {
		return
	}
	ctx := r.Context()
	a := registry.ActorFrom(ctx)
	q := r.URL.Query()
	b := &auditBody{Entity: q.Get("entidad"), Action: strings.TrimSpace(q.Get("accion")), AdminView: a.IsAdmin(),
		Entities: a.Entities(registry.RoleCIO)}
	if !a.IsAdmin() && b.Entity == "" && len(b.Entities) > 0 {
		b.Entity = b.Entities[0]
	}
	l, err := s.svc.Audit(ctx, registry.AuditFilter{EntityNIT: b.Entity, Action: b.Action,
		Page: registry.Page{First: 50, After: q.Get("despues")}})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	b.Events = l.Items
	if l.PageInfo.HasNextPage {
		nq := url.Values{}
		if b.Entity != "" {
			nq.Set("entidad", b.Entity)
		}
		if b.Action != "" {
			nq.Set("accion", b.Action)
		}
		nq.Set("despues", l.PageInfo.EndCursor)
		b.NextURL = "/admin/auditoria?" + nq.Encode()
	}
	s.renderAdmin(w, r, http.StatusOK, v, b)
}
