package search

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/es"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/acervo-co/acervo/registry"
)

// Analyzer names.
const (
	// Spanish: lower case, stop words, accents folded (normalize_es, a token
	// filter: a char filter would shift the offsets highlights use), light
	// stemming of plurals and genders.
	analyzerES = "acervo_es"
	// English: lower case, possessives, stop words, accents folded, snowball.
	analyzerEN = "acervo_en"
)

// Facet fields of assets, in the order they are returned.
var assetFacetFields = []string{"kind", "categories", "license", "languages", "developmentStatus", "publisherNit", "adopterDepartments"}

// newIndexMapping is the common part: the analyzers, and a static default
// mapping built by fields.
func newIndexMapping(fields func(doc *mapping.DocumentMapping, text func(string, bool) *mapping.FieldMapping, kw func(bool) *mapping.FieldMapping)) mapping.IndexMapping {
	m := bleve.NewIndexMapping()
	must := func(err error) {
		if err != nil {
			panic(err) // only on a programming error in the constant mapping below
		}
	}
	must(m.AddCustomAnalyzer(analyzerES, map[string]interface{}{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []string{lowercase.Name, es.StopName, es.NormalizeName, es.LightStemmerName},
	}))
	must(m.AddCustomAnalyzer(analyzerEN, map[string]interface{}{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []string{lowercase.Name, en.PossessiveName, en.StopName, es.NormalizeName, en.SnowballStemmerName},
	}))
	m.DefaultAnalyzer = analyzerES
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	text := func(analyzer string, stored bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = stored
		f.IncludeTermVectors = stored // for highlighting
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	kw := func(docValues bool) *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = false
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		f.DocValues = docValues
		return f
	}
	doc := bleve.NewDocumentStaticMapping()
	fields(doc, text, kw)
	m.DefaultMapping = doc
	return m
}

func newAssetMapping() mapping.IndexMapping {
	return newIndexMapping(func(doc *mapping.DocumentMapping, text func(string, bool) *mapping.FieldMapping, kw func(bool) *mapping.FieldMapping) {
		doc.AddFieldMappingsAt("name", text(analyzerES, true))
		doc.AddFieldMappingsAt("nameEn", text(analyzerEN, false))
		doc.AddFieldMappingsAt("aliases", text(analyzerES, true))
		doc.AddFieldMappingsAt("description", text(analyzerES, true))
		doc.AddFieldMappingsAt("descriptionEn", text(analyzerEN, true))
		for _, f := range assetFacetFields {
			doc.AddFieldMappingsAt(f, kw(true))
		}
		for _, f := range []string{"active", "adopterNits", "adoptionIds", "slug"} {
			doc.AddFieldMappingsAt(f, kw(false))
		}
		for _, f := range []string{"sortName", "sortUpdated", "sortCreated"} {
			doc.AddFieldMappingsAt(f, kw(true))
		}
	})
}

func newPurchaseMapping() mapping.IndexMapping {
	return newIndexMapping(func(doc *mapping.DocumentMapping, text func(string, bool) *mapping.FieldMapping, kw func(bool) *mapping.FieldMapping) {
		doc.AddFieldMappingsAt("description", text(analyzerES, true))
		doc.AddFieldMappingsAt("parties", text(analyzerES, false))
		for _, f := range []string{"source", "buyerNit", "supplierDoc", "supplierDocPublic", "unspsc", "year", "linkedAssets", "linkIds", "contractId"} {
			doc.AddFieldMappingsAt(f, kw(false))
		}
		num := bleve.NewNumericFieldMapping()
		num.Store, num.IncludeInAll, num.DocValues = false, false, false
		doc.AddFieldMappingsAt("value", num)
		for _, f := range []string{"sortDate", "sortValue"} {
			doc.AddFieldMappingsAt(f, kw(true))
		}
	})
}

func assetDocID(id string) string    { return "a:" + id }
func purchaseDocID(id string) string { return "p:" + id }

// sortTime renders a time so that string order is time order.
func sortTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

// sortNumber renders a non-negative amount so that string order is numeric order.
func sortNumber(v int64) string {
	if v < 0 {
		v = 0
	}
	return fmt.Sprintf("%020d", v)
}

// assetDoc is the indexed form of an asset. Adoptions give the adopters
// (and their departments) that the adopter filters match; retired
// adoptions do not count.
func assetDoc(a *registry.Asset, adoptions []registry.Adoption, depts map[string]string) map[string]interface{} {
	var esText, enText []string
	for lang, d := range a.Descriptions {
		parts := []string{d.LocalisedName, d.GenericName, d.ShortDescription, d.LongDescription, strings.Join(d.Features, ". ")}
		s := strings.Join(nonEmpty(parts), ". ")
		if lang == "en" {
			enText = append(enText, s)
		} else {
			esText = append(esText, s)
		}
	}
	langs := make([]string, 0, len(a.Languages))
	for _, l := range a.Languages {
		langs = append(langs, l.Name)
	}
	var nits, adoptionIDs, deptList []string
	seenNIT, seenDept := map[string]bool{}, map[string]bool{}
	for _, ad := range adoptions {
		adoptionIDs = append(adoptionIDs, ad.ID)
		if ad.Status == registry.AdoptionRetired {
			continue
		}
		if !seenNIT[ad.EntityNIT] {
			seenNIT[ad.EntityNIT] = true
			nits = append(nits, ad.EntityNIT)
		}
		if d := depts[ad.EntityNIT]; d != "" && !seenDept[d] {
			seenDept[d] = true
			deptList = append(deptList, d)
		}
	}
	doc := map[string]interface{}{
		"slug":               a.Slug,
		"name":               a.Name,
		"nameEn":             a.Name,
		"aliases":            strings.Join(a.Aliases, " · "),
		"description":        strings.Join(esText, "\n"),
		"descriptionEn":      strings.Join(enText, "\n"),
		"kind":               string(a.Kind),
		"categories":         a.Categories,
		"license":            a.License,
		"languages":          langs,
		"developmentStatus":  a.DevelopmentStatus,
		"publisherNit":       a.PublisherNIT,
		"adopterDepartments": deptList,
		"adopterNits":        nits,
		"adoptionIds":        adoptionIDs,
		"active":             strconv.FormatBool(a.Active),
		"sortName":           registry.Fold(a.Name),
		"sortUpdated":        sortTime(a.UpdatedAt),
		"sortCreated":        sortTime(a.CreatedAt),
	}
	return doc
}

func nonEmpty(ss []string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// unspscPrefixes expands each code to its segment, family and class, so a
// filter on any of them is one term query.
func unspscPrefixes(codes []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range codes {
		for _, n := range []int{2, 4, 6, 8} {
			if len(c) >= n && !seen[c[:n]] {
				seen[c[:n]] = true
				out = append(out, c[:n])
			}
		}
	}
	return out
}

// purchaseDoc is the indexed form of a purchase. A natural person's
// document number is indexed apart, so that anonymous filters cannot probe
// for it.
func purchaseDoc(p *registry.Purchase, links []registry.PurchaseLink) map[string]interface{} {
	var linked, linkIDs []string
	for _, l := range links {
		linkIDs = append(linkIDs, l.ID)
		if l.State != registry.LinkRejected {
			linked = append(linked, l.AssetID)
		}
	}
	desc := p.Description
	if p.Object != "" && p.Object != p.Description {
		desc = strings.TrimSpace(desc + "\n" + p.Object)
	}
	doc := map[string]interface{}{
		"description":  desc,
		"parties":      strings.Join(nonEmpty([]string{p.BuyerName, p.Supplier.Name}), " · "),
		"source":       p.Source,
		"contractId":   p.ContractID,
		"buyerNit":     p.BuyerNIT,
		"supplierDoc":  p.Supplier.DocNumber,
		"unspsc":       unspscPrefixes(p.UNSPSC),
		"linkedAssets": linked,
		"linkIds":      linkIDs,
		"value":        float64(p.Value),
		"sortValue":    sortNumber(p.Value),
	}
	if !p.Supplier.NaturalPerson {
		doc["supplierDocPublic"] = p.Supplier.DocNumber
	}
	if p.Year != 0 {
		doc["year"] = strconv.Itoa(p.Year)
	}
	switch {
	case p.SignedAt != nil:
		doc["sortDate"] = sortTime(*p.SignedAt)
	case p.StartAt != nil:
		doc["sortDate"] = sortTime(*p.StartAt)
	default:
		doc["sortDate"] = sortTime(time.Time{})
	}
	return doc
}
