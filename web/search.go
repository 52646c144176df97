package web

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/acervo-co/acervo/registry"
)

// SearchFilters narrows a catalogue search; empty fields do not filter.
// The facet names of SearchResults use the same words.
type SearchFilters struct {
	Kind       string // PUBLIC, COMMERCIAL
	Category   string
	License    string // SPDX expression
	Status     string // development status: concept … obsolete
	Language   string // programming language
	Department string // DANE code of an adopting entity's department
}

// SearchPage is the page asked for: Size results after (or before) an
// opaque cursor of a previous result.
type SearchPage struct {
	Size   int
	After  string
	Before string
}

// Facet names.
const (
	FacetKind       = "kind"
	FacetCategory   = "category"
	FacetLicense    = "license"
	FacetStatus     = "status"
	FacetLanguage   = "language"
	FacetDepartment = "department"
)

// FacetValue is one value of a facet and how many matching assets have it.
type FacetValue struct {
	Value string
	Count int
}

// SearchResults is one page of matching assets, best first, with the
// facets of every match.
type SearchResults struct {
	AssetIDs []string
	Total    int
	Facets   map[string][]FacetValue // by facet name, largest count first
	// Ignored are words of the text that no asset contains: the search
	// went on without them.
	Ignored []string
	// Relaxed: no asset has every word, and these are the closest.
	Relaxed bool
	// Next and Prev are the cursors of the following and preceding pages
	// ("" when there is none).
	Next, Prev string
}

// Searcher finds assets by free text (Spanish-aware: accents and plurals)
// with facets. The acervo command wires it to the search index
// (registry/search).
type Searcher interface {
	SearchAssets(ctx context.Context, text string, f SearchFilters, p SearchPage) (SearchResults, error)
}

// scanSearcher is the fallback without a search index: it lists assets
// through the Service with the structured filters and keeps those whose
// name, aliases or descriptions contain every word of the text (folded). It
// reads at most scanLimit assets.
type scanSearcher struct {
	svc *registry.Service
}

const scanLimit = 5000

func (s *scanSearcher) SearchAssets(ctx context.Context, text string, f SearchFilters, p SearchPage) (SearchResults, error) {
	words := strings.Fields(registry.Fold(text))
	filter := registry.AssetFilter{Kind: registry.AssetKind(f.Kind), Category: f.Category, License: f.License,
		DevelopmentStatus: f.Status, Language: f.Language, AdopterDepartment: f.Department,
		Page: registry.Page{First: registry.MaxPageSize}}
	facets := map[string]map[string]int{}
	count := func(facet, v string) {
		if v == "" {
			return
		}
		if facets[facet] == nil {
			facets[facet] = map[string]int{}
		}
		facets[facet][v]++
	}
	var ids []string
	var scores []int
	read := 0
	for read < scanLimit {
		l, err := s.svc.Assets(ctx, filter)
		if err != nil {
			return SearchResults{}, err
		}
		for _, a := range l.Items {
			read++
			score, ok := matchWords(a, words)
			if !ok {
				continue
			}
			ids = append(ids, a.ID)
			scores = append(scores, score)
			count(FacetKind, string(a.Kind))
			count(FacetLicense, a.License)
			count(FacetStatus, a.DevelopmentStatus)
			for _, c := range a.Categories {
				count(FacetCategory, c)
			}
			for _, lg := range a.Languages {
				count(FacetLanguage, lg.Name)
			}
		}
		if !l.PageInfo.HasNextPage {
			break
		}
		filter.Page.After = l.PageInfo.EndCursor
	}
	idx := make([]int, len(ids))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return scores[idx[i]] > scores[idx[j]] })
	res := SearchResults{Total: len(ids), Facets: map[string][]FacetValue{}}
	size := p.Size
	if size <= 0 {
		size = 20
	}
	from := 0
	if n, err := strconv.Atoi(p.After); err == nil && n > 0 {
		from = n
	} else if n, err := strconv.Atoi(p.Before); err == nil && n > 0 {
		from = max(n-size, 0)
	}
	for i := from; i < len(idx) && i < from+size; i++ {
		res.AssetIDs = append(res.AssetIDs, ids[idx[i]])
	}
	if from+size < len(idx) {
		res.Next = strconv.Itoa(from + size)
	}
	if from > 0 {
		res.Prev = strconv.Itoa(from)
	}
	for name, m := range facets {
		vs := make([]FacetValue, 0, len(m))
		for v, n := range m {
			vs = append(vs, FacetValue{Value: v, Count: n})
		}
		sort.Slice(vs, func(i, j int) bool {
			if vs[i].Count != vs[j].Count {
				return vs[i].Count > vs[j].Count
			}
			return vs[i].Value < vs[j].Value
		})
		res.Facets[name] = vs
	}
	return res, nil
}

// matchWords scores an asset against folded words: a word in the name
// counts 3, in aliases 2, in descriptions 1. Every word must match
// somewhere; a word matches its plural-less form too ("documentales").
func matchWords(a registry.Asset, words []string) (int, bool) {
	if len(words) == 0 {
		return 0, true
	}
	name := registry.Fold(a.Name)
	aliases := registry.Fold(strings.Join(a.Aliases, " "))
	var desc strings.Builder
	for _, d := range a.Descriptions {
		desc.WriteString(d.LocalisedName + " " + d.GenericName + " " + d.ShortDescription + " " + d.LongDescription + " ")
	}
	desc.WriteString(strings.Join(a.Categories, " "))
	ds := registry.Fold(desc.String())
	score := 0
	for _, w := range words {
		stem := strings.TrimSuffix(strings.TrimSuffix(w, "s"), "e")
		if len(stem) < 3 {
			stem = w
		}
		switch {
		case strings.Contains(name, stem):
			score += 3
		case strings.Contains(aliases, stem):
			score += 2
		case strings.Contains(ds, stem):
			score++
		default:
			return 0, false
		}
	}
	return score, true
}
