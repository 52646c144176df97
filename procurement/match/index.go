package match

import (
	"net/url"
	"sort"
	"strings"

	"github.com/acervo-co/acervo/registry"
)

// hitKind tells what a phrase of the automaton stands for.
type hitKind uint8

const (
	kindAlias    hitKind = iota + 1 // a product alias or name of an asset
	kindURL                         // a repository URL of an asset
	kindCue                         // a cue phrase
	kindCategory                    // a phrase of a category vocabulary (asset = vocabulary index)
)

// family groups hit kinds for containment: a hit hides shorter hits of its
// own family only.
func (k hitKind) family() int {
	switch k {
	case kindAlias, kindURL:
		return 0
	case kindCue:
		return 1
	}
	return 2
}

// output is what a trie node emits: an asset (index into Index.assets) or
// a cue.
type output struct {
	kind  hitKind
	cue   cue
	asset int32
	alias int32 // index into assetEntry.aliases (kindAlias, kindURL)
}

// assetEntry is what the matcher keeps of an asset.
type assetEntry struct {
	id          string
	name        string
	slug        string
	kind        registry.AssetKind
	active      bool
	publisher   string
	contractors map[string]string // NIT → name
	// contractorNames are folded contractor names (for suppliers without
	// a NIT match).
	contractorNames []string
	aliases         []string // as written, for reasons
	ambiguous       []bool   // per alias
	categories      []string
	adopters        int
}

// Index is an immutable automaton over folded tokens built from the
// assets: every product alias, name and repository URL is a phrase of
// token ids in one trie, together with the cue phrases of the relation
// classifier. Scanning a text is one dictionary lookup per word plus a
// trie walk from each word that starts a phrase — an Aho–Corasick-like
// pass over words, whatever the number of assets. Build a new Index when
// assets change (Build is cheap: 10,000 assets × 5 aliases in well under
// a second).
type Index struct {
	dict     map[string]int32 // folded word → token id (1-based)
	rootNext []int32          // token id → child of the root, or -1
	edges    map[uint64]int32 // (node << 32 | token) → child
	outs     [][]output       // by node
	depth    []int32          // phrase length in tokens, by node

	assets     []assetEntry
	byID       map[string]int32
	bySupplier map[string][]int32 // contractor NIT → assets
	byCategory map[string][]int32 // category → PUBLIC active assets, most adopted first
	cueTokens  []cue              // token id → single-word cue (for quick flags), cueNone otherwise
}

// AssetInfo is what the matcher needs of an asset besides the Asset: how
// many entities adopted it (to rank alternatives).
type AssetInfo struct {
	Asset    registry.Asset
	Adopters int
}

// Build builds the index of the given assets. Inactive assets are indexed
// too (a purchase of a retired system is still a purchase of it).
func Build(assets []AssetInfo) *Index {
	ix := &Index{
		dict:       map[string]int32{},
		edges:      map[uint64]int32{},
		byID:       map[string]int32{},
		bySupplier: map[string][]int32{},
		byCategory: map[string][]int32{},
		rootNext:   []int32{-1},
	}
	ix.outs = append(ix.outs, nil) // node 0 is the root
	ix.depth = append(ix.depth, 0)
	for c, phrases := range cuePhrases {
		for _, p := range phrases {
			words := foldWords(p)
			ix.insert(words, output{kind: kindCue, cue: c})
		}
	}
	for i, v := range categoryVocabs {
		for _, p := range v.phrases {
			ix.insert(foldWords(p), output{kind: kindCategory, asset: int32(i)})
		}
	}
	for _, info := range assets {
		// Proposed commercial products are not assets yet, and rejected
		// proposals never will be.
		if r := info.Asset.InactiveReason; r == registry.ReasonProposed || r == registry.ReasonProposalRejected {
			continue
		}
		ix.addAsset(info)
	}
	for cat, idxs := range ix.byCategory {
		sort.SliceStable(idxs, func(i, j int) bool {
			a, b := ix.assets[idxs[i]], ix.assets[idxs[j]]
			if a.adopters != b.adopters {
				return a.adopters > b.adopters
			}
			return a.name < b.name
		})
		ix.byCategory[cat] = idxs
	}
	ix.cueTokens = make([]cue, len(ix.dict)+1)
	for _, id := range ix.dict {
		if n := ix.rootNext[id]; n >= 0 && ix.depth[n] == 1 {
			for _, o := range ix.outs[n] {
				if o.kind == kindCue && o.cue != cueNeutral {
					ix.cueTokens[id] = o.cue
				}
			}
		}
	}
	return ix
}

// Len returns the number of indexed assets.
func (ix *Index) Len() int { return len(ix.assets) }

func (ix *Index) addAsset(info AssetInfo) {
	a := info.Asset
	e := assetEntry{
		id: a.ID, name: a.Name, slug: a.Slug, kind: a.Kind, active: a.Active, publisher: a.PublisherNIT,
		contractors: map[string]string{}, categories: a.Categories, adopters: info.Adopters,
	}
	idx := int32(len(ix.assets))
	for _, c := range a.Maintenance.Contractors {
		if c.NIT != "" {
			e.contractors[c.NIT] = c.Name
			ix.bySupplier[c.NIT] = append(ix.bySupplier[c.NIT], idx)
		}
		if n := foldJoin(c.Name); n != "" {
			e.contractorNames = append(e.contractorNames, n)
		}
	}
	seen := map[string]bool{}
	addPhrase := func(written string, words []string, kind hitKind) {
		key := strings.Join(words, " ")
		if len(words) == 0 || seen[key] || allGeneric(words) {
			return
		}
		seen[key] = true
		ambiguous := kind == kindAlias && len(words) == 1 && (len(words[0]) <= 3 || commonWords[words[0]])
		e.aliases = append(e.aliases, written)
		e.ambiguous = append(e.ambiguous, ambiguous)
		ix.insert(words, output{kind: kind, asset: idx, alias: int32(len(e.aliases) - 1)})
	}
	for _, al := range a.Aliases {
		addPhrase(al, foldWords(al), kindAlias)
	}
	// The name counts as an alias when it is distinctive: not made only
	// of generic words ("Sistema de gestión documental" is not a name a
	// contract would use for one product).
	addPhrase(a.Name, foldWords(a.Name), kindAlias)
	for _, u := range append([]string{a.RepositoryURL}, a.RepositoryAliases...) {
		if w := urlWords(u); len(w) >= 3 {
			addPhrase(u, w, kindURL)
		}
	}
	ix.byID[a.ID] = idx
	if a.Kind == registry.AssetPublic && a.Active {
		for _, c := range a.Categories {
			ix.byCategory[c] = append(ix.byCategory[c], idx)
		}
	}
	ix.assets = append(ix.assets, e)
}

// urlWords folds a repository URL into the words a description would show
// ("https://github.com/Correlibre/Orfeo.git" → github com correlibre orfeo).
func urlWords(raw string) []string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil
	}
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		raw = u.Host + u.Path
	}
	raw = strings.TrimSuffix(strings.TrimSuffix(raw, "/"), ".git")
	raw = strings.TrimPrefix(raw, "www.")
	return foldWords(raw)
}

func allGeneric(words []string) bool {
	for _, w := range words {
		if !genericWords[w] {
			return false
		}
	}
	return true
}

// token returns the id of a folded word, adding it when add is true.
func (ix *Index) token(w string, add bool) int32 {
	if id, ok := ix.dict[w]; ok {
		return id
	}
	if !add {
		return 0
	}
	id := int32(len(ix.dict) + 1)
	ix.dict[w] = id
	ix.rootNext = append(ix.rootNext, -1) // rootNext[0] is unused
	return id
}

func (ix *Index) insert(words []string, o output) {
	node := int32(0)
	for i, w := range words {
		id := ix.token(w, true)
		var next int32 = -1
		if node == 0 {
			next = ix.rootNext[id]
		} else if n, ok := ix.edges[uint64(node)<<32|uint64(id)]; ok {
			next = n
		}
		if next < 0 {
			next = int32(len(ix.outs))
			ix.outs = append(ix.outs, nil)
			ix.depth = append(ix.depth, int32(i+1))
			if node == 0 {
				ix.rootNext[id] = next
			} else {
				ix.edges[uint64(node)<<32|uint64(id)] = next
			}
		}
		node = next
	}
	for _, x := range ix.outs[node] {
		if x == o {
			return
		}
	}
	ix.outs[node] = append(ix.outs[node], o)
}

// hit is one phrase found in a text: tokens [start, end).
type hit struct {
	start, end int32
	out        output
}

// scan finds every phrase of the index in the tokenized text, then drops
// the hits that lie strictly inside a longer hit of the same family (an
// alias inside a longer alias; a cue inside a longer cue or neutral
// phrase), so "plan de desarrollo" hides "desarrollo" and "SIIF Nación II"
// hides "SIIF".
func (ix *Index) scan(sc *scratch) {
	t := &sc.tok
	ids := sc.ids[:0]
	for i := range t.spans {
		ids = append(ids, ix.dict[string(t.word(i))])
	}
	sc.ids = ids
	hits := sc.all[:0]
	for i, id := range ids {
		if id == 0 {
			continue
		}
		node := ix.rootNext[id]
		for j := i; node >= 0; {
			for _, o := range ix.outs[node] {
				hits = append(hits, hit{start: int32(i), end: int32(j + 1), out: o})
			}
			j++
			if j >= len(ids) || ids[j] == 0 || t.breaks[j] {
				break
			}
			n, ok := ix.edges[uint64(node)<<32|uint64(ids[j])]
			if !ok {
				break
			}
			node = n
		}
	}
	sc.all = hits
	keep := sc.hits[:0]
	// Drop contained hits. Hits come ordered by start; texts are short
	// (tens of hits), so a quadratic pass over hits is cheap.
	for i, h := range hits {
		contained := false
		for j, o := range hits {
			if i == j || o.out.kind.family() != h.out.kind.family() {
				continue
			}
			if o.start <= h.start && o.end >= h.end && (o.end-o.start) > (h.end-h.start) {
				contained = true
				break
			}
		}
		if !contained {
			keep = append(keep, h)
		}
	}
	sc.hits = keep
}
