package graphql

import (
	"context"
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
	kind    string
	version func(kind string) int64
	max     int

	mu   sync.Mutex
	ver  int64
	recs map[string]V
}

func newRecordCache[V any](kind string, version func(string) int64, max int) *recordCache[V] {
	return &recordCache[V]{kind: kind, version: version, max: max, recs: map[string]V{}}
}

// load returns the records of keys: the kept ones, and the others read
// by fetch (and kept).
func (c *recordCache[V]) load(ctx context.Context, keys []string, fetch func(ctx context.Context, keys []string) (map[string]V, error)) (map[string]V, error) {
	if c == nil {
		return fetch(ctx, keys)
	}
	ver := c.version(c.kind)
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
	keep := c.ver == ver && c.version(c.kind) == ver
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
	entities *recordCache[registry.Entity] // by NIT
	assets   *recordCache[registry.Asset]  // by id
}

func newCaches(version func(kind string) int64) *caches {
	if version == nil {
		return nil
	}
	return &caches{
		entities: newRecordCache[registry.Entity](registry.KindEntity, version, 50_000),
		assets:   newRecordCache[registry.Asset](registry.KindAsset, version, 20_000),
	}
}
