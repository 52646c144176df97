package main

import (
	"context"

	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/search"
	"github.com/acervo-co/acervo/web"
)

// webSearcher answers the catalogue search of the web interface from the
// search index (the web package does not import registry/search).
type webSearcher struct{ ix *search.Index }

// facetNames maps the index's facet fields to the web's facet names.
var facetNames = map[string]string{
	"kind": web.FacetKind, "categories": web.FacetCategory, "license": web.FacetLicense,
	"developmentStatus": web.FacetStatus, "languages": web.FacetLanguage, "adopterDepartments": web.FacetDepartment,
}

func (s webSearcher) SearchAssets(ctx context.Context, text string, f web.SearchFilters, p web.SearchPage) (web.SearchResults, error) {
	active := true
	q := search.AssetQuery{Text: text, Kind: registry.AssetKind(f.Kind), Category: f.Category, License: f.License,
		DevelopmentStatus: f.Status, Language: f.Language, Department: f.Department, FacetSize: 20, Active: &active,
		Page: registry.Page{First: p.Size, After: p.After, Before: p.Before, WantTotal: true}}
	if p.Before != "" {
		q.Page.First, q.Page.Last = 0, p.Size
	}
	r, err := s.ix.SearchAssets(ctx, q)
	if err != nil {
		return web.SearchResults{}, err
	}
	out := web.SearchResults{Total: int(r.Total), Facets: map[string][]web.FacetValue{}, Ignored: r.Ignored, Relaxed: r.Relaxed}
	for _, h := range r.Hits {
		out.AssetIDs = append(out.AssetIDs, h.ID)
	}
	for _, fc := range r.Facets {
		name, ok := facetNames[fc.Field]
		if !ok {
			continue
		}
		for _, v := range fc.Values {
			out.Facets[name] = append(out.Facets[name], web.FacetValue{Value: v.Value, Count: v.Count})
		}
	}
	if r.PageInfo.HasNextPage {
		out.Next = r.PageInfo.EndCursor
	}
	if r.PageInfo.HasPreviousPage {
		out.Prev = r.PageInfo.StartCursor
	}
	return out, nil
}
