package search

import (
	"context"
	"sort"
	"sync"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// Facet counting without bleve's facet builder.
//
// bleve counts facets by reading the doc values of every facet field of
// every hit, decompressing chunks and hashing strings on each search: at
// 10,000 assets and ~800 hits that is three quarters of a faceted search.
// Segments are immutable, so the facet values of each document of a
// segment are read once into a small table (values interned to integers),
// and a faceted search only walks the query's matches (without scoring)
// and adds up integers. An update of an asset writes a new document in a
// new segment and deletes the old one, which then never matches: the
// counts follow every write without any invalidation. Tables of segments
// that left the index (merged, or the index rebuilt) are dropped.

// facetTables keeps the tables of the segments of one bleve index.
type facetTables struct {
	fields []string

	mu     sync.Mutex
	values []facetKey          // interned (field, value) pairs, by id
	ids    map[facetKey]uint32 // (field, value) → id
	segs   map[any]*segTable   // by segment (scorch segments are immutable)
}

type facetKey struct {
	field int
	value string
}

// segTable is the facet values of every document of one segment:
// doc d's values are vals[start[d]:start[d+1]], interned (field, value)
// ids.
type segTable struct {
	once  sync.Once
	err   error
	start []uint32
	vals  []uint32
}

func newFacetTables(fields []string) *facetTables {
	return &facetTables{fields: fields, ids: map[facetKey]uint32{}, segs: map[any]*segTable{}}
}

func (ft *facetTables) intern(field int, v []byte) uint32 {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	k := facetKey{field, string(v)}
	id, ok := ft.ids[k]
	if !ok {
		id = uint32(len(ft.values))
		ft.values = append(ft.values, k)
		ft.ids[k] = id
	}
	return id
}

// tables returns the table of each segment of snap (building the missing
// ones) and the segments' first global document numbers; it forgets the
// tables of segments snap no longer holds.
func (ft *facetTables) tables(snap *scorch.IndexSnapshot) ([]*segTable, []uint64, error) {
	segs := snap.Segments()
	out := make([]*segTable, len(segs))
	offsets := make([]uint64, len(segs))
	ft.mu.Lock()
	live := make(map[any]bool, len(segs))
	var running uint64
	for i, ss := range segs {
		s := ss.Segment()
		live[s] = true
		t := ft.segs[s]
		if t == nil {
			t = &segTable{}
			ft.segs[s] = t
		}
		out[i], offsets[i] = t, running
		running += s.Count()
	}
	// Searches of an older snapshot may still use a dropped table; they
	// hold their own pointer to it.
	if len(ft.segs) > len(segs) {
		for s := range ft.segs {
			if !live[s] {
				delete(ft.segs, s)
			}
		}
	}
	ft.mu.Unlock()
	for i, t := range out {
		t.once.Do(func() { t.err = ft.build(t, snap, offsets[i], segs[i].Segment().Count()) })
		if t.err != nil {
			return nil, nil, t.err
		}
	}
	return out, offsets, nil
}

// build reads the facet values of the n documents of a segment that
// starts at global document number offset.
func (ft *facetTables) build(t *segTable, snap *scorch.IndexSnapshot, offset, n uint64) error {
	dvr, err := snap.DocValueReader(ft.fields)
	if err != nil {
		return err
	}
	field := make(map[string]int, len(ft.fields))
	for i, f := range ft.fields {
		field[f] = i
	}
	t.start = make([]uint32, 0, n+1)
	id := index.NewIndexInternalID(nil, 0)
	for d := uint64(0); d < n; d++ {
		t.start = append(t.start, uint32(len(t.vals)))
		id.SetValue(offset + d)
		err := dvr.VisitDocValues(id, func(f string, term []byte) {
			if i, ok := field[f]; ok {
				t.vals = append(t.vals, ft.intern(i, term))
			}
		})
		if err != nil {
			return err
		}
	}
	t.start = append(t.start, uint32(len(t.vals)))
	return nil
}

// facetCounter adds up the facet values of the matches of one search.
type facetCounter struct {
	ft      *facetTables
	ok      bool // the search ran on a scorch snapshot: the counts hold
	tabs    []*segTable
	offsets []uint64
	keys    []facetKey
	counts  []int32
	occ     []int // value occurrences per field
	missing []int // hits without the field
	seen    []bool
	seg     int
	total   uint64
}

// start prepares the counter for a search of snap.
func (fc *facetCounter) start(snap *scorch.IndexSnapshot) error {
	tabs, offsets, err := fc.ft.tables(snap)
	if err != nil {
		return err
	}
	fc.ft.mu.Lock()
	fc.keys = fc.ft.values[:len(fc.ft.values):len(fc.ft.values)] // ids of these tables are below len
	fc.ft.mu.Unlock()
	nf := len(fc.ft.fields)
	fc.tabs, fc.offsets, fc.ok = tabs, offsets, true
	fc.counts = make([]int32, len(fc.keys))
	fc.occ, fc.missing, fc.seen = make([]int, nf), make([]int, nf), make([]bool, nf)
	return nil
}

// add counts the document of global number n.
func (fc *facetCounter) add(n uint64) {
	fc.total++
	offsets := fc.offsets
	if fc.seg >= len(offsets) || n < offsets[fc.seg] || (fc.seg+1 < len(offsets) && n >= offsets[fc.seg+1]) {
		fc.seg = sort.Search(len(offsets), func(i int) bool { return offsets[i] > n }) - 1
	}
	if fc.seg < 0 {
		fc.seg = 0
		return
	}
	t := fc.tabs[fc.seg]
	local := n - offsets[fc.seg]
	if local+1 >= uint64(len(t.start)) {
		return
	}
	clear(fc.seen)
	for _, id := range t.vals[t.start[local]:t.start[local+1]] {
		f := fc.keys[id].field
		fc.seen[f] = true
		fc.occ[f]++
		fc.counts[id]++
	}
	for f, ok := range fc.seen {
		if !ok {
			fc.missing[f]++
		}
	}
}

func (fc *facetCounter) results(size int) []Facet {
	return facetResults(fc.ft.fields, fc.keys, fc.counts, fc.occ, fc.missing, size)
}

// countingQuery is q whose searcher also counts the facets of every match
// it yields into fc: the search that ranks the hits counts them in the
// same walk. (bleve's collector only calls Next on the top searcher, and
// walks every match to count the total.)
type countingQuery struct {
	query.Query
	fc *facetCounter
}

func (c countingQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, o bsearch.SearcherOptions) (bsearch.Searcher, error) {
	s, err := c.Query.Searcher(ctx, r, m, o)
	if err != nil {
		return nil, err
	}
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return s, nil // fc.ok stays false: the caller counts otherwise
	}
	if err := c.fc.start(snap); err != nil {
		_ = s.Close()
		return nil, err
	}
	return countingSearcher{s, c.fc}, nil
}

type countingSearcher struct {
	bsearch.Searcher
	fc *facetCounter
}

func (c countingSearcher) Next(ctx *bsearch.SearchContext) (*bsearch.DocumentMatch, error) {
	dm, err := c.Searcher.Next(ctx)
	if dm != nil {
		c.fc.add(dm.IndexInternalID.Value())
	}
	return dm, err
}

func (c countingSearcher) Advance(ctx *bsearch.SearchContext, id index.IndexInternalID) (*bsearch.DocumentMatch, error) {
	dm, err := c.Searcher.Advance(ctx, id)
	if dm != nil {
		c.fc.add(dm.IndexInternalID.Value())
	}
	return dm, err
}

// facetResults turns counts into facets, in the order of fields.
func facetResults(fields []string, keys []facetKey, counts []int32, occ, missing []int, size int) []Facet {
	byField := make([][]FacetValue, len(fields))
	for id, c := range counts {
		if c > 0 {
			k := keys[id]
			byField[k.field] = append(byField[k.field], FacetValue{Value: k.value, Count: int(c)})
		}
	}
	out := make([]Facet, len(fields))
	for f, vs := range byField {
		sort.Slice(vs, func(i, j int) bool {
			if vs[i].Count != vs[j].Count {
				return vs[i].Count > vs[j].Count
			}
			return vs[i].Value < vs[j].Value
		})
		if len(vs) > size {
			vs = vs[:size]
		}
		in := 0
		for _, v := range vs {
			in += v.Count
		}
		out[f] = Facet{Field: fields[f], Values: vs, Other: occ[f] - in, Missing: missing[f]}
	}
	return out
}
