package graphql

import (
	"context"
	"errors"
	"sync"

	"github.com/acervo-co/acervo/registry"
)

// recordCache keeps records of one kind between requests (entities by
// NIT, assets by id): nearly every page names the same publishers,
// adopters and assets, and each store read of them costs a query and a
// JSON decoding per record. The records are kept for one version of their
// kind (search.Index.KindVersion, which moves when the index applies a
// change of that kind or is rebuilt) and dropped all at once when it
// moves. A record read while the version moves is only kept if the
// version it was read under is still current, so a cache never holds a
// record older than its version.
//
// Each cache is bounded by the summed weight of its records (weigh, an
// estimate of their bytes); past it, it starts over.
type recordCache[V any] struct {
	kinds   []string // the records depend on these kinds
	version func(kind string) int64
	weigh   func(V) int
	max     int // summed weight

	mu   sync.Mutex
	ver  int64
	size int
	recs map[string]V
}

func newRecordCache[V any](version func(string) int64, weigh func(V) int, max int, kinds ...string) *recordCache[V] {
	return &recordCache[V]{kinds: kinds, version: version, weigh: weigh, max: max, recs: map[string]V{}}
}

// current sums the versions of the kinds (each only grows, so the sum
// moves whenever one does).
func (c *recordCache[V]) current() int64 {
	var v int64
	for _, k := range c.kinds {
		v += c.version(k)
	}
	return v
}

// load returns the records of keys: the kept ones, and the others read
// by fetch (and kept).
func (c *recordCache[V]) load(ctx context.Context, keys []string, fetch func(ctx context.Context, keys []string) (map[string]V, error)) (map[string]V, error) {
	if c == nil {
		return fetch(ctx, keys)
	}
	ver := c.current()
	out := make(map[string]V, len(keys))
	var missing []string
	c.mu.Lock()
	if c.ver != ver {
		c.ver, c.recs, c.size = ver, map[string]V{}, 0
	}
	for _, k := range keys {
		if v, ok := c.recs[k]; ok {
			out[k] = v
		} else {
			missing = append(missing, k)
		}
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	got, err := fetch(ctx, missing)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	keep := c.ver == ver && c.current() == ver
	for k, v := range got {
		out[k] = v
		if !keep {
			continue
		}
		w := c.weigh(v)
		if c.size+w > c.max {
			c.recs, c.size = map[string]V{}, 0
		}
		if _, dup := c.recs[k]; !dup && w <= c.max {
			c.recs[k] = v
			c.size += w
		}
	}
	c.mu.Unlock()
	return out, nil
}

// caches are the records kept between requests; nil without a search
// index (nothing tells then when records change).
type caches struct {
	entities  *recordCache[registry.Entity]     // by NIT
	assets    *recordCache[registry.Asset]      // by id
	slugs     *recordCache[registry.Asset]      // by slug
	releases  *recordCache[[]registry.Release]  // by asset id
	adoptions *recordCache[[]registry.Adoption] // by asset id
	totals    *recordCache[purchaseTotals]      // by asset id
}

func newCaches(version func(kind string) int64) *caches {
	if version == nil {
		return nil
	}
	// Weights are rough bytes: a record's fixed part plus its text. A
	// release carries its publiccode.yml; an asset its README (up to
	// 256 KiB). At State scale every entity (10,000) and adoption
	// (100,000) fits; assets, their slugs and releases are kept up to a
	// budget (32 MiB each, 128 MiB for releases), the hot ones in practice.
	const mib = 1 << 20
	assetWeight := func(a registry.Asset) int { return 2048 + len(a.Readme) }
	return &caches{
		entities: newRecordCache(version, func(registry.Entity) int { return 512 }, 32*mib, registry.KindEntity),
		assets:   newRecordCache(version, assetWeight, 32*mib, registry.KindAsset),
		slugs:    newRecordCache(version, assetWeight, 32*mib, registry.KindAsset),
		releases: newRecordCache(version, func(rs []registry.Release) int { return 64 + 2048*len(rs) }, 128*mib, registry.KindRelease),
		adoptions: newRecordCache(version, func(as []registry.Adoption) int { return 64 + 512*len(as) }, 64*mib,
			registry.KindAdoption),
		totals: newRecordCache(version, func(purchaseTotals) int { return 64 }, 4*mib, registry.KindLink, registry.KindPurchase),
	}
}

// assetBySlug reads an asset by slug, through the cache when there is one.
func (a *api) assetBySlug(ctx context.Context, slug string) (registry.Asset, error) {
	if a.caches == nil {
		return a.svc.AssetBySlug(ctx, slug)
	}
	m, err := a.caches.slugs.load(ctx, []string{slug}, func(ctx context.Context, slugs []string) (map[string]registry.Asset, error) {
		v, err := a.svc.AssetBySlug(ctx, slugs[0])
		if errors.Is(err, registry.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return map[string]registry.Asset{slugs[0]: v}, nil
	})
	if err != nil {
		return registry.Asset{}, err
	}
	v, ok := m[slug]
	if !ok {
		return registry.Asset{}, registry.ErrNotFound
	}
	return v, nil
}
