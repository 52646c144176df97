package graphql

import (
	"sort"

	gql "github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/language/ast"

	"github.com/acervo-co/acervo/registry"
)

// connection is the Go value behind every *Connection type.
type connection struct {
	Edges    []edge
	PageInfo registry.PageInfo
	Total    *int64
	// total computes totalCount lazily when Total is nil.
	total  func() (interface{}, error)
	Facets []facet
	// Ignored and Relaxed: how a text search of assets was widened
	// (search.Result).
	Ignored []string
	Relaxed bool
}

type edge struct {
	Cursor     string
	cursorKey  string // when Cursor is empty: made on demand from sortName and this key
	sortName   string
	Node       interface{}
	Score      *float64
	Highlights map[string][]string
}

func (e edge) cursor() string {
	if e.Cursor == "" && e.cursorKey != "" {
		return registry.EncodeCursor(e.sortName, nil, e.cursorKey)
	}
	return e.Cursor
}

type facet struct {
	Field   string
	Values  []facetValue
	Other   int
	Missing int
}

type facetValue struct {
	Value string
	Count int
}

// pageArgs are the arguments of every connection field.
func pageArgs(extra gql.FieldConfigArgument) gql.FieldConfigArgument {
	args := gql.FieldConfigArgument{
		"first":  {Type: gql.Int, Description: "Items after `after` (1 to 100). `first` or `last` is required."},
		"after":  {Type: gql.String, Description: "Cursor of the item to start after."},
		"last":   {Type: gql.Int, Description: "Items before `before` (1 to 100)."},
		"before": {Type: gql.String, Description: "Cursor of the item to end before."},
	}
	for k, v := range extra {
		args[k] = v
	}
	return args
}

// pageFrom reads the page arguments (already checked by the limits pass,
// checked again here for callers that skip it).
func pageFrom(p gql.ResolveParams) (registry.Page, error) {
	pg := registry.Page{}
	if v, ok := p.Args["first"].(int); ok {
		pg.First = v
	}
	if v, ok := p.Args["last"].(int); ok {
		pg.Last = v
	}
	if v, ok := p.Args["after"].(string); ok {
		pg.After = v
	}
	if v, ok := p.Args["before"].(string); ok {
		pg.Before = v
	}
	if pg.First == 0 && pg.Last == 0 {
		return pg, reject(CodePaginationRequired, "%s needs first or last (1 to %d)", p.Info.FieldName, registry.MaxPageSize)
	}
	if pg.First < 0 || pg.First > registry.MaxPageSize || pg.Last < 0 || pg.Last > registry.MaxPageSize {
		return pg, reject(CodeArgumentOutOfRange, "%s: first and last must be between 1 and %d", p.Info.FieldName, registry.MaxPageSize)
	}
	if pg.First > 0 && pg.Last > 0 {
		return pg, reject(CodeArgumentOutOfRange, "%s: give first or last, not both", p.Info.FieldName)
	}
	pg.WantTotal = selects(p.Info, "totalCount")
	return pg, nil
}

// selects reports whether the field being resolved selects child (looking
// through fragments).
func selects(info gql.ResolveInfo, child string) bool {
	for _, f := range info.FieldASTs {
		if f.SelectionSet != nil && selectionHas(f.SelectionSet, child, info.Fragments, 0) {
			return true
		}
	}
	return false
}

// selectsEdgeField reports whether the connection being resolved selects
// edges { child }.
func selectsEdgeField(info gql.ResolveInfo, child string) bool {
	for _, f := range info.FieldASTs {
		if f.SelectionSet == nil {
			continue
		}
		for _, s := range collectFields(f.SelectionSet, info.Fragments, 0) {
			if s.Name != nil && s.Name.Value == "edges" && s.SelectionSet != nil && selectionHas(s.SelectionSet, child, info.Fragments, 0) {
				return true
			}
		}
	}
	return false
}

// collectFields lists the fields of a selection set, through fragments.
func collectFields(ss *ast.SelectionSet, frags map[string]ast.Definition, depth int) []*ast.Field {
	if ss == nil || depth > 8 {
		return nil
	}
	var out []*ast.Field
	for _, s := range ss.Selections {
		switch s := s.(type) {
		case *ast.Field:
			out = append(out, s)
		case *ast.InlineFragment:
			out = append(out, collectFields(s.SelectionSet, frags, depth+1)...)
		case *ast.FragmentSpread:
			if s.Name == nil {
				continue
			}
			if fd, ok := frags[s.Name.Value].(*ast.FragmentDefinition); ok {
				out = append(out, collectFields(fd.SelectionSet, frags, depth+1)...)
			}
		}
	}
	return out
}

func selectionHas(ss *ast.SelectionSet, name string, frags map[string]ast.Definition, depth int) bool {
	if ss == nil || depth > 8 {
		return false
	}
	for _, s := range ss.Selections {
		switch s := s.(type) {
		case *ast.Field:
			if s.Name != nil && s.Name.Value == name {
				return true
			}
		case *ast.InlineFragment:
			if selectionHas(s.SelectionSet, name, frags, depth+1) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Name == nil {
				continue
			}
			if fd, ok := frags[s.Name.Value].(*ast.FragmentDefinition); ok && selectionHas(fd.SelectionSet, name, frags, depth+1) {
				return true
			}
		}
	}
	return false
}

// listConnection turns a store page into a connection, mapping each item.
func listConnection[T any](l registry.List[T], wantTotal bool, node func(*T) interface{}) *connection {
	c := &connection{PageInfo: l.PageInfo, Edges: make([]edge, len(l.Items))}
	for i := range l.Items {
		c.Edges[i] = edge{Cursor: l.Cursors[i], Node: node(&l.Items[i])}
	}
	if wantTotal {
		t := l.Total
		c.Total = &t
	}
	return c
}

// sliceConnection pages through an in-memory list sorted by key (unique),
// with keyset cursors on that key: used for the children of an object that
// a loader fetched whole (an asset's adoptions).
func sliceConnection[T any](items []T, key func(*T) string, sortName string, pg registry.Page, node func(*T) interface{}) (*connection, error) {
	sorted := make([]T, len(items))
	copy(sorted, items)
	sort.SliceStable(sorted, func(i, j int) bool { return key(&sorted[i]) < key(&sorted[j]) })
	n := pg.Size()
	lo, hi := 0, len(sorted)
	if pg.After != "" {
		c, err := registry.DecodeCursor(pg.After, sortName, nil)
		if err != nil {
			return nil, err
		}
		lo = sort.Search(len(sorted), func(i int) bool { return key(&sorted[i]) > c.ID })
	}
	if pg.Before != "" {
		c, err := registry.DecodeCursor(pg.Before, sortName, nil)
		if err != nil {
			return nil, err
		}
		hi = sort.Search(len(sorted), func(i int) bool { return key(&sorted[i]) >= c.ID })
	}
	if hi < lo {
		hi = lo
	}
	window := sorted[lo:hi]
	conn := &connection{}
	var page []T
	if pg.Backward() {
		start := max(0, len(window)-n)
		page = window[start:]
		conn.PageInfo.HasPreviousPage = start > 0
		conn.PageInfo.HasNextPage = hi < len(sorted)
	} else {
		end := min(n, len(window))
		page = window[:end]
		conn.PageInfo.HasNextPage = end < len(window)
		conn.PageInfo.HasPreviousPage = lo > 0
	}
	total := int64(len(sorted))
	conn.Total = &total
	for i := range page {
		// Cursors are encoded only when selected (edge.cursor).
		conn.Edges = append(conn.Edges, edge{cursorKey: key(&page[i]), sortName: sortName, Node: node(&page[i])})
	}
	if len(conn.Edges) > 0 {
		conn.PageInfo.StartCursor = conn.Edges[0].cursor()
		conn.PageInfo.EndCursor = conn.Edges[len(conn.Edges)-1].cursor()
	}
	return conn, nil
}

func newPageInfoType() *gql.Object {
	return gql.NewObject(gql.ObjectConfig{
		Name:        "PageInfo",
		Description: "Where a page of a connection stands.",
		Fields: gql.Fields{
			"hasNextPage": {Type: gql.NewNonNull(gql.Boolean), Resolve: func(p gql.ResolveParams) (interface{}, error) { return p.Source.(registry.PageInfo).HasNextPage, nil }},
			"hasPreviousPage": {Type: gql.NewNonNull(gql.Boolean), Resolve: func(p gql.ResolveParams) (interface{}, error) {
				return p.Source.(registry.PageInfo).HasPreviousPage, nil
			}},
			"startCursor": {Type: gql.String, Resolve: func(p gql.ResolveParams) (interface{}, error) {
				return nilIfEmpty(p.Source.(registry.PageInfo).StartCursor), nil
			}},
			"endCursor": {Type: gql.String, Resolve: func(p gql.ResolveParams) (interface{}, error) {
				return nilIfEmpty(p.Source.(registry.PageInfo).EndCursor), nil
			}},
		},
	})
}

func nilIfEmpty(s string) interface{} {
	if s == "" {
		return nil
	}
	return s
}

// connectionType makes the XConnection and XEdge types of a node type.
func (a *api) connectionType(name string, node gql.Output, edgeExtra gql.Fields, connExtra gql.Fields, totalNullable bool) *gql.Object {
	edgeFields := gql.Fields{
		"cursor": {Type: gql.NewNonNull(gql.String), Resolve: func(p gql.ResolveParams) (interface{}, error) { c := p.Source.(edge).cursor(); return &c, nil }},
		"node":   {Type: node, Resolve: func(p gql.ResolveParams) (interface{}, error) { return p.Source.(edge).Node, nil }},
	}
	for k, v := range edgeExtra {
		edgeFields[k] = v
	}
	edgeT := gql.NewObject(gql.ObjectConfig{Name: name + "Edge", Fields: edgeFields})
	var totalT gql.Output = gql.NewNonNull(gql.Int)
	desc := "Number of items matching the filters, all pages together."
	if totalNullable {
		totalT = gql.Int
		desc += " Null when counting would need an unbounded scan (outdatedOnly or version over the whole registry)."
	}
	fields := gql.Fields{
		"edges": {Type: gql.NewNonNull(gql.NewList(gql.NewNonNull(edgeT))), Resolve: func(p gql.ResolveParams) (interface{}, error) {
			return anys(p.Source.(*connection).Edges), nil
		}},
		"nodes": {Type: gql.NewNonNull(gql.NewList(node)), Description: "The nodes of the edges, for clients that need no cursors.", Resolve: func(p gql.ResolveParams) (interface{}, error) {
			c := p.Source.(*connection)
			out := make([]interface{}, len(c.Edges))
			for i := range c.Edges {
				out[i] = c.Edges[i].Node
			}
			return out, nil
		}},
		"pageInfo": {Type: gql.NewNonNull(a.pageInfo), Resolve: func(p gql.ResolveParams) (interface{}, error) { return p.Source.(*connection).PageInfo, nil }},
		"totalCount": {Type: totalT, Description: desc, Resolve: func(p gql.ResolveParams) (interface{}, error) {
			c := p.Source.(*connection)
			if c.Total != nil {
				return *c.Total, nil
			}
			if c.total != nil {
				return c.total()
			}
			if totalNullable {
				return nil, nil
			}
			return 0, nil
		}},
	}
	for k, v := range connExtra {
		fields[k] = v
	}
	return gql.NewObject(gql.ObjectConfig{Name: name + "Connection", Description: "A page of " + name + " items with keyset cursors.", Fields: fields})
}

// anys is s as the []interface{} of a GraphQL list.
func anys[T any](s []T) []interface{} {
	out := make([]interface{}, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// ptrs is a GraphQL list of pointers to the elements of s.
func ptrs[T any](s []T) []interface{} {
	out := make([]interface{}, len(s))
	for i := range s {
		out[i] = &s[i]
	}
	return out
}
