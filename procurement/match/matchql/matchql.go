// Package matchql adds the matcher's, "antes de comprar"'s and the CIO
// network analytics' fields to Acervo's GraphQL API through the graphql
// package's Extension hook (a plain function over graphql-go types, so
// this adapter does not import that package). Every field reads and
// writes through registry.Service; CSV exports are strings built by the
// registry's CSV writers.
package matchql

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"strings"

	gql "github.com/graphql-go/graphql"

	"github.com/acervo-co/acervo/procurement/match"
	"github.com/acervo-co/acervo/registry"
)

// Deps are what the fields need. Runner may be nil (no on-demand matching,
// no runMatcher); Search may be nil (antes de comprar by UNSPSC and names).
type Deps struct {
	Service *registry.Service
	Runner  *match.Runner
	Search  registry.TextSearcher
}

// globalID and parseID follow the graphql package's node ids: base64url of
// "Type:id".
func globalID(typ, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + id))
}

func parseID(gid, want, arg string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(gid)
	if err == nil {
		if typ, id, ok := strings.Cut(string(b), ":"); ok && typ == want && id != "" {
			return id, nil
		}
	}
	return "", registry.Invalid(arg, "is not the global id of a node of type %s", want)
}

func optID(p gql.ResolveParams, arg, typ string) (string, error) {
	s, _ := p.Args[arg].(string)
	if s == "" {
		return "", nil
	}
	return parseID(s, typ, arg)
}

func str(p gql.ResolveParams, arg string) string { s, _ := p.Args[arg].(string); return s }
func num(p gql.ResolveParams, arg string) int    { n, _ := p.Args[arg].(int); return n }

func csvString(write func(*bytes.Buffer) error) (string, error) {
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return "", err
	}
	return b.String(), nil
}

// field builds a field whose value is the Go struct field of the same name
// (graphql-go's default resolver reads JSON tags; these read struct
// fields explicitly so renames stay compile-checked).
func field(t gql.Output, desc string, get func(src any) any) *gql.Field {
	return &gql.Field{Type: t, Description: desc, Resolve: func(p gql.ResolveParams) (any, error) { return get(p.Source), nil }}
}

func nn(t gql.Type) gql.Output { return gql.NewNonNull(t) }

func list(t gql.Type) gql.Output { return gql.NewNonNull(gql.NewList(gql.NewNonNull(t))) }

// Extension returns the extension function for graphql.Config.Extensions.
func Extension(d Deps) func(types map[string]gql.Type) (gql.Fields, gql.Fields) {
	return func(types map[string]gql.Type) (gql.Fields, gql.Fields) {
		return build(d, types)
	}
}

func build(d Deps, types map[string]gql.Type) (gql.Fields, gql.Fields) {
	svc := d.Service
	assetT, _ := types["Asset"].(*gql.Object)
	purchaseT, _ := types["Purchase"].(*gql.Object)
	releaseT, _ := types["Release"].(*gql.Object)
	linkT, _ := types["PurchaseLink"].(*gql.Object)
	var pesos gql.Output = gql.Float
	if t, ok := types["Pesos"].(*gql.Scalar); ok {
		pesos = t
	}
	if assetT == nil || purchaseT == nil || releaseT == nil || linkT == nil {
		panic("matchql: the schema lacks Asset, Purchase, Release or PurchaseLink")
	}

	contact := gql.NewObject(gql.ObjectConfig{Name: "MaintainerContact", Description: "Who to ask about an asset.", Fields: gql.Fields{
		"name":        field(nn(gql.String), "", func(s any) any { return s.(registry.Contact).Name }),
		"email":       field(gql.String, "", func(s any) any { return s.(registry.Contact).Email }),
		"phone":       field(gql.String, "", func(s any) any { return s.(registry.Contact).Phone }),
		"affiliation": field(gql.String, "", func(s any) any { return s.(registry.Contact).Affiliation }),
	}})
	adopter := gql.NewObject(gql.ObjectConfig{Name: "AdopterSummary", Description: "An entity that uses an asset.", Fields: gql.Fields{
		"entityNit":    field(nn(gql.String), "", func(s any) any { return s.(registry.AdopterSummary).EntityNIT }),
		"entityName":   field(gql.String, "", func(s any) any { return s.(registry.AdopterSummary).EntityName }),
		"release":      field(gql.String, "Release tag or semver constraint.", func(s any) any { return s.(registry.AdopterSummary).Release }),
		"status":       field(nn(gql.String), "", func(s any) any { return s.(registry.AdopterSummary).Status }),
		"verification": field(nn(gql.String), "", func(s any) any { return s.(registry.AdopterSummary).Verification }),
	}})
	fit := gql.NewObject(gql.ObjectConfig{Name: "AssetFit", Description: "A public asset that may serve what the officer plans to buy.", Fields: gql.Fields{
		"asset":           field(nn(assetT), "", func(s any) any { a := s.(registry.AssetFit).Asset; return &a }),
		"reasons":         field(list(gql.String), "Why it fits (Spanish).", func(s any) any { return s.(registry.AssetFit).Reasons }),
		"adopterCount":    field(nn(gql.Int), "", func(s any) any { return s.(registry.AssetFit).AdopterCount }),
		"adopters":        field(list(adopter), "Up to twenty.", func(s any) any { return s.(registry.AssetFit).Adopters }),
		"latestRelease":   field(releaseT, "", func(s any) any { return s.(registry.AssetFit).LatestRelease }),
		"contacts":        field(list(contact), "", func(s any) any { return s.(registry.AssetFit).Contacts }),
		"linkedPurchases": field(nn(gql.Int), "Prior purchases of this kind linked to it.", func(s any) any { return s.(registry.AssetFit).LinkedBuys }),
	}})
	priceStats := gql.NewObject(gql.ObjectConfig{Name: "PriceStats", Description: "Values of the purchases of a year (year 0: all). Min, median and max are over prices of at least 10,000 pesos.", Fields: gql.Fields{
		"year":     field(nn(gql.Int), "", func(s any) any { return s.(registry.PriceStats).Year }),
		"count":    field(nn(gql.Int), "", func(s any) any { return s.(registry.PriceStats).Count }),
		"min":      field(nn(pesos), "", func(s any) any { return s.(registry.PriceStats).Min }),
		"median":   field(nn(pesos), "", func(s any) any { return s.(registry.PriceStats).Median }),
		"max":      field(nn(pesos), "", func(s any) any { return s.(registry.PriceStats).Max }),
		"total":    field(nn(pesos), "", func(s any) any { return s.(registry.PriceStats).Total }),
		"unpriced": field(nn(gql.Int), "Purchases worth less than 10,000 pesos (SECOP's 0 or 1 for no value), counted and totalled but left out of min, median and max.", func(s any) any { return s.(registry.PriceStats).Unpriced }),
	}})
	framework := gql.NewObject(gql.ObjectConfig{Name: "FrameworkSeen", Description: "A TVEC framework agreement prior purchases used.", Fields: gql.Fields{
		"name":  field(nn(gql.String), "", func(s any) any { return s.(registry.FrameworkSeen).Name }),
		"count": field(nn(gql.Int), "", func(s any) any { return s.(registry.FrameworkSeen).Count }),
		"total": field(nn(pesos), "", func(s any) any { return s.(registry.FrameworkSeen).Total }),
		"last":  field(nn(gql.DateTime), "", func(s any) any { return s.(registry.FrameworkSeen).Last }),
	}})
	partySpend := gql.NewObject(gql.ObjectConfig{Name: "PartySpend", Description: "What a supplier received.", Fields: gql.Fields{
		"doc":   field(gql.String, "Document number (hidden for natural persons from anonymous readers).", func(s any) any { return s.(registry.PartySpend).Doc }),
		"name":  field(nn(gql.String), "", func(s any) any { return s.(registry.PartySpend).Name }),
		"count": field(nn(gql.Int), "", func(s any) any { return s.(registry.PartySpend).Count }),
		"total": field(nn(pesos), "", func(s any) any { return s.(registry.PartySpend).Total }),
	}})
	beforeBuying := gql.NewObject(gql.ObjectConfig{Name: "BeforeBuying", Description: "The \"antes de comprar\" check.", Fields: gql.Fields{
		"assets":        field(list(fit), "", func(s any) any { return s.(*registry.BeforeBuying).Assets }),
		"purchases":     field(list(purchaseT), "Prior purchases of this kind, newest first.", func(s any) any { return purchasePtrs(s.(*registry.BeforeBuying).Purchases) }),
		"purchaseCount": field(nn(gql.Int), "", func(s any) any { return s.(*registry.BeforeBuying).PurchaseCount }),
		"withoutContract": field(nn(gql.Int), "Records of this kind whose process never became a contract or order (draft, cancelled, declared void): left out of the purchases and every figure.",
			func(s any) any { return s.(*registry.BeforeBuying).WithoutContract }),
		"sampled":      field(nn(gql.Boolean), "Statistics over the first 20,000 purchases only.", func(s any) any { return s.(*registry.BeforeBuying).Sampled }),
		"byYear":       field(list(priceStats), "", func(s any) any { return s.(*registry.BeforeBuying).ByYear }),
		"overall":      field(nn(priceStats), "", func(s any) any { return s.(*registry.BeforeBuying).Overall }),
		"frameworks":   field(list(framework), "", func(s any) any { return s.(*registry.BeforeBuying).Frameworks }),
		"topSuppliers": field(list(partySpend), "", func(s any) any { return s.(*registry.BeforeBuying).TopSuppliers }),
		"buyers":       field(nn(gql.Int), "Distinct buying entities.", func(s any) any { return s.(*registry.BeforeBuying).Buyers }),
		"total":        field(nn(pesos), "What the State spent on this kind.", func(s any) any { return s.(*registry.BeforeBuying).Total }),
		"budgetNote":   field(gql.String, "The budget compared with prior prices (Spanish).", func(s any) any { return s.(*registry.BeforeBuying).BudgetNote }),
		"csv": {Type: nn(gql.String), Description: "The whole check as CSV.", Resolve: func(p gql.ResolveParams) (any, error) {
			return csvString(func(b *bytes.Buffer) error {
				return registry.WriteBeforeBuyingCSV(b, *p.Source.(*registry.BeforeBuying))
			})
		}},
	}})

	adoptionCell := gql.NewObject(gql.ObjectConfig{Name: "AdoptionCell", Fields: gql.Fields{
		"asset": {Type: nn(assetT), Resolve: func(p gql.ResolveParams) (any, error) {
			a, err := svc.Asset(p.Context, p.Source.(registry.AdoptionCell).AssetID)
			return &a, err
		}},
		"departmentCode": field(gql.String, "DIVIPOLA code of the entities' department.", func(s any) any { return s.(registry.AdoptionCell).DepartmentCode }),
		"orden":          field(gql.String, "", func(s any) any { return s.(registry.AdoptionCell).Orden }),
		"sector":         field(gql.String, "", func(s any) any { return s.(registry.AdoptionCell).Sector }),
		"entities":       field(nn(gql.Int), "", func(s any) any { return s.(registry.AdoptionCell).Entities }),
		"adoptions":      field(nn(gql.Int), "", func(s any) any { return s.(registry.AdoptionCell).Adoptions }),
		"verified":       field(nn(gql.Int), "CIO-verified adoptions.", func(s any) any { return s.(registry.AdoptionCell).Verified }),
		"production":     field(nn(gql.Int), "", func(s any) any { return s.(registry.AdoptionCell).Production }),
	}})
	type matrix struct{ cells []registry.AdoptionCell }
	adoptionMatrix := gql.NewObject(gql.ObjectConfig{Name: "AdoptionMatrix", Fields: gql.Fields{
		"cells": field(list(adoptionCell), "", func(s any) any { return s.(*matrix).cells }),
		"csv": {Type: nn(gql.String), Resolve: func(p gql.ResolveParams) (any, error) {
			return csvString(func(b *bytes.Buffer) error { return registry.WriteAdoptionMatrixCSV(b, p.Source.(*matrix).cells) })
		}},
	}})

	currencySummary := gql.NewObject(gql.ObjectConfig{Name: "CurrencySummary", Fields: gql.Fields{
		"assetId":     field(nn(gql.ID), "", func(s any) any { return globalID("Asset", s.(registry.CurrencySummary).AssetID) }),
		"assetName":   field(nn(gql.String), "", func(s any) any { return s.(registry.CurrencySummary).AssetName }),
		"latest":      field(gql.String, "", func(s any) any { return s.(registry.CurrencySummary).Latest }),
		"adoptions":   field(nn(gql.Int), "", func(s any) any { return s.(registry.CurrencySummary).Adoptions }),
		"current":     field(nn(gql.Int), "", func(s any) any { return s.(registry.CurrencySummary).Current }),
		"behindPatch": field(nn(gql.Int), "", func(s any) any { return s.(registry.CurrencySummary).BehindPatch }),
		"behindMinor": field(nn(gql.Int), "", func(s any) any { return s.(registry.CurrencySummary).BehindMinor }),
		"behindMajor": field(nn(gql.Int), "", func(s any) any { return s.(registry.CurrencySummary).BehindMajor }),
		"unknown":     field(nn(gql.Int), "", func(s any) any { return s.(registry.CurrencySummary).Unknown }),
		"withdrawn":   field(nn(gql.Int), "Adoptions on a withdrawn release.", func(s any) any { return s.(registry.CurrencySummary).Withdrawn }),
		"vulnerable":  field(nn(gql.Int), "Adoptions on a release an advisory hits.", func(s any) any { return s.(registry.CurrencySummary).Vulnerable }),
	}})
	currencyRow := gql.NewObject(gql.ObjectConfig{Name: "CurrencyRow", Fields: gql.Fields{
		"adoptionId":  field(nn(gql.ID), "", func(s any) any { return globalID("Adoption", s.(registry.CurrencyRow).AdoptionID) }),
		"assetName":   field(nn(gql.String), "", func(s any) any { return s.(registry.CurrencyRow).AssetName }),
		"entityNit":   field(nn(gql.String), "", func(s any) any { return s.(registry.CurrencyRow).EntityNIT }),
		"entityName":  field(gql.String, "", func(s any) any { return s.(registry.CurrencyRow).EntityName }),
		"version":     field(gql.String, "", func(s any) any { return s.(registry.CurrencyRow).Version }),
		"latest":      field(gql.String, "", func(s any) any { return s.(registry.CurrencyRow).Latest }),
		"currency":    field(nn(gql.String), "CURRENT, BEHIND_PATCH, BEHIND_MINOR, BEHIND_MAJOR or UNKNOWN.", func(s any) any { return s.(registry.CurrencyRow).Currency }),
		"withdrawn":   field(nn(gql.Boolean), "", func(s any) any { return s.(registry.CurrencyRow).Withdrawn }),
		"advisories":  field(list(gql.String), "", func(s any) any { return nonNil(s.(registry.CurrencyRow).Advisories) }),
		"verified":    field(nn(gql.Boolean), "", func(s any) any { return s.(registry.CurrencyRow).Verified }),
		"environment": field(gql.String, "", func(s any) any { return s.(registry.CurrencyRow).Environment }),
	}})
	type currency struct {
		sums []registry.CurrencySummary
		rows []registry.CurrencyRow
	}
	versionCurrency := gql.NewObject(gql.ObjectConfig{Name: "VersionCurrency", Fields: gql.Fields{
		"summaries": field(list(currencySummary), "", func(s any) any { return s.(*currency).sums }),
		"rows":      field(list(currencyRow), "", func(s any) any { return s.(*currency).rows }),
		"csv": {Type: nn(gql.String), Resolve: func(p gql.ResolveParams) (any, error) {
			return csvString(func(b *bytes.Buffer) error { return registry.WriteVersionCurrencyCSV(b, p.Source.(*currency).rows) })
		}},
	}})

	dupGroup := gql.NewObject(gql.ObjectConfig{Name: "DuplicateGroup", Fields: gql.Fields{
		"kind":      field(nn(gql.String), "ASSET or UNSPSC.", func(s any) any { return s.(registry.DuplicateGroup).Kind }),
		"key":       field(nn(gql.String), "Asset global id or UNSPSC class.", func(s any) any { return dupKey(s.(registry.DuplicateGroup)) }),
		"label":     field(nn(gql.String), "", func(s any) any { return s.(registry.DuplicateGroup).Label }),
		"entities":  field(nn(gql.Int), "", func(s any) any { return s.(registry.DuplicateGroup).Entities }),
		"purchases": field(nn(gql.Int), "", func(s any) any { return s.(registry.DuplicateGroup).Purchases }),
		"total":     field(nn(pesos), "", func(s any) any { return s.(registry.DuplicateGroup).Total }),
		"suppliers": field(list(partySpend), "", func(s any) any { return s.(registry.DuplicateGroup).Suppliers }),
	}})
	type dups struct{ gs []registry.DuplicateGroup }
	duplicated := gql.NewObject(gql.ObjectConfig{Name: "DuplicatedSpending", Fields: gql.Fields{
		"groups": field(list(dupGroup), "", func(s any) any { return s.(*dups).gs }),
		"csv": {Type: nn(gql.String), Resolve: func(p gql.ResolveParams) (any, error) {
			return csvString(func(b *bytes.Buffer) error { return registry.WriteDuplicatedSpendingCSV(b, p.Source.(*dups).gs) })
		}},
	}})

	trendPoint := gql.NewObject(gql.ObjectConfig{Name: "TrendPoint", Fields: gql.Fields{
		"year":      field(nn(gql.Int), "", func(s any) any { return s.(registry.TrendPoint).Year }),
		"purchases": field(nn(gql.Float), "", func(s any) any { return float64(s.(registry.TrendPoint).Purchases) }),
		"total":     field(nn(pesos), "", func(s any) any { return s.(registry.TrendPoint).Total }),
		"buyers":    field(nn(gql.Int), "", func(s any) any { return s.(registry.TrendPoint).Buyers }),
		"suppliers": field(nn(gql.Int), "", func(s any) any { return s.(registry.TrendPoint).Suppliers }),
	}})
	type trends struct{ pts []registry.TrendPoint }
	spendingTrends := gql.NewObject(gql.ObjectConfig{Name: "SpendingTrends", Fields: gql.Fields{
		"points": field(list(trendPoint), "", func(s any) any { return s.(*trends).pts }),
		"csv": {Type: nn(gql.String), Resolve: func(p gql.ResolveParams) (any, error) {
			return csvString(func(b *bytes.Buffer) error { return registry.WriteTrendsCSV(b, p.Source.(*trends).pts) })
		}},
	}})

	linkReview := gql.NewObject(gql.ObjectConfig{Name: "LinkReview", Description: "A suggested link with what a person needs to decide it.", Fields: gql.Fields{
		"link":     field(nn(linkT), "", func(s any) any { l := s.(registry.LinkReview).Link; return &l }),
		"purchase": field(nn(purchaseT), "", func(s any) any { p := s.(registry.LinkReview).Purchase; return &p }),
		"asset":    field(nn(assetT), "", func(s any) any { a := s.(registry.LinkReview).Asset; return &a }),
	}})
	linkReviews := gql.NewObject(gql.ObjectConfig{Name: "LinkReviewPage", Fields: gql.Fields{
		"items": field(list(linkReview), "", func(s any) any { return s.(*registry.LinkReviews).Items }),
		"next":  field(gql.String, "Pass as after for the next page; null at the end.", func(s any) any { return nonEmpty(s.(*registry.LinkReviews).Next) }),
	}})
	candidate := gql.NewObject(gql.ObjectConfig{Name: "MatchCandidate", Description: "An asset the matcher finds for a purchase.", Fields: gql.Fields{
		"asset": {Type: nn(assetT), Resolve: func(p gql.ResolveParams) (any, error) {
			a, err := svc.Asset(p.Context, p.Source.(match.Candidate).AssetID)
			return &a, err
		}},
		"relation": field(nn(gql.String), "A link relation, or USE: the purchase works in the system without buying, building or supporting it (never stored).",
			func(s any) any { return s.(match.Candidate).Relation }),
		"score":   field(nn(gql.Float), "", func(s any) any { return s.(match.Candidate).Score }),
		"reasons": field(list(gql.String), "Spanish.", func(s any) any { return s.(match.Candidate).Reasons }),
		"suggestion": field(nn(gql.Boolean), "Whether it becomes a suggestion.", func(s any) any {
			return s.(match.Candidate).Relation != match.RelUse && s.(match.Candidate).Score >= d.threshold()
		}),
	}})
	matchStats := gql.NewObject(gql.ObjectConfig{Name: "MatchStats", Fields: gql.Fields{
		"assets":     field(nn(gql.Int), "", func(s any) any { return s.(match.Stats).Assets }),
		"purchases":  field(nn(gql.Int), "", func(s any) any { return s.(match.Stats).Purchases }),
		"matched":    field(nn(gql.Int), "", func(s any) any { return s.(match.Stats).Matched }),
		"uses":       field(nn(gql.Int), "", func(s any) any { return s.(match.Stats).Uses }),
		"suggested":  field(nn(gql.Int), "", func(s any) any { return s.(match.Stats).Suggested }),
		"updated":    field(nn(gql.Int), "", func(s any) any { return s.(match.Stats).Updated }),
		"withdrawn":  field(nn(gql.Int), "", func(s any) any { return s.(match.Stats).Withdrawn }),
		"durationMs": field(nn(gql.Float), "", func(s any) any { return float64(s.(match.Stats).Duration.Milliseconds()) }),
	}})
	osvProblem := gql.NewObject(gql.ObjectConfig{Name: "OSVProblem", Fields: gql.Fields{
		"line":   field(nn(gql.Int), "", func(s any) any { return s.(registry.OSVProblem).Line }),
		"column": field(nn(gql.Int), "", func(s any) any { return s.(registry.OSVProblem).Column }),
		"id":     field(gql.String, "", func(s any) any { return s.(registry.OSVProblem).ID }),
		"field":  field(gql.String, "", func(s any) any { return s.(registry.OSVProblem).Field }),
		"reason": field(nn(gql.String), "", func(s any) any { return s.(registry.OSVProblem).Reason }),
	}})
	osvImport := gql.NewObject(gql.ObjectConfig{Name: "OSVImport", Fields: gql.Fields{
		"new":        field(nn(gql.Int), "", func(s any) any { return s.(*registry.OSVImport).New }),
		"updated":    field(nn(gql.Int), "", func(s any) any { return s.(*registry.OSVImport).Updated }),
		"advisories": field(list(gql.String), "", func(s any) any { return nonNil(s.(*registry.OSVImport).Advisories) }),
		"problems":   field(list(osvProblem), "", func(s any) any { return s.(*registry.OSVImport).Problems }),
	}})

	query := gql.Fields{
		"antesDeComprar": {Type: nn(beforeBuying), Description: "Before buying: public assets that fit, prior purchases of the same kind with prices by year, framework agreements and what the State spent.",
			Args: gql.FieldConfigArgument{
				"text": {Type: gql.String, Description: "What the officer plans to buy."}, "unspsc": {Type: gql.String, Description: "2 to 8 digits."},
				"budget": {Type: pesos.(gql.Input)}, "since": {Type: gql.Int, Description: "First year of prior purchases (default six years back)."},
				"maxPurchases": {Type: gql.Int, Description: "Purchases listed (default 50, at most 500)."},
			},
			Resolve: func(p gql.ResolveParams) (any, error) {
				q := registry.BeforeBuyingQuery{Text: str(p, "text"), UNSPSC: str(p, "unspsc"), Since: num(p, "since"), MaxPurchases: num(p, "maxPurchases")}
				if b, ok := p.Args["budget"].(int64); ok {
					q.Budget = &b
				}
				r, err := svc.AntesDeComprar(p.Context, q, d.Search)
				return &r, err
			}},
		"adoptionMatrix": {Type: nn(adoptionMatrix), Description: "Adoptions by asset × department × orden × sector.",
			Args: gql.FieldConfigArgument{"assetId": {Type: gql.ID}, "departmentCode": {Type: gql.String}, "orden": {Type: gql.String}, "sector": {Type: gql.String}, "includeRetired": {Type: gql.Boolean}},
			Resolve: func(p gql.ResolveParams) (any, error) {
				id, err := optID(p, "assetId", "Asset")
				if err != nil {
					return nil, err
				}
				inc, _ := p.Args["includeRetired"].(bool)
				cells, err := svc.AdoptionMatrix(p.Context, registry.AdoptionMatrixFilter{AssetID: id, DepartmentCode: str(p, "departmentCode"), Orden: str(p, "orden"), Sector: str(p, "sector"), IncludeRetired: inc})
				return &matrix{cells}, err
			}},
		"versionCurrency": {Type: nn(versionCurrency), Description: "Adopters behind the latest release (major, minor, patch), on withdrawn releases, or on releases an advisory hits.",
			Args: gql.FieldConfigArgument{"assetId": {Type: gql.ID}},
			Resolve: func(p gql.ResolveParams) (any, error) {
				id, err := optID(p, "assetId", "Asset")
				if err != nil {
					return nil, err
				}
				sums, rows, err := svc.VersionCurrency(p.Context, id)
				return &currency{sums, rows}, err
			}},
		"duplicatedSpending": {Type: nn(duplicated), Description: "Products and kinds of software many entities bought in a period.",
			Args: gql.FieldConfigArgument{"fromYear": {Type: gql.Int}, "toYear": {Type: gql.Int}, "minEntities": {Type: gql.Int}, "limit": {Type: gql.Int}},
			Resolve: func(p gql.ResolveParams) (any, error) {
				gs, err := svc.DuplicatedSpending(p.Context, registry.DuplicateFilter{FromYear: num(p, "fromYear"), ToYear: num(p, "toYear"), MinEntities: num(p, "minEntities"), Limit: num(p, "limit")})
				return &dups{gs}, err
			}},
		"spendingTrends": {Type: nn(spendingTrends), Description: "Software spending by year.",
			Args: gql.FieldConfigArgument{"unspsc": {Type: gql.String}, "source": {Type: gql.String}, "minSoftwareScore": {Type: gql.Float}},
			Resolve: func(p gql.ResolveParams) (any, error) {
				f := registry.TrendFilter{UNSPSC: str(p, "unspsc"), Source: str(p, "source")}
				if v, ok := p.Args["minSoftwareScore"].(float64); ok {
					f.MinSoftwareScore = &v
				}
				pts, err := svc.SpendingTrends(p.Context, f)
				return &trends{pts}, err
			}},
		"linksToReview": {Type: nn(linkReviews), Description: "Suggested links waiting for the entity's procurement or CIO officers (administrators: any entity).",
			Args: gql.FieldConfigArgument{"entityNit": {Type: gql.String}, "assetId": {Type: gql.ID}, "state": {Type: gql.String}, "limit": {Type: gql.Int}, "after": {Type: gql.String}},
			Resolve: func(p gql.ResolveParams) (any, error) {
				id, err := optID(p, "assetId", "Asset")
				if err != nil {
					return nil, err
				}
				r, err := svc.LinksToReview(p.Context, registry.LinkReviewFilter{EntityNIT: str(p, "entityNit"), AssetID: id, State: str(p, "state"), Limit: num(p, "limit"), After: str(p, "after")})
				return &r, err
			}},
		"proposedAssets": {Type: list(assetT), Description: "COMMERCIAL assets the matcher proposes, waiting for a person.",
			Args: gql.FieldConfigArgument{"first": {Type: gql.Int}, "after": {Type: gql.String}},
			Resolve: func(p gql.ResolveParams) (any, error) {
				l, err := svc.ProposedAssets(p.Context, registry.Page{First: num(p, "first"), After: str(p, "after")})
				if err != nil {
					return nil, err
				}
				out := make([]*registry.Asset, len(l.Items))
				for i := range l.Items {
					out[i] = &l.Items[i]
				}
				return out, nil
			}},
		"purchaseCandidates": {Type: list(candidate), Description: "What the matcher finds for one purchase now, with its reasons (including USE verdicts and near misses).",
			Args: gql.FieldConfigArgument{"purchaseId": {Type: nn(gql.ID)}},
			Resolve: func(p gql.ResolveParams) (any, error) {
				if d.Runner == nil {
					return nil, errors.New("the matcher is not available in this process")
				}
				id, err := parseID(str(p, "purchaseId"), "Purchase", "purchaseId")
				if err != nil {
					return nil, err
				}
				pu, err := svc.Purchase(p.Context, id)
				if err != nil {
					return nil, err
				}
				m, err := d.Runner.Matcher(p.Context)
				if err != nil {
					return nil, err
				}
				return m.Match(&pu), nil
			}},
	}
	mutation := gql.Fields{
		"decideProposedAsset": {Type: nn(assetT), Description: "Accepts (the asset becomes active) or rejects (never proposed again) a COMMERCIAL asset the matcher proposed.",
			Args: gql.FieldConfigArgument{"id": {Type: nn(gql.ID)}, "accept": {Type: nn(gql.Boolean)}},
			Resolve: func(p gql.ResolveParams) (any, error) {
				id, err := parseID(str(p, "id"), "Asset", "id")
				if err != nil {
					return nil, err
				}
				accept, _ := p.Args["accept"].(bool)
				a, err := svc.DecideProposedAsset(p.Context, id, accept)
				return &a, err
			}},
		"importAdvisories": {Type: nn(osvImport), Description: "Imports security advisories in OSV JSON (one record or an array) with SEMVER ranges.",
			Args: gql.FieldConfigArgument{"osv": {Type: nn(gql.String)}},
			Resolve: func(p gql.ResolveParams) (any, error) {
				r, err := svc.ImportOSV(p.Context, "osv", strings.NewReader(str(p, "osv")))
				return &r, err
			}},
		"runMatcher": {Type: nn(matchStats), Description: "Runs the matcher now (administrators): incremental by default, or over every purchase.",
			Args: gql.FieldConfigArgument{"full": {Type: gql.Boolean}},
			Resolve: func(p gql.ResolveParams) (any, error) {
				if d.Runner == nil {
					return nil, errors.New("the matcher is not available in this process")
				}
				if err := requireAdmin(p.Context); err != nil {
					return nil, err
				}
				full, _ := p.Args["full"].(bool)
				if full {
					return d.Runner.Full(p.Context, nil)
				}
				return d.Runner.Incremental(p.Context, nil)
			}},
	}
	return query, mutation
}

func (d Deps) threshold() float64 {
	if d.Runner != nil {
		return d.Runner.Threshold()
	}
	return 0.5
}

func requireAdmin(ctx context.Context) error {
	a := registry.ActorFrom(ctx)
	switch {
	case a.Anonymous():
		return registry.ErrUnauthenticated
	case !a.IsAdmin():
		return registry.ErrForbidden
	}
	return nil
}

func purchasePtrs(ps []registry.Purchase) []*registry.Purchase {
	out := make([]*registry.Purchase, len(ps))
	for i := range ps {
		out[i] = &ps[i]
	}
	return out
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

func nonEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func dupKey(g registry.DuplicateGroup) string {
	if g.Kind == "ASSET" {
		return globalID("Asset", g.Key)
	}
	return g.Key
}
