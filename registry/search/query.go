package search

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/acervo-co/acervo/registry"
)

// Sort orders of searches. RELEVANCE needs text; without text it falls back
// to NAME for assets and DATE for purchases.
const (
	SortRelevance = "RELEVANCE"
)

// AssetQuery is a search of assets. Empty fields do not filter.
type AssetQuery struct {
	Text              string
	Kind              registry.AssetKind
	Active            *bool
	Category          string
	License           string
	Language          string
	DevelopmentStatus string
	PublisherNIT      string
	AdopterNIT        string
	Department        string // DIVIPOLA code of an adopter's department
	Sort              string // RELEVANCE (default with text), NAME, UPDATED, CREATED
	Page              registry.Page
	// FacetSize is the number of values per facet (0: no facets).
	FacetSize int
	// Highlight asks for highlighted snippets (they cost a read of the
	// stored text of every hit).
	Highlight bool

	relaxed bool // match all words but one (see SearchAssets)
}

// PurchaseQuery is a search of purchases. Empty fields do not filter.
type PurchaseQuery struct {
	Text        string
	Source      string
	BuyerNIT    string
	SupplierDoc string
	// Anonymous readers' supplier filter only matches suppliers that are
	// not natural persons.
	Anonymous     bool
	UNSPSC        string // 2, 4, 6 or 8 digits
	Year          int
	MinValue      *int64
	MaxValue      *int64
	LinkedAssetID string
	Sort          string // RELEVANCE (default with text), DATE, VALUE
	Page          registry.Page
	Highlight     bool // snippets of the matches
}

// Hit is one search result: the record's id, its score and its highlighted
// snippets by field (HTML, text escaped, matches in <mark>).
type Hit struct {
	ID         string
	Score      float64
	Highlights map[string][]string
}

// FacetValue is one value of a facet and how many hits have it.
type FacetValue struct {
	Value string
	Count int
}

// Facet is the value counts of one field over all hits.
type Facet struct {
	Field   string
	Values  []FacetValue
	Other   int // hits with values beyond the returned ones
	Missing int // hits without the field
}

// Result is one page of hits.
type Result struct {
	Hits     []Hit
	Cursors  []string
	PageInfo registry.PageInfo
	Total    int64
	Facets   []Facet
	// Ignored lists words of an asset search's text that only say "this is
	// software" (genericWords) and that no asset contains, even with a
	// typo: they were left out so that the other words could find
	// something ("software de gestión documental" in a catalogue whose
	// records never say "software").
	Ignored []string
	// Relaxed: no asset has every word of the text, though each word is in
	// some asset, so the hits (with the filters) match all words but one
	// (either word, of two), the closest first when sorted by relevance.
	Relaxed bool
}

// sortSpec is a sort order: bleve sort keys and the name in cursors.
type sortSpec struct {
	name      string
	keys      []string
	purchases bool
}

func assetSort(s string, hasText bool) (sortSpec, error) {
	if s == "" {
		s = SortRelevance
	}
	if s == SortRelevance && !hasText {
		s = registry.SortName
	}
	switch s {
	case SortRelevance:
		return sortSpec{"search:" + s, []string{"-_score", "_id"}, false}, nil
	case registry.SortName:
		return sortSpec{"search:" + s, []string{"sortName", "_id"}, false}, nil
	case registry.SortUpdated:
		return sortSpec{"search:" + s, []string{"-sortUpdated", "-_id"}, false}, nil
	case registry.SortCreated:
		return sortSpec{"search:" + s, []string{"-sortCreated", "-_id"}, false}, nil
	}
	return sortSpec{}, registry.Invalid("orderBy", "assets sort by RELEVANCE, NAME, UPDATED or CREATED")
}

func purchaseSort(s string, hasText bool) (sortSpec, error) {
	if s == "" {
		s = SortRelevance
	}
	if s == SortRelevance && !hasText {
		s = registry.SortDate
	}
	switch s {
	case SortRelevance:
		return sortSpec{"search:" + s, []string{"-_score", "_id"}, true}, nil
	case registry.SortDate:
		return sortSpec{"search:" + s, []string{"-sortDate", "-_id"}, true}, nil
	case registry.SortValue:
		return sortSpec{"search:" + s, []string{"-sortValue", "-_id"}, true}, nil
	}
	return sortSpec{}, registry.Invalid("orderBy", "purchases sort by RELEVANCE, DATE or VALUE")
}

func reversed(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		if strings.HasPrefix(k, "-") {
			out[i] = k[1:]
		} else {
			out[i] = "-" + k
		}
	}
	return out
}

func term(field, value string) query.Query {
	q := bleve.NewTermQuery(value)
	q.SetField(field)
	return q
}

// textQuery matches every meaningful word of text (stop words dropped) in
// any of fields, exactly or, where the word is not a term of the field,
// with one typo; exact matches and the first fields weigh more.
//
// Typo tolerance is for words the index does not know: a word that is a
// term of a field matches that field exactly only. Fuzzy matching costs a
// Levenshtein automaton, a walk of the field's terms and a disjunction of
// every near term per field and word — three quarters of a search over
// 10,000 assets, more over a million purchases — and, for a word spelt
// right, it mostly adds neighbours that are other words ("nomina" and
// "nominal").
//
// With ignored set (asset searches), a generic word (genericWords) that no
// document contains in any of fields, exactly or with one typo, is left out
// and reported there, as long as another word remains; the check is a
// dictionary lookup, and a search of the word alone only for words the
// dictionaries do not hold.
//
// With relaxed, a document need match only all words but one (one of two).
func (ix *Index) textQuery(idx bleve.Index, text string, fields []fieldBoost, ignored *[]string, relaxed bool) query.Query {
	words := strings.FieldsFunc(text, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == '\'' || (r >= '0' && r <= '9') || isLetter(r))
	})
	m := idx.Mapping()
	an := m.AnalyzerNamed(analyzerES)
	known := newTermChecker(idx)
	defer known.close()
	var conj []query.Query
	var absent []string
	var absentQ []query.Query
	for _, w := range words {
		if len(conj)+len(absentQ) == maxQueryWords {
			break // the rest would only narrow an already narrow search
		}
		if len(w) > 64 {
			w = w[:64]
		}
		if an != nil && len(an.Analyze([]byte(w))) == 0 {
			continue // a stop word
		}
		var dis []query.Query
		exact := false
		for _, f := range fields {
			mq := bleve.NewMatchQuery(w)
			mq.SetField(f.field)
			mq.SetBoost(f.boost * 2)
			dis = append(dis, mq)
			has := known.has(m, f.field, w)
			exact = exact || has
			if f.fuzzy && utf8.RuneCountInString(w) >= 4 && !has {
				fz := bleve.NewMatchQuery(w)
				fz.SetField(f.field)
				fz.SetFuzziness(1)
				fz.SetBoost(f.boost * 0.5)
				dis = append(dis, fz)
			}
		}
		wq := bleve.NewDisjunctionQuery(dis...)
		if ignored != nil && !exact && known.r != nil && genericWords[registry.Fold(w)] && !matchesAny(idx, wq) {
			absent, absentQ = append(absent, w), append(absentQ, wq)
			continue
		}
		conj = append(conj, wq)
	}
	if len(conj) == 0 {
		conj = absentQ // nothing would remain: search for what was asked
	} else if ignored != nil {
		*ignored = absent
	}
	if len(conj) == 0 {
		return nil
	}
	if relaxed && len(conj) > 1 {
		d := bleve.NewDisjunctionQuery(conj...)
		d.SetMin(float64(max(1, len(conj)-1)))
		return d
	}
	return bleve.NewConjunctionQuery(conj...)
}

// genericWords say only that the thing is software ("software de gestión
// documental", "sistema de nómina"). In a catalogue of software, a record
// need not say so: such a word that no asset contains is left out of an
// asset search. Any other word that no asset contains is what was asked
// for ("antivirus"), and keeps the answer empty.
var genericWords = map[string]bool{
	"software": true, "sistema": true, "sistemas": true, "aplicativo": true, "aplicativos": true,
	"aplicacion": true, "aplicaciones": true, "plataforma": true, "plataformas": true,
	"herramienta": true, "herramientas": true, "solucion": true, "soluciones": true,
	"programa": true, "programas": true, "app": true, "apps": true, "licencia": true, "licencias": true,
	"licenciamiento": true, "informacion": true, "application": true, "applications": true,
	"system": true, "systems": true, "platform": true, "tool": true, "tools": true, "solution": true,
}

// matchesAny reports whether q matches at least one document of idx (an
// error counts as a match: the word is then kept).
func matchesAny(idx bleve.Index, q query.Query) bool {
	r, err := idx.Search(bleve.NewSearchRequestOptions(q, 0, 0, false))
	return err != nil || r.Total > 0
}

// termChecker tells whether a word, analysed as a field analyses it, is
// made of terms of that field in the index's current snapshot.
type termChecker struct {
	r     index.IndexReader
	dicts map[string]index.FieldDictContains
}

func newTermChecker(idx bleve.Index) *termChecker {
	tc := &termChecker{dicts: map[string]index.FieldDictContains{}}
	if adv, err := idx.Advanced(); err == nil {
		if r, err := adv.Reader(); err == nil {
			tc.r = r
		}
	}
	return tc
}

func (tc *termChecker) close() {
	if tc.r != nil {
		_ = tc.r.Close()
	}
}

func (tc *termChecker) has(m mapping.IndexMapping, field, word string) bool {
	rc, ok := tc.r.(index.IndexReaderContains)
	if tc.r == nil || !ok {
		return false // unknown: keep the fuzzy match
	}
	an := m.AnalyzerNamed(m.AnalyzerNameForPath(field))
	if an == nil {
		return false
	}
	d, ok := tc.dicts[field]
	if !ok {
		var err error
		if d, err = rc.FieldDictContains(field); err != nil {
			d = nil
		}
		tc.dicts[field] = d
	}
	if d == nil {
		return false
	}
	tokens := an.Analyze([]byte(word))
	if len(tokens) == 0 {
		return false
	}
	for _, t := range tokens {
		if found, err := d.Contains(t.Term); err != nil || !found {
			return false
		}
	}
	return true
}

func isLetter(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 127 && (r >= 0xC0 && r <= 0x24F || r >= 0x370)
}

// maxQueryWords bounds the words of a text query that are matched (each
// costs a disjunction of exact and fuzzy matches over several fields).
const maxQueryWords = 12

type fieldBoost struct {
	field string
	boost float64
	fuzzy bool
}

var assetTextFields = []fieldBoost{
	{"name", 4, true}, {"aliases", 3, true}, {"nameEn", 2, false},
	{"description", 1, true}, {"descriptionEn", 1, true},
}

var purchaseTextFields = []fieldBoost{{"description", 2, true}, {"parties", 1, true}}

// SearchAssets finds assets. The Result may be shared with other callers
// of the same search: read it, do not modify it.
func (ix *Index) SearchAssets(ctx context.Context, q AssetQuery) (Result, error) {
	hasText := strings.TrimSpace(q.Text) != ""
	spec, err := assetSort(q.Sort, hasText)
	if err != nil {
		return Result{}, err
	}
	var hl []string
	if q.Highlight && hasText {
		hl = []string{"name", "aliases", "description", "descriptionEn"}
	}
	// Searches are kept, by everything that shapes their answer, until the
	// index applies another change: the catalogue's first pages and
	// popular words repeat. Facets cost a walk of every hit, up to every
	// asset: they are also kept apart, by query and filters, for the other
	// pages of a search. seq is read before the search, and the index
	// stores it only after a change is searchable, so nothing kept
	// outlives the state it describes.
	seq := ix.Seq()
	filters := fmt.Sprintf("%v|%s|%v|%s|%s|%s|%s|%s|%s|%s|%s", q.relaxed, q.Kind, boolKey(q.Active), q.Category, q.License, q.Language,
		q.DevelopmentStatus, q.PublisherNIT, q.AdopterNIT, q.Department, strings.Join(strings.Fields(q.Text), " "))
	rkey := fmt.Sprintf("%s|%d|%d|%q|%q|%v|%d|%v|%s", spec.name, q.Page.First, q.Page.Last, q.Page.After, q.Page.Before, q.Page.WantTotal,
		q.FacetSize, len(hl) > 0, filters)
	if r, ok := ix.results.get(rkey, seq); ok {
		return r, nil
	}
	facetSize, key := q.FacetSize, ""
	var cached []Facet
	if facetSize > 0 {
		key = strconv.Itoa(facetSize) + "|" + filters
		if fs, ok := ix.facets.get(key, seq); ok {
			cached, facetSize = fs, 0
		}
	}
	var ignored []string
	res, err := ix.run(ctx, func(p pair) bleve.Index { return p.assets }, spec, q.Page, facetSize, hl, ix.assetQuery(q, hasText, &ignored))
	if err != nil {
		return res, err
	}
	res.Ignored = ignored
	if hasText && !q.relaxed && len(res.Hits) == 0 && ix.relaxable(ctx, q) {
		r := q
		r.relaxed = true
		rr, err := ix.SearchAssets(ctx, r)
		if err != nil {
			return res, err
		}
		rr.Relaxed = true
		ix.results.put(rkey, seq, rr)
		return rr, nil
	}
	switch {
	case cached != nil:
		res.Facets = cached
	case key != "" && res.Facets != nil:
		ix.facets.put(key, seq, res.Facets)
	}
	ix.results.put(rkey, seq, res)
	return res, nil
}

// relaxable reports whether a text search that found nothing on this page
// may be relaxed: no asset at all has every word of its text (whatever the
// filters: when some asset has them all, the filters are what leaves it
// out, and widening the words would only bring what was not asked for), and
// two words or more are left to relax. A later page of a relaxed search
// comes here too, since its strict search is empty.
func (ix *Index) relaxable(ctx context.Context, q AssetQuery) bool {
	ix.imu.RLock()
	defer ix.imu.RUnlock()
	if ix.closed.Load() || ctx.Err() != nil {
		return false
	}
	var ignored []string
	tq := ix.textQuery(ix.idx.assets, q.Text, assetTextFields, &ignored, false)
	c, ok := tq.(*query.ConjunctionQuery)
	if !ok || len(c.Conjuncts) < 2 || matchesAny(ix.idx.assets, tq) {
		return false
	}
	// A word that no asset contains is what was asked for: widening the
	// other words would only bring what it rules out.
	for _, w := range c.Conjuncts {
		if !matchesAny(ix.idx.assets, w) {
			return false
		}
	}
	return true
}

func boolKey(b *bool) string {
	if b == nil {
		return "-"
	}
	return strconv.FormatBool(*b)
}

// seqCache keeps values for one index state (seq), at most max of them.
type seqCache[V any] struct {
	max int
	mu  sync.Mutex
	seq int64
	m   map[string]V
}

func (c *seqCache[V]) get(key string, seq int64) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seq != seq || c.m == nil {
		c.seq, c.m = seq, map[string]V{}
		var zero V
		return zero, false
	}
	v, ok := c.m[key]
	return v, ok
}

func (c *seqCache[V]) put(key string, seq int64, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seq != seq || c.m == nil {
		return
	}
	if len(c.m) >= c.max {
		c.m = map[string]V{}
	}
	c.m[key] = v
}

func (ix *Index) assetQuery(q AssetQuery, hasText bool, ignored *[]string) func(idx bleve.Index) query.Query {
	return func(idx bleve.Index) query.Query {
		var must []query.Query
		if hasText {
			if tq := ix.textQuery(idx, q.Text, assetTextFields, ignored, q.relaxed); tq != nil {
				must = append(must, tq)
			}
		}
		add := func(field, v string) {
			if v != "" {
				must = append(must, term(field, v))
			}
		}
		add("kind", string(q.Kind))
		add("categories", q.Category)
		add("license", q.License)
		add("languages", q.Language)
		add("developmentStatus", q.DevelopmentStatus)
		add("publisherNit", q.PublisherNIT)
		add("adopterNits", q.AdopterNIT)
		add("adopterDepartments", q.Department)
		if q.Active != nil {
			add("active", strconv.FormatBool(*q.Active))
		}
		return all(must)
	}
}

// SearchPurchases finds purchases (no facets).
func (ix *Index) SearchPurchases(ctx context.Context, q PurchaseQuery) (Result, error) {
	hasText := strings.TrimSpace(q.Text) != ""
	spec, err := purchaseSort(q.Sort, hasText)
	if err != nil {
		return Result{}, err
	}
	var hl []string
	if q.Highlight && hasText {
		hl = []string{"description"}
	}
	return ix.run(ctx, func(p pair) bleve.Index { return p.purchases }, spec, q.Page, 0, hl, func(idx bleve.Index) query.Query {
		return ix.purchaseQuery(idx, q)
	})
}

// purchaseQuery is the bleve query of a purchase search.
func (ix *Index) purchaseQuery(idx bleve.Index, q PurchaseQuery) query.Query {
	hasText := strings.TrimSpace(q.Text) != ""
	var must []query.Query
	if hasText {
		if tq := ix.textQuery(idx, q.Text, purchaseTextFields, nil, false); tq != nil {
			must = append(must, tq)
		}
	}
	add := func(field, v string) {
		if v != "" {
			must = append(must, term(field, v))
		}
	}
	add("source", q.Source)
	add("buyerNit", q.BuyerNIT)
	if q.Anonymous {
		add("supplierDocPublic", q.SupplierDoc)
	} else {
		add("supplierDoc", q.SupplierDoc)
	}
	add("unspsc", q.UNSPSC)
	add("linkedAssets", q.LinkedAssetID)
	if q.Year != 0 {
		add("year", strconv.Itoa(q.Year))
	}
	if q.MinValue != nil || q.MaxValue != nil {
		var lo, hi *float64
		t := true
		if q.MinValue != nil {
			v := float64(*q.MinValue)
			lo = &v
		}
		if q.MaxValue != nil {
			v := float64(*q.MaxValue)
			hi = &v
		}
		r := bleve.NewNumericRangeInclusiveQuery(lo, hi, &t, &t)
		r.SetField("value")
		must = append(must, r)
	}
	return all(must)
}

// PurchaseIDs returns the ids of up to limit purchases matching q, best
// first (newest first without text), in one search: for analyses that read
// many matches at once, such as "antes de comprar", where paging 100 at a
// time costs one search per page. q.Page and q.Sort are ignored.
func (ix *Index) PurchaseIDs(ctx context.Context, q PurchaseQuery, limit int) ([]string, error) {
	if limit <= 0 {
		return nil, nil
	}
	ix.imu.RLock()
	defer ix.imu.RUnlock()
	if ix.closed.Load() {
		return nil, ErrClosed
	}
	idx := ix.idx.purchases
	req := bleve.NewSearchRequestOptions(ix.purchaseQuery(idx, q), limit, 0, false)
	if strings.TrimSpace(q.Text) == "" {
		req.SortBy([]string{"-sortDate", "-_id"})
	} else {
		req.SortBy([]string{"-_score", "_id"})
	}
	res, err := idx.SearchInContext(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = strings.TrimPrefix(h.ID, purchaseDocPrefix)
	}
	return ids, nil
}

const (
	assetDocPrefix    = "a:"
	purchaseDocPrefix = "p:"
)

// run executes a keyset-paginated search.
// all is the conjunction of qs, or every document when there is none.
func all(qs []query.Query) query.Query {
	switch len(qs) {
	case 0:
		return bleve.NewMatchAllQuery()
	case 1:
		return qs[0]
	}
	return bleve.NewConjunctionQuery(qs...)
}

func (ix *Index) run(ctx context.Context, which func(pair) bleve.Index, spec sortSpec, page registry.Page, facetSize int, hlFields []string, build func(bleve.Index) query.Query) (Result, error) {
	prefix := assetDocPrefix
	if spec.purchases {
		prefix = purchaseDocPrefix
	}
	if err := page.Validate(); err != nil {
		return Result{}, err
	}
	ix.imu.RLock()
	defer ix.imu.RUnlock()
	if ix.closed.Load() {
		return Result{}, ErrClosed
	}
	idx := which(ix.idx)
	size := page.Size()
	backward := page.Backward()
	q := build(idx)
	var fc *facetCounter
	if facetSize > 0 {
		fc = &facetCounter{ft: ix.facetTabs}
		q = countingQuery{q, fc}
	}
	req := bleve.NewSearchRequestOptions(q, size+1, 0, false)
	keys := spec.keys
	cursor := page.After
	if backward {
		keys = reversed(keys)
		cursor = page.Before
	}
	req.SortBy(keys)
	if cursor != "" {
		var vals []string
		if _, err := registry.DecodeCursor(cursor, spec.name, &vals); err != nil {
			return Result{}, err
		}
		if len(vals) != len(keys) {
			return Result{}, registry.Invalid("cursor", "malformed cursor")
		}
		req.SearchAfter = vals
	}
	if len(hlFields) > 0 {
		req.Highlight = bleve.NewHighlightWithStyle("html")
		req.Highlight.Fields = hlFields
	}
	res, err := idx.SearchInContext(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return Result{}, ctx.Err()
		}
		return Result{}, err
	}
	hits := res.Hits
	more := len(hits) > size
	if more {
		hits = hits[:size]
	}
	if backward {
		for i, j := 0, len(hits)-1; i < j; i, j = i+1, j-1 {
			hits[i], hits[j] = hits[j], hits[i]
		}
	}
	out := Result{Total: int64(res.Total)}
	for _, h := range hits {
		out.Hits = append(out.Hits, Hit{ID: strings.TrimPrefix(h.ID, prefix), Score: h.Score, Highlights: fragments(h)})
		out.Cursors = append(out.Cursors, registry.EncodeCursor(spec.name, sortValues(h, spec.keys), h.ID))
	}
	if len(out.Cursors) > 0 {
		out.PageInfo.StartCursor = out.Cursors[0]
		out.PageInfo.EndCursor = out.Cursors[len(out.Cursors)-1]
	}
	if backward {
		out.PageInfo.HasPreviousPage = more
		out.PageInfo.HasNextPage = page.Before != ""
	} else {
		out.PageInfo.HasNextPage = more
		out.PageInfo.HasPreviousPage = page.After != ""
	}
	if fc != nil {
		if fc.ok && fc.total == res.Total {
			out.Facets = fc.results(facetSize)
		} else {
			// Not a scorch index, or a walk that skipped matches: bleve
			// counts, in a search of its own.
			ix.facetFallbacks.Add(1)
			fr := bleve.NewSearchRequestOptions(build(idx), 0, 0, false)
			for _, f := range assetFacetFields {
				fr.AddFacet(f, bleve.NewFacetRequest(f, facetSize))
			}
			fres, err := idx.SearchInContext(ctx, fr)
			if err != nil {
				return Result{}, err
			}
			out.Facets = bleveFacets(fres)
		}
	}
	return out, nil
}

// bleveFacets converts the facets bleve counted.
func bleveFacets(res *bleve.SearchResult) []Facet {
	var out []Facet
	for _, f := range assetFacetFields {
		fr, ok := res.Facets[f]
		if !ok || fr == nil {
			continue
		}
		fc := Facet{Field: f, Other: fr.Other, Missing: fr.Missing}
		if fr.Terms != nil {
			for _, t := range fr.Terms.Terms() {
				fc.Values = append(fc.Values, FacetValue{Value: t.Term, Count: t.Count})
			}
		}
		sort.SliceStable(fc.Values, func(i, j int) bool {
			if fc.Values[i].Count != fc.Values[j].Count {
				return fc.Values[i].Count > fc.Values[j].Count
			}
			return fc.Values[i].Value < fc.Values[j].Value
		})
		out = append(out, fc)
	}
	return out
}

// sortValues are the values a SearchAfter needs to resume after h, in the
// order of the forward sort keys.
func sortValues(h *bsearch.DocumentMatch, keys []string) []string {
	vals := make([]string, len(keys))
	for i, k := range keys {
		switch strings.TrimPrefix(k, "-") {
		case "_score":
			vals[i] = strconv.FormatFloat(h.Score, 'g', -1, 64)
		case "_id":
			vals[i] = h.ID
		default:
			if i < len(h.Sort) {
				vals[i] = h.Sort[i]
			}
		}
	}
	return vals
}

func fragments(h *bsearch.DocumentMatch) map[string][]string {
	if len(h.Fragments) == 0 {
		return nil
	}
	out := make(map[string][]string, len(h.Fragments))
	for f, frs := range h.Fragments {
		for _, fr := range frs {
			if strings.Contains(fr, "<mark>") {
				out[f] = append(out[f], fr)
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// docsWithTerm returns the record ids of documents whose field holds value.
func docsWithTerm(idx bleve.Index, field, value string) ([]string, error) {
	req := bleve.NewSearchRequestOptions(term(field, value), 10000, 0, false)
	res, err := idx.Search(req)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(res.Hits))
	for _, h := range res.Hits {
		id := h.ID
		if i := strings.IndexByte(id, ':'); i >= 0 {
			id = id[i+1:]
		}
		out = append(out, id)
	}
	return out, nil
}
