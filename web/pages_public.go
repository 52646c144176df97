package web

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/acervo-co/acervo/registry"
)

// card is one asset in a list of results.
type card struct {
	Asset      registry.Asset
	Latest     string
	LatestDate time.Time
	Adopters   int64
}

type facetOption struct {
	Value    string
	Label    string
	Count    int
	Selected bool
}

type facetView struct {
	Param   string
	Label   string
	Options []facetOption
	Current string
}

type chip struct {
	Label     string
	RemoveURL string
}

type inicioData struct {
	Q        string
	Searched bool
	Cards    []card
	Total    int
	Facets   []facetView
	Chips    []chip
	Ignored  string // the words left out of the search, quoted
	NIgnored int
	Relaxed  bool
	NextURL  string
	PrevURL  string
	Stats    *homeStats
}

// homeStats are the counters of the home page (from the dashboard cache).
type homeStats struct {
	Assets, Entities, Adoptions, Purchases int64
}

// searchParams are the catalogue's query parameters and their facets.
var searchParams = []struct{ param, facet, label string }{
	{"tipo", FacetKind, "facet.kind"},
	{"categoria", FacetCategory, "facet.category"},
	{"licencia", FacetLicense, "facet.license"},
	{"estado", FacetStatus, "facet.status"},
	{"lenguaje", FacetLanguage, "facet.language"},
	{"departamento", FacetDepartment, "facet.department"},
}

func (s *server) handleInicio(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	text := strings.TrimSpace(q.Get("q"))
	if len(text) > 200 {
		text = text[:200]
	}
	f := SearchFilters{Kind: q.Get("tipo"), Category: q.Get("categoria"), License: q.Get("licencia"),
		Status: q.Get("estado"), Language: q.Get("lenguaje"), Department: q.Get("departamento")}
	page := SearchPage{Size: 20, After: q.Get("despues"), Before: q.Get("antes")}
	var res SearchResults
	var err error
	if text == "" && f == (SearchFilters{}) && page.After == "" && page.Before == "" {
		res, err = s.home.get(ctx, s.now(), func() (SearchResults, error) { return s.search.SearchAssets(ctx, text, f, page) })
	} else {
		res, err = s.search.SearchAssets(ctx, text, f, page)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	assets, err := s.assetsInOrder(ctx, res.AssetIDs)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cards, err := s.cards(ctx, assets)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c := s.cats[langOf(r)]
	d := inicioData{Q: text, Cards: cards, Total: res.Total, NIgnored: len(res.Ignored), Relaxed: res.Relaxed}
	if len(res.Ignored) > 0 {
		open, close := "«", "»"
		if langOf(r) == "en" {
			open, close = "“", "”"
		}
		d.Ignored = open + strings.Join(res.Ignored, close+", "+open) + close
	}
	d.Searched = text != "" || f != (SearchFilters{})
	selected := map[string]string{}
	for _, p := range searchParams {
		selected[p.param] = q.Get(p.param)
	}
	for _, p := range searchParams {
		fv := facetView{Param: p.param, Label: c.tr(p.label), Current: selected[p.param]}
		found := false
		for _, o := range res.Facets[p.facet] {
			lbl := s.facetLabel(c, p.facet, o.Value)
			sel := o.Value == selected[p.param]
			found = found || sel
			fv.Options = append(fv.Options, facetOption{Value: o.Value, Label: lbl, Count: o.Count, Selected: sel})
		}
		if cur := selected[p.param]; cur != "" {
			if !found {
				fv.Options = append([]facetOption{{Value: cur, Label: s.facetLabel(c, p.facet, cur), Selected: true}}, fv.Options...)
			}
			rest := url.Values{}
			for k, vs := range q {
				if k != p.param && k != "despues" && k != "antes" && k != "lang" {
					rest[k] = vs
				}
			}
			d.Chips = append(d.Chips, chip{Label: fv.Label + ": " + s.facetLabel(c, p.facet, cur), RemoveURL: "/?" + rest.Encode()})
		}
		if len(fv.Options) > 0 {
			d.Facets = append(d.Facets, fv)
		}
	}
	pageURL := func(key, cursor string) string {
		v := url.Values{}
		for k, vs := range q {
			if k != "despues" && k != "antes" && k != "lang" {
				v[k] = vs
			}
		}
		v.Set(key, cursor)
		return "/?" + v.Encode()
	}
	if res.Next != "" {
		d.NextURL = pageURL("despues", res.Next)
	}
	if res.Prev != "" {
		d.PrevURL = pageURL("antes", res.Prev)
	}
	if !d.Searched {
		d.Stats = s.dash.homeStats(ctx)
	}
	v := s.newView(r, c.tr("inicio.titulo"), "inicio")
	v.Data = d
	s.render(w, r, http.StatusOK, "inicio", v)
}

// homeCache keeps the unfiltered first page of the catalogue (the most
// visited page, whose facets count every asset) for half a minute; a write
// through this process's Service drops it.
type homeCache struct {
	mu  sync.Mutex
	at  time.Time
	res *SearchResults
}

const homeCacheTTL = 30 * time.Second

func (c *homeCache) get(ctx context.Context, now time.Time, search func() (SearchResults, error)) (SearchResults, error) {
	c.mu.Lock()
	if c.res != nil && now.Sub(c.at) < homeCacheTTL {
		r := *c.res
		c.mu.Unlock()
		return r, nil
	}
	c.mu.Unlock()
	r, err := search()
	if err != nil {
		return r, err
	}
	c.mu.Lock()
	c.res, c.at = &r, now
	c.mu.Unlock()
	return r, nil
}

func (c *homeCache) drop() {
	c.mu.Lock()
	c.res = nil
	c.mu.Unlock()
}

func (s *server) facetLabel(c catalog, facet, v string) string {
	switch facet {
	case FacetKind:
		return c.tr("kind." + strings.ToLower(v))
	case FacetStatus:
		if t, ok := c["status."+strings.ToLower(v)]; ok {
			return t
		}
	case FacetCategory:
		if t, ok := c["categoria."+v]; ok {
			return t
		}
	case FacetDepartment:
		if n, ok := s.geo.names[v]; ok {
			return n
		}
	}
	return v
}

// assetsInOrder reads assets by id, keeping the order of ids.
func (s *server) assetsInOrder(ctx context.Context, ids []string) ([]registry.Asset, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	as, err := s.svc.Store().Assets().GetMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]registry.Asset, len(as))
	for _, a := range as {
		byID[a.ID] = a
	}
	out := make([]registry.Asset, 0, len(ids))
	for _, id := range ids {
		if a, ok := byID[id]; ok {
			out = append(out, a)
		}
	}
	return out, nil
}

// cards adds each asset's latest release and how many entities use it.
func (s *server) cards(ctx context.Context, assets []registry.Asset) ([]card, error) {
	if len(assets) == 0 {
		return nil, nil
	}
	ids := make([]string, len(assets))
	for i, a := range assets {
		ids[i] = a.ID
	}
	rels, err := s.svc.Store().Releases().ForAssets(ctx, ids)
	if err != nil {
		return nil, err
	}
	byAsset := map[string][]registry.Release{}
	for _, r := range rels {
		byAsset[r.AssetID] = append(byAsset[r.AssetID], r)
	}
	out := make([]card, len(assets))
	for i, a := range assets {
		out[i].Asset = a
		if l, ok := registry.LatestRelease(byAsset[a.ID]); ok {
			out[i].Latest, out[i].LatestDate = l.Tag, l.Date
		}
		n, err := s.adopterCount(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		out[i].Adopters = n
	}
	return out, nil
}

// adopterCount counts the entities using an asset (not retired, not
// waiting for verification): from the dashboard's figures, or, while they
// are computed, the number of adoptions.
func (s *server) adopterCount(ctx context.Context, assetID string) (int64, error) {
	if dd := s.dash.peek(ctx); dd != nil {
		return dd.AssetUsers[assetID], nil
	}
	l, err := s.svc.Store().Adoptions().List(ctx, registry.AdoptionFilter{AssetID: assetID,
		Page: registry.Page{First: 1, WantTotal: true}})
	if err != nil {
		return 0, err
	}
	return l.Total, nil
}

// adopterRow is one adoption on an asset page.
type adopterRow struct {
	Adoption   registry.Adoption
	Entity     registry.Entity
	Version    string
	Outdated   bool
	Vulnerable []string // advisory ids
}

type purchaseRow struct {
	Purchase registry.Purchase
	Link     registry.PurchaseLink
}

type activoData struct {
	Asset        registry.Asset
	Desc         registry.Description
	Readme       template.HTML
	Releases     []registry.Release
	MoreReleases int
	Latest       *registry.Release
	Adopters     []adopterRow
	MoreAdopters int
	AdopterTotal int
	Map          template.HTML
	MapPending   bool // the figures by department are being computed
	DeptCounts   []deptCount
	Purchases    []purchaseRow
	MorePurch    int
	Confirmed    int64
	Suggested    int64
	ConfirmedN   int
	SuggestedN   int
	Mirror       *registry.Mirror
	CloneURL     string
	Findings     []registry.Finding
	Advisories   []registry.Advisory
	// The adoption form, for officers who may record one.
	CanAdopt    bool
	MyEntities  []registry.Entity
	AnyEntity   bool // admins type a NIT
	Form        adoptionForm
	Publisher   *registry.Entity
	AdoptStates []string
}

type adoptionForm struct {
	EntityNIT, Release, Status, Environment, InstanceURL string
}

type deptCount struct {
	Code  string
	Name  string
	Count int64
}

func (s *server) handleActivo(w http.ResponseWriter, r *http.Request) {
	v, err := s.activoView(r, r.PathValue("slug"), adoptionForm{Status: registry.AdoptionProduction})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "activo", v)
}

const (
	pageReleases = 30
	pageAdopters = 100
	pagePurchase = 50
)

func (s *server) activoView(r *http.Request, slug string, form adoptionForm) (*view, error) {
	ctx := r.Context()
	st := s.svc.Store()
	a, err := s.svc.AssetBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	lang := langOf(r)
	c := s.cats[lang]
	d := &activoData{Asset: a, Desc: describe(a, lang), Findings: a.Findings, Form: form,
		AdoptStates: []string{registry.AdoptionEvaluating, registry.AdoptionPilot, registry.AdoptionProduction, registry.AdoptionRetired}}
	d.Readme = s.readme.render(a.ID+a.UpdatedAt.String(), a.Readme)
	if a.PublisherNIT != "" {
		if e, err := st.Entities().GetByNIT(ctx, a.PublisherNIT); err == nil {
			d.Publisher = &e
		}
	}

	rels, err := st.Releases().ForAssets(ctx, []string{a.ID})
	if err != nil {
		return nil, err
	}
	sort.Slice(rels, func(i, j int) bool { return rels[i].Date.After(rels[j].Date) })
	var releases []registry.Release
	for _, rl := range rels {
		if rl.IsRelease {
			releases = append(releases, rl)
		}
	}
	latest, hasLatest := registry.LatestRelease(rels)
	if hasLatest {
		d.Latest = &latest
		if len(a.Findings) == 0 {
			d.Findings = latest.Publiccode.Findings
		}
	}
	d.Releases = releases
	if len(releases) > pageReleases && r.URL.Query().Get("versiones") != "todas" {
		d.Releases, d.MoreReleases = releases[:pageReleases], len(releases)-pageReleases
	}

	advs, err := st.Advisories().List(ctx, registry.AdvisoryFilter{AssetID: a.ID, Page: registry.Page{First: registry.MaxPageSize}})
	if err != nil {
		return nil, err
	}
	d.Advisories = advs.Items

	all := r.URL.Query().Get("adoptantes") == "todos"
	ads, total, err := s.assetAdoptions(ctx, a.ID, all)
	if err != nil {
		return nil, err
	}
	nits := make([]string, 0, len(ads))
	for _, ad := range ads {
		nits = append(nits, ad.EntityNIT)
	}
	ents, err := st.Entities().GetMany(ctx, nits)
	if err != nil {
		return nil, err
	}
	entByNIT := make(map[string]registry.Entity, len(ents))
	for _, e := range ents {
		entByNIT[e.NIT] = e
	}
	relByTag := make(map[string]registry.Release, len(rels))
	for _, rl := range rels {
		relByTag[rl.Tag] = rl
	}
	rows := make([]adopterRow, 0, len(ads))
	for _, ad := range ads {
		e, ok := entByNIT[ad.EntityNIT]
		if !ok {
			e = registry.Entity{NIT: ad.EntityNIT, Name: ad.EntityNIT}
		}
		row := adopterRow{Adoption: ad, Entity: e, Version: ad.ReleaseTag}
		if row.Version == "" {
			row.Version = ad.Constraint
		}
		if rl, ok := relByTag[ad.ReleaseTag]; ok && rl.Version != "" {
			if hasLatest && rl.Version != latest.Version {
				v1, ok1 := registry.ParseSemver(rl.Version)
				v2, ok2 := registry.ParseSemver(latest.Version)
				row.Outdated = ok1 && ok2 && v1.Compare(v2) < 0
			}
			for _, adv := range advs.Items {
				if adv.Affects(rl.Version) {
					row.Vulnerable = append(row.Vulnerable, adv.ID)
				}
			}
		}
		rows = append(rows, row)
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Entity.Name != rows[j].Entity.Name {
			return registry.Fold(rows[i].Entity.Name) < registry.Fold(rows[j].Entity.Name)
		}
		return rows[i].Adoption.Environment < rows[j].Adoption.Environment
	})
	d.AdopterTotal = int(total)
	d.Adopters = rows
	d.MoreAdopters = int(total) - len(rows)
	counts, err := s.assetDeptCounts(ctx, a.ID, total)
	if err != nil {
		return nil, err
	}
	if counts != nil {
		d.DeptCounts = sortedDeptCounts(s.geo, counts)
		d.Map = template.HTML(s.geo.choropleth("mapa-adopcion", c.tr("activo.mapa_titulo", a.Name), c.tr("activo.mapa_leyenda"),
			c.tr("mapa.sin_datos"), counts, func(n int64) string { return formatInt(lang, n) }))
	} else {
		d.MapPending = true
	}

	agg, err := s.assetLinkTotals(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	d.Confirmed, d.ConfirmedN, d.Suggested, d.SuggestedN = agg.Confirmed, agg.ConfirmedN, agg.Suggested, agg.SuggestedN
	links, err := s.assetLinks(ctx, a.ID, agg.ConfirmedN+agg.SuggestedN)
	if err != nil {
		return nil, err
	}
	pids := make([]string, 0, len(links))
	for _, l := range links {
		pids = append(pids, l.PurchaseID)
	}
	ps, err := s.svc.PurchasesByID(ctx, pids)
	if err != nil {
		return nil, err
	}
	pByID := make(map[string]registry.Purchase, len(ps))
	for _, p := range ps {
		pByID[p.ID] = p
	}
	var prows []purchaseRow
	for _, l := range links {
		if p, ok := pByID[l.PurchaseID]; ok {
			prows = append(prows, purchaseRow{Purchase: p, Link: l})
		}
	}
	sort.SliceStable(prows, func(i, j int) bool {
		if (prows[i].Link.State == registry.LinkConfirmed) != (prows[j].Link.State == registry.LinkConfirmed) {
			return prows[i].Link.State == registry.LinkConfirmed
		}
		return prows[i].Purchase.Value > prows[j].Purchase.Value
	})
	d.Purchases = prows
	d.MorePurch = max(0, agg.ConfirmedN+agg.SuggestedN-len(prows))

	if a.Kind == registry.AssetPublic {
		if m, err := st.Mirrors().GetByAsset(ctx, a.ID); err == nil {
			d.Mirror = &m
			d.CloneURL = s.base(r) + "/git/" + a.Slug + ".git"
		} else if !errors.Is(err, registry.ErrNotFound) {
			return nil, err
		}
	}

	actor := registry.ActorFrom(ctx)
	if actor.IsAdmin() {
		d.CanAdopt, d.AnyEntity = true, true
	} else if mine := actor.Entities(registry.RoleCIO, registry.RoleEditor); len(mine) > 0 {
		d.CanAdopt = true
		if d.MyEntities, err = st.Entities().GetMany(ctx, mine); err != nil {
			return nil, err
		}
		if d.Form.EntityNIT == "" {
			d.Form.EntityNIT = mine[0]
		}
	}
	if d.Form.Release == "" && hasLatest {
		d.Form.Release = latest.Tag
	}

	v := s.newView(r, a.Name, "inicio", crumb{Label: c.tr("nav.catalogo"), URL: "/"}, crumb{Label: a.Name})
	v.Data = d
	return v, nil
}

// smallAsset is the number of adoptions under which an asset's figures are
// computed on the spot rather than read from the dashboard's figures.
const smallAsset = 1000

// assetAdoptions reads the first page of an asset's adoptions (every one
// when all) and how many there are.
func (s *server) assetAdoptions(ctx context.Context, assetID string, all bool) ([]registry.Adoption, int64, error) {
	st := s.svc.Store()
	if all {
		ads, err := st.Adoptions().ForAssets(ctx, []string{assetID})
		return ads, int64(len(ads)), err
	}
	l, err := st.Adoptions().List(ctx, registry.AdoptionFilter{AssetID: assetID,
		Page: registry.Page{First: pageAdopters, WantTotal: true}})
	if err != nil {
		return nil, 0, err
	}
	return l.Items, l.Total, nil
}

// assetDeptCounts counts the entities using an asset by department: from
// the dashboard's figures, or on the spot for an asset with few adoptions
// while they are computed (nil: not available yet).
func (s *server) assetDeptCounts(ctx context.Context, assetID string, total int64) (map[string]int64, error) {
	if dd := s.dash.peek(ctx); dd != nil {
		return dd.AssetDepts[assetID], nil
	}
	if total > smallAsset {
		return nil, nil
	}
	st := s.svc.Store()
	ads, err := st.Adoptions().ForAssets(ctx, []string{assetID})
	if err != nil {
		return nil, err
	}
	nits := make([]string, 0, len(ads))
	for _, ad := range ads {
		if ad.Status != registry.AdoptionRetired && !ad.Pending {
			nits = append(nits, ad.EntityNIT)
		}
	}
	ents, err := st.Entities().GetMany(ctx, nits)
	if err != nil {
		return nil, err
	}
	counts := map[string]int64{}
	for _, e := range ents {
		if e.DepartmentCode != "" {
			counts[e.DepartmentCode]++
		}
	}
	return counts, nil
}

// assetLinks reads the confirmed, then suggested, links of an asset with
// the highest scores (at most pagePurchase). An asset with few links has
// them all read and sorted here; a popular one is read a page per state
// from the store's score order, where its links come first.
func (s *server) assetLinks(ctx context.Context, assetID string, count int) ([]registry.PurchaseLink, error) {
	st := s.svc.Store()
	if count <= 500 {
		links, err := st.Links().ForAssets(ctx, []string{assetID}, registry.LinkConfirmed, registry.LinkSuggested)
		if err != nil {
			return nil, err
		}
		sort.SliceStable(links, func(i, j int) bool {
			if (links[i].State == registry.LinkConfirmed) != (links[j].State == registry.LinkConfirmed) {
				return links[i].State == registry.LinkConfirmed
			}
			return links[i].Score > links[j].Score
		})
		return links[:min(len(links), pagePurchase)], nil
	}
	var links []registry.PurchaseLink
	for _, state := range []string{registry.LinkConfirmed, registry.LinkSuggested} {
		if len(links) >= pagePurchase {
			break
		}
		l, err := st.Links().List(ctx, registry.LinkFilter{AssetID: assetID, State: state, Sort: registry.SortScore,
			Page: registry.Page{First: pagePurchase - len(links)}})
		if err != nil {
			return nil, err
		}
		links = append(links, l.Items...)
	}
	return links, nil
}

// assetLinkTotals sums the purchases linked to an asset: from the
// dashboard's figures, or on the spot while they are computed.
func (s *server) assetLinkTotals(ctx context.Context, assetID string) (linkAgg, error) {
	if dd := s.dash.peek(ctx); dd != nil {
		if la := dd.AssetLinks[assetID]; la != nil {
			return *la, nil
		}
		return linkAgg{}, nil
	}
	links, err := s.svc.Store().Links().ForAssets(ctx, []string{assetID}, registry.LinkConfirmed, registry.LinkSuggested)
	if err != nil {
		return linkAgg{}, err
	}
	pids := make([]string, 0, len(links))
	for _, l := range links {
		pids = append(pids, l.PurchaseID)
	}
	ps, err := s.svc.Store().Purchases().GetMany(ctx, pids)
	if err != nil {
		return linkAgg{}, err
	}
	values := map[string]int64{}
	for _, p := range ps {
		values[p.ID] = p.Value
	}
	var la linkAgg
	for _, l := range links {
		v, ok := values[l.PurchaseID]
		if !ok {
			continue
		}
		if l.State == registry.LinkConfirmed {
			la.ConfirmedN++
			la.Confirmed += v
		} else {
			la.SuggestedN++
			la.Suggested += v
		}
	}
	return la, nil
}

func sortedDeptCounts(g *geoMap, counts map[string]int64) []deptCount {
	out := make([]deptCount, 0, len(counts))
	for code, n := range counts {
		name := g.names[code]
		if name == "" {
			name = code
		}
		out = append(out, deptCount{Code: code, Name: name, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Code < out[j].Code
	})
	return out
}

// handleRecordAdoption records "mi entidad lo usa" from the asset page.
func (s *server) handleRecordAdoption(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, http.StatusBadRequest, "error.invalid")
		return
	}
	slug := r.PathValue("slug")
	ctx := r.Context()
	a, err := s.svc.AssetBySlug(ctx, slug)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	form := adoptionForm{
		EntityNIT:   strings.TrimSpace(r.PostForm.Get("entidad")),
		Release:     strings.TrimSpace(r.PostForm.Get("version")),
		Status:      strings.TrimSpace(r.PostForm.Get("estado")),
		Environment: strings.TrimSpace(r.PostForm.Get("entorno")),
		InstanceURL: strings.TrimSpace(r.PostForm.Get("url")),
	}
	ad := &registry.Adoption{AssetID: a.ID, ReleaseTag: form.Release, Status: form.Status,
		Environment: form.Environment, InstanceURL: form.InstanceURL,
		Evidence: []registry.Evidence{{Kind: "DECLARATION"}}}
	if e, err := s.svc.EntityByNIT(ctx, form.EntityNIT); err == nil {
		ad.EntityNIT = e.NIT
	} else {
		ad.EntityNIT = form.EntityNIT
	}
	now := s.now()
	ad.Since = &now
	err = s.svc.RecordAdoption(ctx, ad)
	if err == nil {
		http.Redirect(w, r, "/activos/"+url.PathEscape(slug)+"?hecho=adopcion#adoptantes", http.StatusSeeOther)
		return
	}
	code := httpStatus(err)
	if code != http.StatusBadRequest && code != http.StatusConflict {
		s.fail(w, r, err)
		return
	}
	v, verr := s.activoView(r, slug, form)
	if verr != nil {
		s.fail(w, r, verr)
		return
	}
	v.Errors = registry.FieldsOf(err)
	if code == http.StatusConflict {
		v.Errors = append(v.Errors, registry.FieldError{Field: "entorno", Message: s.tr(r, "activo.adopcion_existe")})
	}
	s.render(w, r, code, "activo", v)
}

// entidadesData is the directory of entities.
type entidadesData struct {
	Q        string
	Entities []registry.Entity
	NextURL  string
}

func (s *server) handleEntidades(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	ctx := r.Context()
	if q != "" {
		if e, err := s.svc.EntityByNIT(ctx, q); err == nil {
			http.Redirect(w, r, "/entidades/"+e.NIT, http.StatusSeeOther)
			return
		}
	}
	f := registry.EntityFilter{NamePrefix: q, DepartmentCode: r.URL.Query().Get("departamento"),
		Page: registry.Page{First: 50, After: r.URL.Query().Get("despues")}}
	l, err := s.svc.Store().Entities().List(ctx, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := entidadesData{Q: q, Entities: l.Items}
	if l.PageInfo.HasNextPage {
		v := url.Values{}
		if q != "" {
			v.Set("q", q)
		}
		v.Set("despues", l.PageInfo.EndCursor)
		d.NextURL = "/entidades?" + v.Encode()
	}
	v := s.newView(r, s.tr(r, "entidades.titulo"), "entidades", crumb{Label: s.tr(r, "entidades.titulo")})
	v.Data = d
	s.render(w, r, http.StatusOK, "entidades", v)
}

// usoRow is one adoption of an entity with its state.
type usoRow struct {
	Adoption   registry.Adoption
	Asset      registry.Asset
	Version    string
	Latest     string
	Outdated   bool
	Vulnerable []registry.Advisory
}

type yearTotal struct {
	Year  int
	Count int64
	Total int64
}

type entidadData struct {
	Entity      registry.Entity
	Parent      *registry.Entity
	Uses        []usoRow
	MoreUses    bool
	Outdated    int
	Vulnerable  int
	Purchases   []registry.Purchase
	PurchTotal  int64
	PurchCount  int64
	ByYear      []yearTotal
	MorePurch   string
	Officer     bool
	Notices     []registry.Notice
	Unread      int
	Webhooks    []registry.Webhook
	Deliveries  map[string][]registry.WebhookDelivery // by webhook id, newest first
	NewSecret   string
	CanWebhooks bool
}

func (s *server) handleEntidad(w http.ResponseWriter, r *http.Request) {
	v, err := s.entidadView(r, r.PathValue("nit"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "entidad", v)
}

func (s *server) entidadView(r *http.Request, nitParam string) (*view, error) {
	ctx := r.Context()
	st := s.svc.Store()
	e, err := s.svc.EntityByNIT(ctx, nitParam)
	if err != nil {
		return nil, err
	}
	d := &entidadData{Entity: e}
	if e.ParentNIT != "" {
		if p, err := st.Entities().GetByNIT(ctx, e.ParentNIT); err == nil {
			d.Parent = &p
		}
	}
	ads, err := st.Adoptions().List(ctx, registry.AdoptionFilter{EntityNIT: e.NIT, Page: registry.Page{First: registry.MaxPageSize}})
	if err != nil {
		return nil, err
	}
	d.MoreUses = ads.PageInfo.HasNextPage
	ids := make([]string, 0, len(ads.Items))
	for _, a := range ads.Items {
		ids = append(ids, a.AssetID)
	}
	assets, err := st.Assets().GetMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	assetByID := map[string]registry.Asset{}
	for _, a := range assets {
		assetByID[a.ID] = a
	}
	rels, err := st.Releases().ForAssets(ctx, ids)
	if err != nil {
		return nil, err
	}
	relsBy := map[string][]registry.Release{}
	for _, rl := range rels {
		relsBy[rl.AssetID] = append(relsBy[rl.AssetID], rl)
	}
	advBy := map[string][]registry.Advisory{}
	if len(ids) > 0 {
		advs, err := st.Advisories().List(ctx, registry.AdvisoryFilter{AssetIDs: ids, Page: registry.Page{First: registry.MaxPageSize}})
		if err != nil {
			return nil, err
		}
		for _, a := range advs.Items {
			advBy[a.AssetID] = append(advBy[a.AssetID], a)
		}
	}
	for _, ad := range ads.Items {
		row := usoRow{Adoption: ad, Asset: assetByID[ad.AssetID], Version: ad.ReleaseTag}
		if row.Version == "" {
			row.Version = ad.Constraint
		}
		latest, ok := registry.LatestRelease(relsBy[ad.AssetID])
		if ok {
			row.Latest = latest.Tag
		}
		for _, rl := range relsBy[ad.AssetID] {
			if rl.Tag != ad.ReleaseTag || rl.Version == "" {
				continue
			}
			if ok {
				v1, ok1 := registry.ParseSemver(rl.Version)
				v2, ok2 := registry.ParseSemver(latest.Version)
				row.Outdated = ok1 && ok2 && v1.Compare(v2) < 0
			}
			for _, adv := range advBy[ad.AssetID] {
				if adv.Affects(rl.Version) {
					row.Vulnerable = append(row.Vulnerable, adv)
				}
			}
		}
		if row.Outdated {
			d.Outdated++
		}
		if len(row.Vulnerable) > 0 {
			d.Vulnerable++
		}
		d.Uses = append(d.Uses, row)
	}
	sort.Slice(d.Uses, func(i, j int) bool {
		return registry.Fold(d.Uses[i].Asset.Name) < registry.Fold(d.Uses[j].Asset.Name)
	})

	pl, err := s.svc.Purchases(ctx, registry.PurchaseFilter{BuyerNIT: e.NIT, Sort: registry.SortDate,
		Page: registry.Page{First: 20, After: r.URL.Query().Get("compras_despues")}})
	if err != nil {
		return nil, err
	}
	d.Purchases = pl.Items
	if pl.PageInfo.HasNextPage {
		d.MorePurch = "/entidades/" + e.NIT + "?compras_despues=" + url.QueryEscape(pl.PageInfo.EndCursor) + "#compras"
	}
	if dd := s.dash.peek(ctx); dd != nil {
		d.ByYear = dd.BuyerYears[e.NIT]
	} else {
		groups, err := st.Purchases().Aggregate(ctx, registry.PurchaseFilter{BuyerNIT: e.NIT, Contracted: true}, registry.GroupYear)
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			y, _ := strconv.Atoi(g.Key[registry.GroupYear])
			d.ByYear = append(d.ByYear, yearTotal{Year: y, Count: g.Count, Total: g.Total})
		}
		sort.Slice(d.ByYear, func(i, j int) bool { return d.ByYear[i].Year > d.ByYear[j].Year })
	}
	for _, y := range d.ByYear {
		d.PurchTotal += y.Total
		d.PurchCount += y.Count
	}

	actor := registry.ActorFrom(ctx)
	if actor.Has(e.NIT, registry.RoleCIO, registry.RoleProcurement, registry.RoleEditor) {
		d.Officer = true
		d.CanWebhooks = actor.Has(e.NIT, registry.RoleCIO)
		if err := s.loadInbox(ctx, d); err != nil {
			return nil, err
		}
	}
	c := s.cats[langOf(r)]
	v := s.newView(r, e.Name, "entidades", crumb{Label: c.tr("entidades.titulo"), URL: "/entidades"}, crumb{Label: e.Name})
	v.Data = d
	return v, nil
}
