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
type recordCache[V any] struct {
	kinds   []string // the records depend on these kinds
	version func(kind string) int64
	max     int

	mu   sync.Mutex
	ver  int64
	recs map[string]V
}

func newRecordCache[V any](version func(string) int64, max int, kinds ...string) *recordCache[V] {
	return &recordCache[V]{kinds: kinds, version: version, max: max, recs: map[string]V{}}
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
		c.ver, c.recs = ver, map[string]V{}
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
	if keep && len(c.recs)+len(got) > c.max {
		c.recs = map[string]V{}
	}
	for k, v := range got {
		out[k] = v
		if keep {
			c.recs[k] = v
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
	return &caches{
		entities:  newRecordCache[registry.Entity](version, 50_000, registry.KindEntity),
		assets:    newRecordCache[registry.Asset](version, 20_000, registry.KindAsset),
		slugs:     newRecordCache[registry.Asset](version, 20_000, registry.KindAsset),
		releases:  newRecordCache[[]registry.Release](version, 20_000, registry.KindRelease),
		adoptions: newRecordCache[[]registry.Adoption](version, 20_000, registry.KindAdoption),
		totals:    newRecordCache[purchaseTotals](version, 20_000, registry.KindLink, registry.KindPurchase),
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
