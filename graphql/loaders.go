package graphql

import (
	"context"
	"sync"

	"github.com/acervo-co/acervo/registry"
)

// loader batches the loads of one request: Load registers a key and
// returns a thunk; graphql-go runs thunks after it has called every
// resolver of the current level, so the first thunk fetches every key
// registered by then in one call.
type loader[K comparable, V any] struct {
	mu      sync.Mutex
	fetch   func(ctx context.Context, keys []K) (map[K]V, error)
	pending []K
	queued  map[K]bool
	done    map[K]V
	errs    map[K]error
}

func newLoader[K comparable, V any](fetch func(ctx context.Context, keys []K) (map[K]V, error)) *loader[K, V] {
	return &loader[K, V]{fetch: fetch, queued: map[K]bool{}, done: map[K]V{}, errs: map[K]error{}}
}

// Load registers k; the thunk returns its value (zero and false when absent).
func (l *loader[K, V]) Load(ctx context.Context, k K) func() (V, bool, error) {
	l.mu.Lock()
	if _, ok := l.done[k]; !ok && l.errs[k] == nil && !l.queued[k] {
		l.queued[k] = true
		l.pending = append(l.pending, k)
	}
	l.mu.Unlock()
	return func() (V, bool, error) {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.queued[k] {
			keys := l.pending
			l.pending = nil
			for _, key := range keys {
				delete(l.queued, key)
			}
			got, err := l.fetch(ctx, keys)
			for _, key := range keys {
				if err != nil {
					l.errs[key] = err
					continue
				}
				l.done[key] = got[key] // zero value when absent
				if _, ok := got[key]; !ok {
					delete(l.done, key)
					l.errs[key] = errAbsent
				}
			}
		}
		if err := l.errs[k]; err != nil {
			var zero V
			if err == errAbsent {
				return zero, false, nil
			}
			return zero, false, err
		}
		v, ok := l.done[k]
		return v, ok, nil
	}
}

// Prime stores a value already known (a page of assets primes the asset
// loader, so node fields reuse it).
func (l *loader[K, V]) Prime(k K, v V) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.done[k]; !ok {
		l.done[k] = v
	}
}

type absent struct{}

func (absent) Error() string { return "absent" }

var errAbsent error = absent{}

// purchaseTotals sums the purchases linked to an asset.
type purchaseTotals struct {
	Count          int64
	Total          int64
	SuggestedCount int64
	SuggestedTotal int64
}

// loaders are one request's loaders.
type loaders struct {
	assets     *loader[string, registry.Asset]
	entities   *loader[string, registry.Entity] // by NIT
	purchases  *loader[string, registry.Purchase]
	releases   *loader[string, []registry.Release]  // by asset id
	adoptions  *loader[string, []registry.Adoption] // by asset id
	totals     *loader[string, purchaseTotals]      // by asset id
	adoptionBy *loader[string, registry.Adoption]   // by id
}

// fetchAssets reads assets by id.
func fetchAssets(st registry.Store) func(ctx context.Context, ids []string) (map[string]registry.Asset, error) {
	return func(ctx context.Context, ids []string) (map[string]registry.Asset, error) {
		as, err := st.Assets().GetMany(ctx, ids)
		m := make(map[string]registry.Asset, len(as))
		for _, a := range as {
			m[a.ID] = a
		}
		return m, err
	}
}

// fetchEntities reads entities by NIT.
func fetchEntities(st registry.Store) func(ctx context.Context, nits []string) (map[string]registry.Entity, error) {
	return func(ctx context.Context, nits []string) (map[string]registry.Entity, error) {
		es, err := st.Entities().GetMany(ctx, nits)
		m := make(map[string]registry.Entity, len(es))
		for _, e := range es {
			m[e.NIT] = e
		}
		return m, err
	}
}

// cached reads through c (nil: straight to fetch).
func cached[V any](c *recordCache[V], fetch func(ctx context.Context, keys []string) (map[string]V, error)) func(ctx context.Context, keys []string) (map[string]V, error) {
	if c == nil {
		return fetch
	}
	return func(ctx context.Context, keys []string) (map[string]V, error) { return c.load(ctx, keys, fetch) }
}

// newLoaders makes one request's loaders; c (nil: none) keeps records
// between requests.
func newLoaders(st registry.Store, c *caches) *loaders {
	if c == nil {
		c = &caches{}
	}
	return &loaders{
		assets:   newLoader(cached(c.assets, fetchAssets(st))),
		entities: newLoader(cached(c.entities, fetchEntities(st))),
		purchases: newLoader(func(ctx context.Context, ids []string) (map[string]registry.Purchase, error) {
			ps, err := st.Purchases().GetMany(ctx, ids)
			m := make(map[string]registry.Purchase, len(ps))
			for _, p := range ps {
				m[p.ID] = p
			}
			return m, err
		}),
		releases: newLoader(cached(c.releases, fetchReleases(st))),
		adoptions: newLoader(cached(c.adoptions, func(ctx context.Context, ids []string) (map[string][]registry.Adoption, error) {
			as, err := st.Adoptions().ForAssets(ctx, ids)
			if err != nil {
				return nil, err
			}
			m := make(map[string][]registry.Adoption, len(ids))
			for _, id := range ids {
				m[id] = nil
			}
			for _, a := range as {
				m[a.AssetID] = append(m[a.AssetID], a)
			}
			return m, nil
		})),
		totals: newLoader(cached(c.totals, func(ctx context.Context, ids []string) (map[string]purchaseTotals, error) {
			return fetchTotals(ctx, st, ids)
		})),
		adoptionBy: newLoader(func(ctx context.Context, ids []string) (map[string]registry.Adoption, error) {
			m := make(map[string]registry.Adoption, len(ids))
			for _, id := range ids {
				a, err := st.Adoptions().Get(ctx, id)
				if err != nil {
					if isNotFound(err) {
						continue
					}
					return nil, err
				}
				m[id] = a
			}
			return m, nil
		}),
	}
}

// fetchReleases reads the releases of assets, by asset id (every id
// present).
func fetchReleases(st registry.Store) func(ctx context.Context, ids []string) (map[string][]registry.Release, error) {
	return func(ctx context.Context, ids []string) (map[string][]registry.Release, error) {
		rs, err := st.Releases().ForAssets(ctx, ids)
		if err != nil {
			return nil, err
		}
		m := make(map[string][]registry.Release, len(ids))
		for _, id := range ids {
			m[id] = nil
		}
		for _, r := range rs {
			m[r.AssetID] = append(m[r.AssetID], r)
		}
		return m, nil
	}
}

// releasesOf reads the releases of assets through the cache, when there
// is one.
func (a *api) releasesOf(ctx context.Context, ids []string) (map[string][]registry.Release, error) {
	var c *recordCache[[]registry.Release]
	if a.caches != nil {
		c = a.caches.releases
	}
	return cached(c, fetchReleases(a.svc.Store()))(ctx, ids)
}

// fetchTotals sums the confirmed and suggested purchases linked to each
// asset.
func fetchTotals(ctx context.Context, st registry.Store, ids []string) (map[string]purchaseTotals, error) {
	ls, err := st.Links().ForAssets(ctx, ids, registry.LinkConfirmed, registry.LinkSuggested)
	if err != nil {
		return nil, err
	}
	m := make(map[string]purchaseTotals, len(ids))
	for _, id := range ids {
		m[id] = purchaseTotals{}
	}
	pids := map[string]bool{}
	for _, l := range ls {
		pids[l.PurchaseID] = true
	}
	if len(pids) == 0 {
		return m, nil
	}
	list := make([]string, 0, len(pids))
	for id := range pids {
		list = append(list, id)
	}
	ps, err := st.Purchases().GetMany(ctx, list)
	if err != nil {
		return nil, err
	}
	value := make(map[string]int64, len(ps))
	for _, p := range ps {
		value[p.ID] = p.Value
	}
	for _, l := range ls {
		t := m[l.AssetID]
		v, ok := value[l.PurchaseID]
		if !ok {
			continue
		}
		if l.State == registry.LinkConfirmed {
			t.Count++
			t.Total += v
		} else {
			t.SuggestedCount++
			t.SuggestedTotal += v
		}
		m[l.AssetID] = t
	}
	return m, nil
}

type loadersKey struct{}

func withLoaders(ctx context.Context, l *loaders) context.Context {
	return context.WithValue(ctx, loadersKey{}, l)
}

// loadersFrom returns the request's loaders (fresh ones outside a request,
// e.g. when an extension runs the schema directly).
func (a *api) loadersFrom(ctx context.Context) *loaders {
	if l, ok := ctx.Value(loadersKey{}).(*loaders); ok {
		return l
	}
	return newLoaders(a.svc.Store(), a.caches)
}
