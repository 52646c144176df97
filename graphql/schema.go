package graphql

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"time"

	gql "github.com/graphql-go/graphql"

	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/search"
)

// Extension adds fields to the Query and Mutation types without editing
// this package (the matcher's "antes de comprar" analytics, for instance).
// It receives this schema's named types — "Asset", "Purchase", "Entity",
// "PurchaseLink", "Adoption", "Release", "Pesos", "UserError", "PageInfo"… —
// so its fields can return them: those object types resolve from pointers
// to the registry types (*registry.Asset, *registry.Purchase…). The type is
// an alias of a plain function type, so an adapter can provide one without
// importing this package. Connection fields (types named …Connection) get
// the same first/last and node-count limits as this package's own; errors
// that are registry sentinels reach the client with their code, others
// are masked as INTERNAL.
type Extension = func(types map[string]gql.Type) (query, mutation gql.Fields)

// Registrar registers a repository URL as a PUBLIC asset and queues its
// first sync.
type Registrar func(ctx context.Context, repositoryURL string) (registry.Asset, error)

// Config configures the API.
type Config struct {
	Service *registry.Service
	// Search answers text queries, facets and the purchase filters the
	// store cannot; without it lists come from the store and text queries
	// are refused.
	Search     *search.Index
	Logger     *slog.Logger
	RateLimits RateLimits
	Limits     Limits
	// Timeout is the deadline of a request, passed to every resolver and
	// store call (default 10 s).
	Timeout time.Duration
	Now     func() time.Time
	// Extensions add query and mutation fields.
	Extensions []Extension
	// RegisterRepository backs registerAsset; when nil, it is the
	// Service's RegisterRepository (egress policy, asset and mirror).
	RegisterRepository Registrar
	// ClientIP names the client of a request for the per-IP rate limit
	// (default: the host of RemoteAddr).
	ClientIP func(r *http.Request) string
}

// typeSet holds the schema's types.
type typeSet struct {
	node                                                               *gql.Interface
	pesos                                                              *gql.Scalar
	assetKind, devStatus, adoptionStatus, verification, source         *gql.Enum
	linkState, relation, mirrorStatus, orden, role                     *gql.Enum
	assetOrder, purchaseOrder, entityOrder                             *gql.Enum
	finding, description, contractor, contact, maintenance             *gql.Object
	languageShare, publiccode, highlight, facetValue, facet, totals    *gql.Object
	party, affected, evidence, grant, token, userError, rateLimit      *gql.Object
	asset, release, entity, adoption, purchase, link, advisory, mirror *gql.Object
	assetConn, releaseConn, entityConn, adoptionConn, purchaseConn     *gql.Object
	linkConn, advisoryConn, mirrorConn                                 *gql.Object
	viewer                                                             *gql.Object
}

// api is the schema and what its resolvers need.
type api struct {
	svc      *registry.Service
	search   *search.Index
	caches   *caches // nil without search
	log      *slog.Logger
	register Registrar
	t        typeSet
	pageInfo *gql.Object
	schema   gql.Schema
}

func newAPI(cfg Config) (*api, error) {
	if cfg.Service == nil {
		return nil, errors.New("graphql: Config.Service is required")
	}
	a := &api{svc: cfg.Service, search: cfg.Search, log: cfg.Logger, register: cfg.RegisterRepository}
	if cfg.Search != nil {
		a.caches = newCaches(cfg.Search.KindVersion)
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.register == nil {
		a.register = func(ctx context.Context, u string) (registry.Asset, error) {
			v, _, err := cfg.Service.RegisterRepository(ctx, u)
			return v, err
		}
	}
	a.buildTypes()
	query := a.queryFields()
	mutation := a.mutationFields()
	if len(cfg.Extensions) > 0 {
		types := map[string]gql.Type{}
		for _, typ := range []gql.Type{a.t.node, a.t.pesos, a.t.asset, a.t.release, a.t.entity, a.t.adoption, a.t.purchase,
			a.t.link, a.t.advisory, a.t.mirror, a.t.assetConn, a.t.releaseConn, a.t.entityConn, a.t.adoptionConn,
			a.t.purchaseConn, a.t.linkConn, a.t.advisoryConn, a.t.mirrorConn, a.t.userError, a.pageInfo, a.t.party,
			a.t.totals, a.t.assetKind, a.t.adoptionStatus, a.t.source, a.t.linkState, a.t.relation, a.t.devStatus, a.t.orden} {
			types[typ.Name()] = typ
		}
		for i, ext := range cfg.Extensions {
			q, m := ext(types)
			for name, f := range q {
				if _, dup := query[name]; dup {
					return nil, fmt.Errorf("graphql: extension %d adds query field %q, which exists", i, name)
				}
				query[name] = f
			}
			for name, f := range m {
				if _, dup := mutation[name]; dup {
					return nil, fmt.Errorf("graphql: extension %d adds mutation field %q, which exists", i, name)
				}
				mutation[name] = f
			}
		}
	}
	schema, err := gql.NewSchema(gql.SchemaConfig{
		Query:    gql.NewObject(gql.ObjectConfig{Name: "Query", Fields: query}),
		Mutation: gql.NewObject(gql.ObjectConfig{Name: "Mutation", Fields: mutation}),
		Types:    []gql.Type{a.t.asset, a.t.release, a.t.entity, a.t.adoption, a.t.purchase, a.t.link, a.t.advisory, a.t.mirror},
	})
	if err != nil {
		return nil, fmt.Errorf("graphql: building the schema: %w", err)
	}
	a.schema = schema
	return a, nil
}

func isNotFound(err error) bool { return errors.Is(err, registry.ErrNotFound) }

func argStr(p gql.ResolveParams, name string) string {
	s, _ := p.Args[name].(string)
	return s
}

func (a *api) queryFields() gql.Fields {
	t := &a.t
	assetFilter := gql.NewInputObject(gql.InputObjectConfig{Name: "AssetFilter", Fields: gql.InputObjectConfigFieldMap{
		"kind":              {Type: t.assetKind},
		"active":            {Type: gql.Boolean},
		"category":          {Type: gql.String},
		"license":           {Type: gql.String, Description: "SPDX expression, exactly."},
		"language":          {Type: gql.String, Description: "Programming language."},
		"developmentStatus": {Type: t.devStatus},
		"publisherNit":      {Type: gql.String},
		"adopterNit":        {Type: gql.String, Description: "Adopted by this entity."},
		"department":        {Type: gql.String, Description: "Adopted by an entity of this DIVIPOLA department."},
	}})
	t.viewer = gql.NewObject(gql.ObjectConfig{Name: "Viewer", Description: "Who is calling.", Fields: gql.Fields{
		"authenticated": {Type: gql.NewNonNull(gql.Boolean), Resolve: func(p gql.ResolveParams) (interface{}, error) {
			return !p.Source.(*registry.Actor).Anonymous(), nil
		}},
		"username": {Type: gql.String, Resolve: func(p gql.ResolveParams) (interface{}, error) {
			return nilIfEmpty(p.Source.(*registry.Actor).Username), nil
		}},
		"grants": {Type: gql.NewNonNull(gql.NewList(gql.NewNonNull(t.grant))), Resolve: func(p gql.ResolveParams) (interface{}, error) {
			gs := p.Source.(*registry.Actor).Grants
			out := make([]interface{}, len(gs))
			for i := range gs {
				out[i] = &gs[i]
			}
			return out, nil
		}},
		"tokens": {Type: gql.NewNonNull(gql.NewList(gql.NewNonNull(t.token))), Description: "Your API tokens.", Resolve: func(p gql.ResolveParams) (interface{}, error) {
			if p.Source.(*registry.Actor).Anonymous() {
				return []interface{}{}, nil
			}
			ts, err := a.svc.Tokens(p.Context, "")
			if err != nil {
				return nil, publicError(err)
			}
			out := make([]interface{}, len(ts))
			for i := range ts {
				out[i] = &ts[i]
			}
			return out, nil
		}},
	}})

	return gql.Fields{
		"node": {Type: t.node, Args: gql.FieldConfigArgument{"id": {Type: gql.NewNonNull(gql.ID)}}, Resolve: func(p gql.ResolveParams) (interface{}, error) {
			return a.node(p, argStr(p, "id"))
		}},
		"nodes": {Type: gql.NewNonNull(gql.NewList(t.node)), Description: "Up to 100 nodes by global id (null for unknown ids).", Args: gql.FieldConfigArgument{"ids": {Type: gql.NewNonNull(gql.NewList(gql.NewNonNull(gql.ID)))}}, Resolve: func(p gql.ResolveParams) (interface{}, error) {
			ids, _ := p.Args["ids"].([]interface{})
			if len(ids) > registry.MaxPageSize {
				return nil, reject(CodeArgumentOutOfRange, "nodes takes at most %d ids", registry.MaxPageSize)
			}
			out := make([]interface{}, len(ids))
			for i, id := range ids {
				s, _ := id.(string)
				v, err := a.node(p, s)
				if err != nil {
					return nil, err
				}
				out[i] = v
			}
			return out, nil
		}},
		"assets": {Type: gql.NewNonNull(t.assetConn), Description: "Assets, by text (Spanish and English, accents and one typo per word forgiven) and filters, with facet counts.", Args: pageArgs(gql.FieldConfigArgument{
			"query":     {Type: gql.String},
			"filter":    {Type: assetFilter},
			"orderBy":   {Type: t.assetOrder},
			"facetSize": {Type: gql.Int, DefaultValue: 10, Description: "Values per facet (0 to 50)."},
		}), Resolve: a.resolveAssets},
		"asset": {Type: t.asset, Args: gql.FieldConfigArgument{"slug": {Type: gql.NewNonNull(gql.String)}}, Resolve: func(p gql.ResolveParams) (interface{}, error) {
			v, err := a.assetBySlug(p.Context, argStr(p, "slug"))
			if isNotFound(err) {
				return nil, nil
			}
			if err != nil {
				return nil, publicError(err)
			}
			a.loadersFrom(p.Context).assets.Prime(v.ID, v)
			return &v, nil
		}},
		"releases": {Type: gql.NewNonNull(t.releaseConn), Description: "Releases and tags of an asset, newest first.", Args: pageArgs(gql.FieldConfigArgument{
			"asset":            {Type: gql.NewNonNull(gql.ID)},
			"onlyReleases":     {Type: gql.Boolean},
			"includeWithdrawn": {Type: gql.Boolean},
		}), Resolve: func(p gql.ResolveParams) (interface{}, error) { return a.resolveReleases(p, p.Args) }},
		"entities": {Type: gql.NewNonNull(t.entityConn), Description: "Public entities.", Args: pageArgs(gql.FieldConfigArgument{
			"query":      {Type: gql.String, Description: "Prefix of the name (case and accents ignored)."},
			"orden":      {Type: t.orden},
			"sector":     {Type: gql.String},
			"department": {Type: gql.String, Description: "DIVIPOLA department code."},
			"orderBy":    {Type: t.entityOrder},
		}), Resolve: func(p gql.ResolveParams) (interface{}, error) {
			pg, err := pageFrom(p)
			if err != nil {
				return nil, err
			}
			orden, _ := p.Args["orden"].(string)
			sortBy, _ := p.Args["orderBy"].(string)
			l, err := a.svc.Store().Entities().List(p.Context, registry.EntityFilter{NamePrefix: argStr(p, "query"), Orden: orden,
				Sector: argStr(p, "sector"), DepartmentCode: argStr(p, "department"), Sort: sortBy, Page: pg})
			if err != nil {
				return nil, publicError(err)
			}
			return listConnection(l, pg.WantTotal, func(e *registry.Entity) interface{} { return e }), nil
		}},
		"entity": {Type: t.entity, Description: "An entity by NIT, with or without check digit.", Args: gql.FieldConfigArgument{"nit": {Type: gql.NewNonNull(gql.String)}}, Resolve: func(p gql.ResolveParams) (interface{}, error) {
			e, err := a.svc.EntityByNIT(p.Context, argStr(p, "nit"))
			if isNotFound(err) || errors.Is(err, registry.ErrInvalid) {
				return nil, nil
			}
			if err != nil {
				return nil, publicError(err)
			}
			return &e, nil
		}},
		"adoptions": {Type: gql.NewNonNull(t.adoptionConn), Description: "Adoptions by asset, entity, status, version constraint, or outdated only.", Args: pageArgs(gql.FieldConfigArgument{
			"asset":        {Type: gql.ID},
			"entity":       {Type: gql.String, Description: "NIT of the adopting entity."},
			"status":       {Type: t.adoptionStatus},
			"verification": {Type: t.verification},
			"pending":      {Type: gql.Boolean},
			"version":      {Type: gql.String, Description: "Semver constraint the adopted version satisfies, e.g. \"<2.0.0\"."},
			"outdatedOnly": {Type: gql.Boolean, Description: "Only adoptions running a version older than the asset's latest release."},
		}), Resolve: func(p gql.ResolveParams) (interface{}, error) { return a.resolveAdoptions(p, p.Args) }},
		"purchases": {Type: gql.NewNonNull(t.purchaseConn), Description: "Purchases of the State.", Args: pageArgs(gql.FieldConfigArgument{
			"query":       {Type: gql.String, Description: "Text of the description, object, buyer and supplier names."},
			"buyer":       {Type: gql.String, Description: "Buyer NIT."},
			"supplier":    {Type: gql.String, Description: "Supplier document number (anonymous readers: companies only)."},
			"unspsc":      {Type: gql.String, Description: "UNSPSC code, or its 2/4/6-digit segment, family or class."},
			"year":        {Type: gql.Int},
			"minValue":    {Type: t.pesos},
			"maxValue":    {Type: t.pesos},
			"source":      {Type: t.source},
			"linkedAsset": {Type: gql.ID, Description: "Purchases linked (not rejected) to this asset."},
			"orderBy":     {Type: t.purchaseOrder},
		}), Resolve: a.resolvePurchases},
		"purchaseLinks": {Type: gql.NewNonNull(t.linkConn), Args: pageArgs(gql.FieldConfigArgument{
			"asset":    {Type: gql.ID},
			"purchase": {Type: gql.ID},
			"state":    {Type: t.linkState},
			"relation": {Type: t.relation},
		}), Resolve: func(p gql.ResolveParams) (interface{}, error) { return a.resolveLinks(p, p.Args) }},
		"advisories": {Type: gql.NewNonNull(t.advisoryConn), Args: pageArgs(gql.FieldConfigArgument{"asset": {Type: gql.ID}}), Resolve: func(p gql.ResolveParams) (interface{}, error) {
			return a.resolveAdvisories(p, p.Args)
		}},
		"mirrors": {Type: gql.NewNonNull(t.mirrorConn), Description: "Mirror status, soonest due first.", Args: pageArgs(gql.FieldConfigArgument{
			"status": {Type: t.mirrorStatus},
			"asset":  {Type: gql.ID},
		}), Resolve: func(p gql.ResolveParams) (interface{}, error) {
			pg, err := pageFrom(p)
			if err != nil {
				return nil, err
			}
			f := registry.MirrorFilter{Page: pg}
			f.Status, _ = p.Args["status"].(string)
			if gid := argStr(p, "asset"); gid != "" {
				if f.AssetID, err = idOf(gid, typeAsset, "asset"); err != nil {
					return nil, err
				}
			}
			l, err := a.svc.Store().Mirrors().List(p.Context, f)
			if err != nil {
				return nil, publicError(err)
			}
			return listConnection(l, pg.WantTotal, func(m *registry.Mirror) interface{} { return m }), nil
		}},
		"viewer": {Type: gql.NewNonNull(t.viewer), Resolve: func(p gql.ResolveParams) (interface{}, error) {
			act := registry.ActorFrom(p.Context)
			return &act, nil
		}},
		"rateLimit": {Type: t.rateLimit, Description: "Your point budget, after this request.", Resolve: func(p gql.ResolveParams) (interface{}, error) {
			rs, ok := p.Context.Value(rateKey{}).(*rateState)
			if !ok {
				return nil, nil
			}
			return rs, nil
		}},
	}
}

// node loads any node by global id (null when unknown).
func (a *api) node(p gql.ResolveParams, gid string) (interface{}, error) {
	typ, id, ok := parseGlobalID(gid)
	if !ok {
		return nil, nil
	}
	ctx := p.Context
	st := a.svc.Store()
	one := func(v interface{}, err error) (interface{}, error) {
		if isNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, publicError(err)
		}
		return v, nil
	}
	switch typ {
	case typeAsset:
		return a.assetByID(p, id)
	case typePurchase:
		return a.purchaseByID(p, id)
	case typeAdoption:
		return thunk(a.loadersFrom(ctx).adoptionBy.Load(ctx, id), func(v registry.Adoption, ok bool) (interface{}, error) {
			if !ok {
				return nil, nil
			}
			return &v, nil
		}), nil
	case typeRelease:
		v, err := st.Releases().Get(ctx, id)
		return one(&v, err)
	case typeEntity:
		v, err := st.Entities().Get(ctx, id)
		return one(&v, err)
	case typeLink:
		v, err := st.Links().Get(ctx, id)
		return one(&v, err)
	case typeAdvisory:
		v, err := st.Advisories().Get(ctx, id)
		return one(&v, err)
	case typeMirror:
		v, err := st.Mirrors().Get(ctx, id)
		return one(&v, err)
	}
	return nil, nil
}

// assetListConnection makes a connection of a store page of assets and
// primes the asset loader with them.
func (a *api) assetListConnection(p gql.ResolveParams, l registry.List[registry.Asset], wantTotal bool) *connection {
	ld := a.loadersFrom(p.Context)
	return listConnection(l, wantTotal, func(v *registry.Asset) interface{} {
		ld.assets.Prime(v.ID, *v)
		return v
	})
}

func (a *api) resolveAssets(p gql.ResolveParams) (interface{}, error) {
	pg, err := pageFrom(p)
	if err != nil {
		return nil, err
	}
	text := argStr(p, "query")
	sortBy, _ := p.Args["orderBy"].(string)
	facetSize, _ := p.Args["facetSize"].(int)
	if facetSize < 0 || facetSize > 50 {
		return nil, reject(CodeArgumentOutOfRange, "facetSize must be between 0 and 50")
	}
	var q search.AssetQuery
	if f, ok := p.Args["filter"].(map[string]interface{}); ok {
		s := func(k string) string { v, _ := f[k].(string); return v }
		q.Kind = registry.AssetKind(s("kind"))
		if v, ok := f["active"].(bool); ok {
			q.Active = &v
		}
		q.Category, q.License, q.Language, q.DevelopmentStatus = s("category"), s("license"), s("language"), s("developmentStatus")
		q.PublisherNIT, q.AdopterNIT, q.Department = s("publisherNit"), s("adopterNit"), s("department")
	}
	wantFacets := selects(p.Info, "facets")
	// Without text and facets the store answers a list faster than the
	// index (which would sort every hit).
	if a.search == nil || text == "" && !wantFacets && sortBy != search.SortRelevance {
		if text != "" {
			return nil, reject(CodeInvalid, "text search is not available on this server")
		}
		if sortBy == search.SortRelevance {
			sortBy = ""
		}
		l, err := a.svc.Assets(p.Context, registry.AssetFilter{Kind: q.Kind, Active: q.Active, PublisherNIT: q.PublisherNIT,
			Category: q.Category, License: q.License, Language: q.Language, DevelopmentStatus: q.DevelopmentStatus,
			AdopterNIT: q.AdopterNIT, AdopterDepartment: q.Department, Sort: sortBy, Page: pg})
		if err != nil {
			return nil, publicError(err)
		}
		return a.assetListConnection(p, l, pg.WantTotal), nil
	}
	q.Text, q.Sort, q.Page = text, sortBy, pg
	if wantFacets {
		q.FacetSize = facetSize
	}
	q.Highlight = selectsEdgeField(p.Info, "highlights")
	res, err := a.search.SearchAssets(p.Context, q)
	if err != nil {
		return nil, publicError(err)
	}
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	byID := map[string]registry.Asset{}
	if len(ids) > 0 {
		var err error
		if a.caches != nil {
			byID, err = a.caches.assets.load(p.Context, ids, fetchAssets(a.svc.Store()))
		} else {
			byID, err = fetchAssets(a.svc.Store())(p.Context, ids)
		}
		if err != nil {
			return nil, publicError(err)
		}
		ld := a.loadersFrom(p.Context)
		for id, v := range byID {
			ld.assets.Prime(id, v)
		}
	}
	c := &connection{PageInfo: res.PageInfo, Total: &res.Total, Ignored: res.Ignored, Relaxed: res.Relaxed}
	for i, h := range res.Hits {
		v, ok := byID[h.ID]
		if !ok {
			continue // deleted since it was indexed
		}
		score := h.Score
		var sp *float64
		if text != "" {
			sp = &score
		}
		c.Edges = append(c.Edges, edge{Cursor: res.Cursors[i], Node: &v, Score: sp, Highlights: h.Highlights})
	}
	for _, f := range res.Facets {
		ff := facet{Field: f.Field, Other: f.Other, Missing: f.Missing}
		for _, v := range f.Values {
			ff.Values = append(ff.Values, facetValue{Value: v.Value, Count: v.Count})
		}
		c.Facets = append(c.Facets, ff)
	}
	return c, nil
}

func (a *api) resolveReleases(p gql.ResolveParams, args map[string]interface{}) (interface{}, error) {
	pg, err := pageFrom(p)
	if err != nil {
		return nil, err
	}
	assetID, err := idOf(fmt.Sprint(args["asset"]), typeAsset, "asset")
	if err != nil {
		return nil, err
	}
	f := registry.ReleaseFilter{AssetID: assetID, Page: pg}
	f.OnlyReleases, _ = args["onlyReleases"].(bool)
	f.IncludeWithdrawn, _ = args["includeWithdrawn"].(bool)
	l, err := a.svc.Store().Releases().List(p.Context, f)
	if err != nil {
		return nil, publicError(err)
	}
	return listConnection(l, pg.WantTotal, func(r *registry.Release) interface{} { return r }), nil
}

func (a *api) resolveLinks(p gql.ResolveParams, args map[string]interface{}) (interface{}, error) {
	pg, err := pageFrom(p)
	if err != nil {
		return nil, err
	}
	f := registry.LinkFilter{Page: pg}
	f.State, _ = args["state"].(string)
	f.Relation, _ = args["relation"].(string)
	if gid, _ := args["asset"].(string); gid != "" {
		if f.AssetID, err = idOf(gid, typeAsset, "asset"); err != nil {
			return nil, err
		}
	}
	if gid, _ := args["purchase"].(string); gid != "" {
		if f.PurchaseID, err = idOf(gid, typePurchase, "purchase"); err != nil {
			return nil, err
		}
	}
	l, err := a.svc.Store().Links().List(p.Context, f)
	if err != nil {
		return nil, publicError(err)
	}
	return listConnection(l, pg.WantTotal, func(v *registry.PurchaseLink) interface{} { return v }), nil
}

func (a *api) resolveAdvisories(p gql.ResolveParams, args map[string]interface{}) (interface{}, error) {
	pg, err := pageFrom(p)
	if err != nil {
		return nil, err
	}
	f := registry.AdvisoryFilter{Page: pg}
	if gid, _ := args["asset"].(string); gid != "" {
		if f.AssetID, err = idOf(gid, typeAsset, "asset"); err != nil {
			return nil, err
		}
	}
	l, err := a.svc.Store().Advisories().List(p.Context, f)
	if err != nil {
		return nil, publicError(err)
	}
	return listConnection(l, pg.WantTotal, func(v *registry.Advisory) interface{} { return v }), nil
}

// maxScan bounds the adoptions examined by one request when a filter is
// applied after reading (version, outdatedOnly).
const maxScan = 2000

func (a *api) resolveAdoptions(p gql.ResolveParams, args map[string]interface{}) (interface{}, error) {
	pg, err := pageFrom(p)
	if err != nil {
		return nil, err
	}
	f := registry.AdoptionFilter{}
	f.Status, _ = args["status"].(string)
	f.Verification, _ = args["verification"].(string)
	if v, ok := args["pending"].(bool); ok {
		f.Pending = &v
	}
	f.EntityNIT, _ = args["entity"].(string)
	if gid, _ := args["asset"].(string); gid != "" {
		if f.AssetID, err = idOf(gid, typeAsset, "asset"); err != nil {
			return nil, err
		}
	}
	outdatedOnly, _ := args["outdatedOnly"].(bool)
	var constraint *registry.Constraint
	if v, _ := args["version"].(string); v != "" {
		c, err := registry.ParseConstraint(v)
		if err != nil {
			e := reject(CodeInvalid, "version: %v", err)
			e.field = "version"
			return nil, e
		}
		constraint = &c
	}
	st := a.svc.Store()
	if !outdatedOnly && constraint == nil {
		f.Page = pg
		l, err := st.Adoptions().List(p.Context, f)
		if err != nil {
			return nil, publicError(err)
		}
		return listConnection(l, pg.WantTotal, func(v *registry.Adoption) interface{} { return v }), nil
	}
	// Filter after reading: scan store pages, keep the matching rows, and
	// stop when the page is full or maxScan rows were examined.
	keep := func(ads []registry.Adoption) ([]bool, error) {
		ids := map[string]bool{}
		for _, ad := range ads {
			ids[ad.AssetID] = true
		}
		by, err := a.releasesOf(p.Context, keysOf(ids))
		if err != nil {
			return nil, err
		}
		// The adoptions' release and outdated fields reuse these.
		ld := a.loadersFrom(p.Context)
		for id := range ids {
			ld.releases.Prime(id, by[id])
		}
		out := make([]bool, len(ads))
		for i := range ads {
			rs := by[ads[i].AssetID]
			ok := true
			if outdatedOnly && !isOutdated(&ads[i], rs) {
				ok = false
			}
			if ok && constraint != nil {
				v, found := effectiveVersion(&ads[i], rs)
				ok = found && constraint.Check(v)
			}
			out[i] = ok
		}
		return out, nil
	}
	want := pg.Size()
	c := &connection{}
	scanned := 0
	sf := f
	sf.Page = registry.Page{First: registry.MaxPageSize, After: pg.After, Last: 0, Before: pg.Before}
	backward := pg.Backward()
	if backward {
		sf.Page = registry.Page{Last: registry.MaxPageSize, Before: pg.Before}
	}
	var kept []edge
	exhausted := false
	lastCursor := ""
	for len(kept) < want+1 && scanned < maxScan {
		l, err := st.Adoptions().List(p.Context, sf)
		if err != nil {
			return nil, publicError(err)
		}
		scanned += len(l.Items)
		ok, err := keep(l.Items)
		if err != nil {
			return nil, publicError(err)
		}
		order := make([]int, len(l.Items))
		for i := range order {
			order[i] = i
		}
		if backward {
			sort.Sort(sort.Reverse(sort.IntSlice(order)))
		}
		for _, i := range order {
			if len(kept) == want+1 {
				break
			}
			lastCursor = l.Cursors[i]
			if ok[i] {
				ad := l.Items[i]
				kept = append(kept, edge{Cursor: l.Cursors[i], Node: &ad})
			}
		}
		more := l.PageInfo.HasNextPage
		if backward {
			more = l.PageInfo.HasPreviousPage
		}
		if !more || len(l.Items) == 0 {
			exhausted = true
			break
		}
		if backward {
			sf.Page.Before = l.PageInfo.StartCursor
		} else {
			sf.Page.After = l.PageInfo.EndCursor
		}
	}
	hasMore := len(kept) > want || !exhausted
	if len(kept) > want {
		kept = kept[:want]
	}
	if backward {
		for i, j := 0, len(kept)-1; i < j; i, j = i+1, j-1 {
			kept[i], kept[j] = kept[j], kept[i]
		}
	}
	c.Edges = kept
	if len(kept) > 0 {
		c.PageInfo.StartCursor, c.PageInfo.EndCursor = kept[0].Cursor, kept[len(kept)-1].Cursor
	} else if hasMore && lastCursor != "" {
		// Nothing matched among the rows examined: let the client go on
		// from the last row examined.
		if backward {
			c.PageInfo.StartCursor = lastCursor
		} else {
			c.PageInfo.EndCursor = lastCursor
		}
	}
	if backward {
		c.PageInfo.HasPreviousPage, c.PageInfo.HasNextPage = hasMore, pg.Before != ""
	} else {
		c.PageInfo.HasNextPage, c.PageInfo.HasPreviousPage = hasMore, pg.After != ""
	}
	if pg.WantTotal {
		c.total = func() (interface{}, error) {
			n, complete := int64(0), false
			tf := f
			tf.Page = registry.Page{First: registry.MaxPageSize}
			for seen := 0; seen < maxScan; {
				l, err := st.Adoptions().List(p.Context, tf)
				if err != nil {
					return nil, publicError(err)
				}
				seen += len(l.Items)
				ok, err := keep(l.Items)
				if err != nil {
					return nil, publicError(err)
				}
				for _, b := range ok {
					if b {
						n++
					}
				}
				if !l.PageInfo.HasNextPage || len(l.Items) == 0 {
					complete = true
					break
				}
				tf.Page.After = l.PageInfo.EndCursor
			}
			if !complete {
				return nil, nil
			}
			return n, nil
		}
	}
	return c, nil
}

func keysOf(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (a *api) resolvePurchases(p gql.ResolveParams) (interface{}, error) {
	pg, err := pageFrom(p)
	if err != nil {
		return nil, err
	}
	anonymous := registry.ActorFrom(p.Context).Anonymous()
	text := argStr(p, "query")
	sortBy, _ := p.Args["orderBy"].(string)
	var linked string
	if gid := argStr(p, "linkedAsset"); gid != "" {
		if linked, err = idOf(gid, typeAsset, "linkedAsset"); err != nil {
			return nil, err
		}
	}
	f := registry.PurchaseFilter{BuyerNIT: argStr(p, "buyer"), SupplierDoc: argStr(p, "supplier"), UNSPSC: argStr(p, "unspsc")}
	f.Source, _ = p.Args["source"].(string)
	f.Year, _ = p.Args["year"].(int)
	if v, ok := p.Args["minValue"].(int64); ok {
		f.MinValue = &v
	}
	if v, ok := p.Args["maxValue"].(int64); ok {
		f.MaxValue = &v
	}
	needSearch := text != "" || linked != "" || sortBy == search.SortRelevance || (anonymous && f.SupplierDoc != "")
	if !needSearch {
		f.Sort, f.Page = sortBy, pg
		l, err := a.svc.Store().Purchases().List(p.Context, f)
		if err != nil {
			return nil, publicError(err)
		}
		return listConnection(l, pg.WantTotal, func(v *registry.Purchase) interface{} { return v }), nil
	}
	if a.search == nil {
		if text != "" || linked != "" {
			return nil, reject(CodeInvalid, "text search and linkedAsset need the search index, which this server does not have")
		}
		return &connection{}, nil // anonymous supplier filter without an index: nothing may be shown
	}
	res, err := a.search.SearchPurchases(p.Context, search.PurchaseQuery{Text: text, Source: f.Source, BuyerNIT: f.BuyerNIT,
		SupplierDoc: f.SupplierDoc, Anonymous: anonymous, UNSPSC: f.UNSPSC, Year: f.Year, MinValue: f.MinValue, MaxValue: f.MaxValue,
		LinkedAssetID: linked, Sort: sortBy, Page: pg, Highlight: selectsEdgeField(p.Info, "highlights")})
	if err != nil {
		return nil, publicError(err)
	}
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	byID := map[string]registry.Purchase{}
	if len(ids) > 0 {
		ps, err := a.svc.Store().Purchases().GetMany(p.Context, ids)
		if err != nil {
			return nil, publicError(err)
		}
		for _, v := range ps {
			byID[v.ID] = v
		}
	}
	c := &connection{PageInfo: res.PageInfo, Total: &res.Total}
	for i, h := range res.Hits {
		v, ok := byID[h.ID]
		if !ok {
			continue
		}
		c.Edges = append(c.Edges, edge{Cursor: res.Cursors[i], Node: &v, Highlights: h.Highlights})
	}
	return c, nil
}
