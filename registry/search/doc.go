// Package search is Acervo's full-text index of assets and purchases, on
// bleve v2 (scorch). It is derived from the registry.Store and can be thrown
// away and rebuilt at any time:
//
//   - Open creates or reopens the index in a directory ("" keeps it in
//     memory) and rebuilds it when it is new or its mapping changed;
//   - the index records, inside each batch it writes, the last change
//     sequence number it applied, so a restart only catches up with the
//     changes made since (Store.Changes), whoever made them;
//   - Watch applies changes as they happen: Attach hooks it on the Service's
//     OnWrite for this process's writes, and it polls the store for other
//     processes' writes (several acervo serve on one MongoDB);
//   - Rebuild re-reads everything (acervo reindex).
//
// Text is analysed in Spanish (stop words, accent folding, light stemming:
// "gestión" = "gestion" = "GESTIONES") and in English for the English
// descriptions; queries also match with one typo per term (fuzzy) and return
// highlighted snippets. Asset searches return facet counts; purchase searches
// do not (facets over hundreds of thousands of purchase hits cost about a
// second, see shared/reference/tech.md §5).
//
// Pagination is by keyset: every result carries an opaque cursor made of its
// sort values and document id, and the next page starts after it
// (bleve's SearchAfter), so pages stay stable while documents are added.
package search
