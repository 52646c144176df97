package graphql

import (
	"strings"
	"time"

	gql "github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/language/ast"

	"github.com/acervo-co/acervo/registry"
)

// resolver shortens field definitions over a Go source type.
func get[T any](t gql.Output, desc string, fn func(*T) interface{}) *gql.Field {
	return &gql.Field{Type: t, Description: desc, Resolve: func(p gql.ResolveParams) (interface{}, error) {
		return fn(p.Source.(*T)), nil
	}}
}

func str[T any](desc string, fn func(*T) string) *gql.Field {
	return get[T](gql.String, desc, func(v *T) interface{} {
		if s := fn(v); s != "" {
			return &s
		}
		return nil
	})
}

func strNN[T any](desc string, fn func(*T) string) *gql.Field {
	return get[T](gql.NewNonNull(gql.String), desc, func(v *T) interface{} { s := fn(v); return &s })
}

// String and ID fields answer *string: graphql-go serialises any other
// value of them with fmt.Sprintf("%v"), a pointer without it.

func strs[T any](desc string, fn func(*T) []string) *gql.Field {
	return get[T](gql.NewNonNull(gql.NewList(gql.NewNonNull(gql.String))), desc, func(v *T) interface{} {
		s := fn(v)
		if s == nil {
			return []string{}
		}
		return s
	})
}

func timeOrNil(t time.Time) interface{} {
	if t.IsZero() {
		return nil
	}
	return t
}

func ptrTime(t *time.Time) interface{} {
	if t == nil || t.IsZero() {
		return nil
	}
	return *t
}

// enumOf makes an enum whose GraphQL names map to stored values.
func enumOf(name, desc string, values map[string]string) *gql.Enum {
	cfg := gql.EnumValueConfigMap{}
	for k, v := range values {
		cfg[k] = &gql.EnumValueConfig{Value: v}
	}
	return gql.NewEnum(gql.EnumConfig{Name: name, Description: desc, Values: cfg})
}

func identity(vals ...string) map[string]string {
	m := map[string]string{}
	for _, v := range vals {
		m[v] = v
	}
	return m
}

// newPesos is the scalar of amounts in whole Colombian pesos: a JSON
// number (GraphQL's Int is 32-bit, and contracts pass 2,147,483,647 pesos).
func newPesos() *gql.Scalar {
	parse := func(v interface{}) interface{} {
		switch n := v.(type) {
		case int:
			return int64(n)
		case int64:
			return n
		case float64:
			if n == float64(int64(n)) {
				return int64(n)
			}
		}
		return nil
	}
	return gql.NewScalar(gql.ScalarConfig{
		Name:        "Pesos",
		Description: "An amount in whole Colombian pesos (COP), as a JSON number (up to 2^53).",
		Serialize: func(v interface{}) interface{} {
			if n, ok := v.(int64); ok {
				return n
			}
			return parse(v)
		},
		ParseValue: parse,
		ParseLiteral: func(v ast.Value) interface{} {
			if iv, ok := v.(*ast.IntValue); ok {
				var n int64
				for _, c := range iv.Value {
					if c == '-' {
						continue
					}
					if c < '0' || c > '9' || n > (1<<53)/10 {
						return nil
					}
					n = n*10 + int64(c-'0')
				}
				if strings.HasPrefix(iv.Value, "-") {
					n = -n
				}
				return n
			}
			return nil
		},
	})
}

// partyView is a supplier or legal representative with what the reader
// may see of it.
type partyView struct {
	registry.Party
	legalRep bool
}

// outdated tells whether an adoption runs a version older than the asset's
// latest release; effective is the version it runs (for a constraint: the
// highest release that satisfies it).
func effectiveVersion(ad *registry.Adoption, rs []registry.Release) (registry.Semver, bool) {
	if ad.ReleaseTag != "" {
		for _, r := range rs {
			if r.Tag == ad.ReleaseTag {
				return registry.ParseSemver(r.Version)
			}
		}
		return registry.ParseSemver(ad.ReleaseTag)
	}
	if ad.Constraint == "" {
		return registry.Semver{}, false
	}
	c, err := registry.ParseConstraint(ad.Constraint)
	if err != nil {
		return registry.Semver{}, false
	}
	var best registry.Semver
	found := false
	for _, r := range rs {
		if !r.IsRelease || r.Withdrawn {
			continue
		}
		v, ok := registry.ParseSemver(r.Version)
		if ok && c.Check(v) && (!found || v.Compare(best) > 0) {
			best, found = v, true
		}
	}
	return best, found
}

func isOutdated(ad *registry.Adoption, rs []registry.Release) bool {
	if ad.Status == registry.AdoptionRetired {
		return false
	}
	latest, ok := registry.LatestRelease(rs)
	if !ok {
		return false
	}
	lv, ok := registry.ParseSemver(latest.Version)
	if !ok {
		return false
	}
	ev, ok := effectiveVersion(ad, rs)
	return ok && ev.Compare(lv) < 0
}

// buildTypes makes every object type of the schema.
func (a *api) buildTypes() {
	t := &a.t
	a.pageInfo = newPageInfoType()
	t.pesos = newPesos()
	t.node = gql.NewInterface(gql.InterfaceConfig{
		Name:        "Node",
		Description: "An object with a global id (node, nodes).",
		Fields:      gql.Fields{"id": {Type: gql.NewNonNull(gql.ID)}},
		ResolveType: func(p gql.ResolveTypeParams) *gql.Object {
			switch p.Value.(type) {
			case *registry.Asset:
				return t.asset
			case *registry.Release:
				return t.release
			case *registry.Entity:
				return t.entity
			case *registry.Adoption:
				return t.adoption
			case *registry.Purchase:
				return t.purchase
			case *registry.PurchaseLink:
				return t.link
			case *registry.Advisory:
				return t.advisory
			case *registry.Mirror:
				return t.mirror
			}
			return nil
		},
	})
	t.assetKind = enumOf("AssetKind", "Reusable public software with a repository, or a commercial product the State buys.", identity("PUBLIC", "COMMERCIAL"))
	t.devStatus = enumOf("DevelopmentStatus", "publiccode.yml developmentStatus.", map[string]string{"CONCEPT": "concept", "DEVELOPMENT": "development", "BETA": "beta", "STABLE": "stable", "OBSOLETE": "obsolete"})
	t.adoptionStatus = enumOf("AdoptionStatus", "Stage of an entity's use of an asset.", identity(registry.AdoptionEvaluating, registry.AdoptionPilot, registry.AdoptionProduction, registry.AdoptionRetired))
	t.verification = enumOf("Verification", "Who vouches for an adoption.", identity(registry.VerificationSelfDeclared, registry.VerificationCIOVerified, registry.VerificationProcurementDerived, registry.VerificationForkDerived))
	t.source = enumOf("PurchaseSource", "Where a purchase record comes from.", identity(registry.SourceSECOPII, registry.SourceSECOPI, registry.SourceTVEC, registry.SourceOCDS))
	t.linkState = enumOf("LinkState", "Decision on a purchase link.", identity(registry.LinkSuggested, registry.LinkConfirmed, registry.LinkRejected))
	t.relation = enumOf("LinkRelation", "What a purchase paid for, about an asset.", identity(registry.RelDevelopment, registry.RelImplementation, registry.RelMaintenance, registry.RelSupport, registry.RelLicensing, registry.RelHosting, registry.RelTraining, registry.RelAlternative))
	t.mirrorStatus = enumOf("MirrorStatus", "State of Acervo's copy of a repository.", identity(registry.MirrorNew, registry.MirrorOK, registry.MirrorFailed))
	t.orden = enumOf("Orden", "National or territorial order of an entity.", identity(registry.OrdenNacional, registry.OrdenTerritorial))
	t.role = enumOf("Role", "A role, for one entity (admin: for all).", map[string]string{"ADMIN": "admin", "CIO": "cio", "PROCUREMENT": "procurement", "EDITOR": "editor"})
	t.assetOrder = enumOf("AssetOrder", "Order of assets. RELEVANCE needs a query; without one it is NAME.", identity("RELEVANCE", registry.SortName, registry.SortUpdated, registry.SortCreated))
	t.purchaseOrder = enumOf("PurchaseOrder", "Order of purchases, newest or largest first. RELEVANCE needs a query.", identity("RELEVANCE", registry.SortDate, registry.SortValue))
	t.entityOrder = enumOf("EntityOrder", "Order of entities.", identity(registry.SortName, registry.SortNIT))

	t.finding = gql.NewObject(gql.ObjectConfig{Name: "Finding", Description: "An error or warning of a publiccode.yml validation.", Fields: gql.Fields{
		"severity": strNN[registry.Finding]("error or warning", func(f *registry.Finding) string { return f.Severity }),
		"key":      strNN[registry.Finding]("", func(f *registry.Finding) string { return f.Key }),
		"message":  strNN[registry.Finding]("", func(f *registry.Finding) string { return f.Message }),
		"line":     get[registry.Finding](gql.NewNonNull(gql.Int), "", func(f *registry.Finding) interface{} { return f.Line }),
		"column":   get[registry.Finding](gql.NewNonNull(gql.Int), "", func(f *registry.Finding) interface{} { return f.Column }),
	}})
	findings := func(fs []registry.Finding) interface{} {
		out := make([]interface{}, len(fs))
		for i := range fs {
			out[i] = &fs[i]
		}
		return out
	}
	t.description = gql.NewObject(gql.ObjectConfig{Name: "Description", Description: "An asset's description in one language.", Fields: gql.Fields{
		"lang":             strNN[langDescription]("es or en", func(d *langDescription) string { return d.Lang }),
		"localisedName":    str[langDescription]("", func(d *langDescription) string { return d.LocalisedName }),
		"genericName":      str[langDescription]("", func(d *langDescription) string { return d.GenericName }),
		"shortDescription": str[langDescription]("", func(d *langDescription) string { return d.ShortDescription }),
		"longDescription":  str[langDescription]("Markdown.", func(d *langDescription) string { return d.LongDescription }),
		"features":         strs[langDescription]("", func(d *langDescription) []string { return d.Features }),
		"documentation":    str[langDescription]("", func(d *langDescription) string { return d.Documentation }),
	}})
	t.contractor = gql.NewObject(gql.ObjectConfig{Name: "Contractor", Fields: gql.Fields{
		"name":    strNN[registry.Contractor]("", func(c *registry.Contractor) string { return c.Name }),
		"nit":     str[registry.Contractor]("", func(c *registry.Contractor) string { return c.NIT }),
		"website": str[registry.Contractor]("", func(c *registry.Contractor) string { return c.Website }),
		"until":   get[registry.Contractor](gql.DateTime, "", func(c *registry.Contractor) interface{} { return timeOrNil(c.Until) }),
	}})
	t.contact = gql.NewObject(gql.ObjectConfig{Name: "Contact", Fields: gql.Fields{
		"name":        strNN[registry.Contact]("", func(c *registry.Contact) string { return c.Name }),
		"email":       str[registry.Contact]("", func(c *registry.Contact) string { return c.Email }),
		"affiliation": str[registry.Contact]("", func(c *registry.Contact) string { return c.Affiliation }),
	}})
	t.maintenance = gql.NewObject(gql.ObjectConfig{Name: "Maintenance", Fields: gql.Fields{
		"type": str[registry.Maintenance]("internal, contract, community or none", func(m *registry.Maintenance) string { return m.Type }),
		"contractors": get[registry.Maintenance](gql.NewNonNull(gql.NewList(gql.NewNonNull(t.contractor))), "", func(m *registry.Maintenance) interface{} {
			out := make([]interface{}, len(m.Contractors))
			for i := range m.Contractors {
				out[i] = &m.Contractors[i]
			}
			return out
		}),
		"contacts": get[registry.Maintenance](gql.NewNonNull(gql.NewList(gql.NewNonNull(t.contact))), "", func(m *registry.Maintenance) interface{} {
			out := make([]interface{}, len(m.Contacts))
			for i := range m.Contacts {
				out[i] = &m.Contacts[i]
			}
			return out
		}),
	}})
	t.languageShare = gql.NewObject(gql.ObjectConfig{Name: "LanguageShare", Fields: gql.Fields{
		"name":  strNN[registry.LanguageShare]("", func(l *registry.LanguageShare) string { return l.Name }),
		"share": get[registry.LanguageShare](gql.NewNonNull(gql.Float), "Share of the files, 0 to 1.", func(l *registry.LanguageShare) interface{} { return l.Share }),
	}})
	t.publiccode = gql.NewObject(gql.ObjectConfig{Name: "PubliccodeSnapshot", Description: "The publiccode.yml found at a release.", Fields: gql.Fields{
		"present":  get[registry.PubliccodeSnapshot](gql.NewNonNull(gql.Boolean), "", func(s *registry.PubliccodeSnapshot) interface{} { return s.Present }),
		"path":     str[registry.PubliccodeSnapshot]("", func(s *registry.PubliccodeSnapshot) string { return s.Path }),
		"version":  str[registry.PubliccodeSnapshot]("publiccodeYmlVersion", func(s *registry.PubliccodeSnapshot) string { return s.Version }),
		"valid":    get[registry.PubliccodeSnapshot](gql.NewNonNull(gql.Boolean), "", func(s *registry.PubliccodeSnapshot) interface{} { return s.Valid }),
		"findings": get[registry.PubliccodeSnapshot](gql.NewNonNull(gql.NewList(gql.NewNonNull(t.finding))), "", func(s *registry.PubliccodeSnapshot) interface{} { return findings(s.Findings) }),
	}})
	t.highlight = gql.NewObject(gql.ObjectConfig{Name: "Highlight", Description: "Snippets of a field where the query matched: HTML with the text escaped and matches in <mark>.", Fields: gql.Fields{
		"field": {Type: gql.NewNonNull(gql.String), Resolve: func(p gql.ResolveParams) (interface{}, error) { f := p.Source.(highlight).Field; return &f, nil }},
		"snippets": {Type: gql.NewNonNull(gql.NewList(gql.NewNonNull(gql.String))), Resolve: func(p gql.ResolveParams) (interface{}, error) {
			ss := p.Source.(highlight).Snippets
			out := make([]interface{}, len(ss))
			for i := range ss {
				out[i] = &ss[i]
			}
			return out, nil
		}},
	}})
	t.facetValue = gql.NewObject(gql.ObjectConfig{Name: "FacetValue", Fields: gql.Fields{
		"value": {Type: gql.NewNonNull(gql.String), Resolve: func(p gql.ResolveParams) (interface{}, error) { v := p.Source.(facetValue).Value; return &v, nil }},
		"count": {Type: gql.NewNonNull(gql.Int), Resolve: func(p gql.ResolveParams) (interface{}, error) { return p.Source.(facetValue).Count, nil }},
	}})
	t.facet = gql.NewObject(gql.ObjectConfig{Name: "Facet", Description: "Counts of the values of one field over every matching asset.", Fields: gql.Fields{
		"field": {Type: gql.NewNonNull(gql.String), Description: "kind, categories, license, languages, developmentStatus, publisherNit or adopterDepartments.", Resolve: func(p gql.ResolveParams) (interface{}, error) { f := p.Source.(facet).Field; return &f, nil }},
		"values": {Type: gql.NewNonNull(gql.NewList(gql.NewNonNull(t.facetValue))), Resolve: func(p gql.ResolveParams) (interface{}, error) {
			f := p.Source.(facet)
			out := make([]interface{}, len(f.Values))
			for i, v := range f.Values {
				out[i] = v
			}
			return out, nil
		}},
		"other":   {Type: gql.NewNonNull(gql.Int), Description: "Matches with values beyond those returned.", Resolve: func(p gql.ResolveParams) (interface{}, error) { return p.Source.(facet).Other, nil }},
		"missing": {Type: gql.NewNonNull(gql.Int), Description: "Matches without a value.", Resolve: func(p gql.ResolveParams) (interface{}, error) { return p.Source.(facet).Missing, nil }},
	}})
	t.totals = gql.NewObject(gql.ObjectConfig{Name: "PurchaseTotals", Description: "Purchases linked to an asset.", Fields: gql.Fields{
		"count":          get[purchaseTotals](gql.NewNonNull(gql.Int), "Purchases with a confirmed link.", func(v *purchaseTotals) interface{} { return v.Count }),
		"total":          get[purchaseTotals](gql.NewNonNull(t.pesos), "Their value.", func(v *purchaseTotals) interface{} { return v.Total }),
		"suggestedCount": get[purchaseTotals](gql.NewNonNull(gql.Int), "Purchases with a link suggested by the matcher, not yet decided.", func(v *purchaseTotals) interface{} { return v.SuggestedCount }),
		"suggestedTotal": get[purchaseTotals](gql.NewNonNull(t.pesos), "Their value.", func(v *purchaseTotals) interface{} { return v.SuggestedTotal }),
	}})
	t.party = gql.NewObject(gql.ObjectConfig{Name: "Party", Description: "A supplier or legal representative.", Fields: gql.Fields{
		"docType": str[partyView]("NIT, CC, CE, PASAPORTE…", func(v *partyView) string { return v.DocType }),
		"docNumber": {Type: gql.String, Description: "Null for anonymous readers when the party is a natural person, and for every legal representative.", Resolve: func(p gql.ResolveParams) (interface{}, error) {
			v := p.Source.(*partyView)
			if registry.ActorFrom(p.Context).Anonymous() && (v.NaturalPerson || v.legalRep) {
				return nil, nil
			}
			return nilIfEmpty(v.DocNumber), nil
		}},
		"name":          str[partyView]("", func(v *partyView) string { return v.Name }),
		"naturalPerson": get[partyView](gql.NewNonNull(gql.Boolean), "", func(v *partyView) interface{} { return v.NaturalPerson }),
	}})
	t.affected = gql.NewObject(gql.ObjectConfig{Name: "AffectedRange", Description: "OSV SEMVER range: introduced ≤ v < fixed (or ≤ lastAffected).", Fields: gql.Fields{
		"introduced":   str[registry.AffectedRange]("", func(r *registry.AffectedRange) string { return r.Introduced }),
		"fixed":        str[registry.AffectedRange]("", func(r *registry.AffectedRange) string { return r.Fixed }),
		"lastAffected": str[registry.AffectedRange]("", func(r *registry.AffectedRange) string { return r.LastAffected }),
	}})
	t.evidence = gql.NewObject(gql.ObjectConfig{Name: "Evidence", Fields: gql.Fields{
		"kind": strNN[registry.Evidence]("CONTRACT, FORK or DECLARATION", func(e *registry.Evidence) string { return e.Kind }),
		"ref":  str[registry.Evidence]("", func(e *registry.Evidence) string { return e.Ref }),
		"url":  str[registry.Evidence]("", func(e *registry.Evidence) string { return e.URL }),
	}})
	t.grant = gql.NewObject(gql.ObjectConfig{Name: "Grant", Fields: gql.Fields{
		"role":      get[registry.Grant](gql.NewNonNull(t.role), "", func(g *registry.Grant) interface{} { return string(g.Role) }),
		"entityNit": str[registry.Grant]("", func(g *registry.Grant) string { return g.EntityNIT }),
	}})
	t.token = gql.NewObject(gql.ObjectConfig{Name: "Token", Description: "An API token (its secret is shown once, by createToken).", Fields: gql.Fields{
		"id":         get[registry.Token](gql.NewNonNull(gql.ID), "", func(k *registry.Token) interface{} { return globalID(typeToken, k.ID) }),
		"name":       strNN[registry.Token]("", func(k *registry.Token) string { return k.Name }),
		"lastEight":  strNN[registry.Token]("Last characters, to recognise it.", func(k *registry.Token) string { return k.LastEight }),
		"createdAt":  get[registry.Token](gql.NewNonNull(gql.DateTime), "", func(k *registry.Token) interface{} { return k.CreatedAt }),
		"expiresAt":  get[registry.Token](gql.NewNonNull(gql.DateTime), "", func(k *registry.Token) interface{} { return k.ExpiresAt }),
		"lastUsedAt": get[registry.Token](gql.DateTime, "", func(k *registry.Token) interface{} { return ptrTime(k.LastUsedAt) }),
		"revokedAt":  get[registry.Token](gql.DateTime, "", func(k *registry.Token) interface{} { return ptrTime(k.RevokedAt) }),
	}})
	t.userError = gql.NewObject(gql.ObjectConfig{Name: "UserError", Description: "Why a mutation was refused, and which input field to fix.", Fields: gql.Fields{
		"field":   {Type: gql.String, Resolve: func(p gql.ResolveParams) (interface{}, error) { return nilIfEmpty(p.Source.(userError).Field), nil }},
		"message": {Type: gql.NewNonNull(gql.String), Resolve: func(p gql.ResolveParams) (interface{}, error) { return p.Source.(userError).Message, nil }},
		"code":    {Type: gql.NewNonNull(gql.String), Description: "INVALID, NOT_FOUND, CONFLICT, UNAUTHENTICATED, FORBIDDEN or a mirror code.", Resolve: func(p gql.ResolveParams) (interface{}, error) { return p.Source.(userError).Code, nil }},
	}})
	t.rateLimit = gql.NewObject(gql.ObjectConfig{Name: "RateLimit", Description: "The caller's point budget (GitHub's formula: connection requests / 100, at least 1).", Fields: gql.Fields{
		"limit":     get[rateState](gql.NewNonNull(gql.Int), "Points per window.", func(r *rateState) interface{} { return r.Limit }),
		"cost":      get[rateState](gql.NewNonNull(gql.Int), "Points this request costs.", func(r *rateState) interface{} { return r.Cost }),
		"remaining": get[rateState](gql.NewNonNull(gql.Int), "", func(r *rateState) interface{} { return r.Remaining }),
		"used":      get[rateState](gql.NewNonNull(gql.Int), "", func(r *rateState) interface{} { return r.Used }),
		"resetAt":   get[rateState](gql.NewNonNull(gql.DateTime), "", func(r *rateState) interface{} { return r.Reset }),
		"resource":  strNN[rateState]("per-ip, per-token or per-user", func(r *rateState) string { return r.Resource }),
	}})

	a.buildNodeTypes()
}

// langDescription is a Description with its language.
type langDescription struct {
	Lang string
	registry.Description
}

// highlight is one field's snippets.
type highlight struct {
	Field    string
	Snippets []string
}
