package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"

	"github.com/acervo-co/acervo/registry"
)

// Keys of the values the index keeps about itself (bleve internal storage,
// written in the same batch as the documents they describe).
var (
	keySeq     = []byte("acervo.seq")
	keyMapping = []byte("acervo.mapping")
)

// mappingVersion changes whenever the mapping or the documents change
// shape; an index of another version is rebuilt when opened.
const mappingVersion = "5"

// rebuildThreshold: when more changes than this wait to be applied, a full
// rebuild is cheaper than applying them one by one.
const rebuildThreshold = 200_000

// Options configure an Index.
type Options struct {
	// Dir holds the index; "" keeps it in memory (scorch, unsafe batches).
	Dir string
	// Logger receives progress and errors (discarded when nil).
	Logger *slog.Logger
	// PollInterval is how often Watch looks for other processes' writes
	// (default 2 s).
	PollInterval time.Duration
	// OpenTimeout bounds the wait for another process that holds the index
	// directory (default 5 s).
	OpenTimeout time.Duration
	// BuildInBackground makes Open return at once when the index must be
	// (re)built: searches answer from the empty index until the build,
	// which runs under Open's context, swaps the full one in (a million
	// purchases take minutes). acervo serve can start serving meanwhile;
	// Building reports it.
	BuildInBackground bool
}

// Index is the search index of one process.
type Index struct {
	store registry.Store
	log   *slog.Logger
	opts  Options

	imu sync.RWMutex // guards idx (swapped by Rebuild)
	idx pair

	wmu  sync.Mutex // one writer at a time: CatchUp, Rebuild
	seq  atomic.Int64
	kick chan struct{}

	closed   atomic.Bool
	building atomic.Bool
	rebuilds atomic.Int64
	facets   seqCache[[]Facet] // facet counts by query and filters
	results  seqCache[Result]  // asset searches (Result is shared: read only)
	// facetTabs counts the assets' facets (facets.go); facetFallbacks
	// counts the searches whose facets bleve had to count instead.
	facetTabs      *facetTables
	facetFallbacks atomic.Int64
	// versions: by kind of record, a counter (vctr) taken when the index
	// last applied a change of that kind (KindVersion).
	vmu      sync.Mutex
	vctr     int64
	versions map[string]int64
	rebuilt  int64 // counter of the last rebuild: every kind changed
}

// KindVersion returns a number that changes whenever the index applies a
// change to a record of kind (registry.KindEntity, KindAsset, …), or is
// rebuilt: readers that keep records of that kind between requests (the
// GraphQL API's entities and assets) drop them when it moves. Other
// processes' writes reach it within PollInterval of Watch; this process's
// writes as soon as the Service's OnWrite hook has been followed (and at
// once after CatchUp).
func (ix *Index) KindVersion(kind string) int64 {
	ix.vmu.Lock()
	defer ix.vmu.Unlock()
	return max(ix.versions[kind], ix.rebuilt)
}

func (ix *Index) noteChanges(changes []registry.Change) {
	ix.vmu.Lock()
	defer ix.vmu.Unlock()
	if ix.versions == nil {
		ix.versions = map[string]int64{}
	}
	ix.vctr++
	for _, c := range changes {
		ix.versions[c.Kind] = ix.vctr
	}
}

// noteRebuild moves every kind, even on a rebuild of the same head:
// readers may have kept records read before the index knew of older
// changes.
func (ix *Index) noteRebuild() {
	ix.vmu.Lock()
	defer ix.vmu.Unlock()
	ix.vctr++
	ix.rebuilt = ix.vctr
}

// pair is the two bleve indexes: assets (small, faceted) and purchases
// (large). Apart, an asset search never walks the purchases' postings or
// term dictionaries, and purchase imports do not churn the assets' segments.
type pair struct {
	assets, purchases bleve.Index
}

func (p pair) close() error {
	var first error
	for _, i := range []bleve.Index{p.assets, p.purchases} {
		if i != nil {
			if err := i.Close(); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

func (p pair) both() []bleve.Index { return []bleve.Index{p.assets, p.purchases} }

// ErrClosed is returned by an Index used after Close.
var ErrClosed = errors.New("search: index closed")

// Open opens the index in opts.Dir (creating it when missing), rebuilds it
// when it is new or of an older mapping, and catches up with the store's
// changes since it was last written.
func Open(ctx context.Context, store registry.Store, opts Options) (*Index, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 2 * time.Second
	}
	if opts.OpenTimeout <= 0 {
		opts.OpenTimeout = 5 * time.Second
	}
	ix := &Index{store: store, log: opts.Logger, opts: opts, kick: make(chan struct{}, 1), facetTabs: newFacetTables(assetFacetFields),
		facets: seqCache[[]Facet]{max: 1024}, results: seqCache[Result]{max: 512}}
	idx, fresh, err := ix.openDir(opts.Dir)
	if err != nil {
		return nil, err
	}
	ix.idx = idx
	if !fresh {
		// Each index records the seq it reflects; replaying changes is
		// idempotent, so start from the lower one.
		seq := int64(-1)
		for _, i := range idx.both() {
			v, _ := i.GetInternal(keyMapping)
			s, _ := i.GetInternal(keySeq)
			n, perr := strconv.ParseInt(string(s), 10, 64)
			if string(v) != mappingVersion || perr != nil {
				ix.log.Info("search index is of another version, rebuilding", "dir", opts.Dir, "version", string(v))
				fresh = true
				break
			}
			if seq < 0 || n < seq {
				seq = n
			}
		}
		if !fresh {
			ix.seq.Store(seq)
		}
	}
	if fresh {
		if opts.BuildInBackground {
			ix.building.Store(true)
			go func() {
				defer ix.building.Store(false)
				if err := ix.Rebuild(ctx); err != nil && ctx.Err() == nil && !errors.Is(err, ErrClosed) {
					ix.log.Error("building the search index", "err", err)
				}
			}()
			return ix, nil
		}
		if err := ix.Rebuild(ctx); err != nil {
			_ = ix.Close()
			return nil, err
		}
		return ix, nil
	}
	if _, err := ix.CatchUp(ctx); err != nil {
		_ = ix.Close()
		return nil, err
	}
	return ix, nil
}

// openDir opens the indexes in dir (dir/assets, dir/purchases), or
// creates them; fresh reports new ones.
func (ix *Index) openDir(dir string) (pair, bool, error) {
	if dir == "" {
		p, err := newPair("", nil)
		return p, true, err
	}
	cfg := map[string]interface{}{"bolt_timeout": ix.opts.OpenTimeout.String()}
	if exists(filepath.Join(dir, "assets", "index_meta.json")) && exists(filepath.Join(dir, "purchases", "index_meta.json")) {
		p, err := openPair(dir, cfg)
		if err != nil {
			return pair{}, false, fmt.Errorf("search: opening the index in %s (is another acervo process using it?): %w", dir, err)
		}
		return p, false, nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return pair{}, false, err
	}
	_ = os.RemoveAll(dir) // an incomplete directory is a failed creation
	p, err := newPair(dir, cfg)
	if err != nil {
		return pair{}, false, fmt.Errorf("search: creating the index in %s: %w", dir, err)
	}
	return p, true, nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// copyCfg gives each index its own config map: bleve writes the index's
// paths into the map it is given.
func copyCfg(cfg map[string]interface{}) map[string]interface{} {
	if cfg == nil {
		return nil
	}
	out := make(map[string]interface{}, len(cfg))
	for k, v := range cfg {
		out[k] = v
	}
	return out
}

func newPair(dir string, cfg map[string]interface{}) (pair, error) {
	sub := func(name string) string {
		if dir == "" {
			return ""
		}
		return filepath.Join(dir, name)
	}
	a, err := bleve.NewUsing(sub("assets"), newAssetMapping(), scorch.Name, scorch.Name, copyCfg(cfg))
	if err != nil {
		return pair{}, err
	}
	p, err := bleve.NewUsing(sub("purchases"), newPurchaseMapping(), scorch.Name, scorch.Name, copyCfg(cfg))
	if err != nil {
		_ = a.Close()
		return pair{}, err
	}
	return pair{a, p}, nil
}

func openPair(dir string, cfg map[string]interface{}) (pair, error) {
	a, err := bleve.OpenUsing(filepath.Join(dir, "assets"), copyCfg(cfg))
	if err != nil {
		return pair{}, err
	}
	p, err := bleve.OpenUsing(filepath.Join(dir, "purchases"), copyCfg(cfg))
	if err != nil {
		_ = a.Close()
		return pair{}, err
	}
	return pair{a, p}, nil
}

// Close closes the index.
func (ix *Index) Close() error {
	if ix.closed.Swap(true) {
		return nil
	}
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	ix.imu.Lock()
	defer ix.imu.Unlock()
	return ix.idx.close()
}

// Building reports a build started by Open with BuildInBackground that has
// not finished.
func (ix *Index) Building() bool { return ix.building.Load() }

// Rebuilds counts the full rebuilds this Index made (Open of a new or
// outdated index, Rebuild, a catch-up too far behind).
func (ix *Index) Rebuilds() int64 { return ix.rebuilds.Load() }

// Seq is the last change sequence number the index applied.
func (ix *Index) Seq() int64 { return ix.seq.Load() }

// DocCount is the number of documents in the index (assets and purchases).
func (ix *Index) DocCount() (uint64, error) {
	ix.imu.RLock()
	defer ix.imu.RUnlock()
	if ix.closed.Load() {
		return 0, ErrClosed
	}
	var n uint64
	for _, i := range ix.idx.both() {
		c, err := i.DocCount()
		if err != nil {
			return 0, err
		}
		n += c
	}
	return n, nil
}

// Kick asks Watch to catch up now (the Service's OnWrite hook calls it).
func (ix *Index) Kick() {
	select {
	case ix.kick <- struct{}{}:
	default:
	}
}

// Attach registers the index on svc's OnWrite hook, so this process's
// writes are applied at once (Watch runs the catch-up). Call it while
// wiring, before the Service takes writes: the hook list is not
// synchronised.
func (ix *Index) Attach(svc *registry.Service) {
	svc.OnWrite(func(context.Context, registry.Change) { ix.Kick() })
}

// Watch keeps the index current until ctx ends: it applies the changes as
// soon as Attach's hook kicks it, and polls the store every PollInterval
// for other processes' writes.
func (ix *Index) Watch(ctx context.Context) {
	t := time.NewTicker(ix.opts.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-ix.kick:
		}
		if ix.closed.Load() {
			return
		}
		if _, err := ix.CatchUp(ctx); err != nil && ctx.Err() == nil {
			ix.log.Warn("search index catch-up failed", "err", err, "seq", ix.Seq())
		}
	}
}

// CatchUp applies every change made after the index's sequence number and
// returns how many it read. It is what makes writes of other processes
// visible; the GraphQL API also calls it after a mutation so that a client
// reads its own writes.
func (ix *Index) CatchUp(ctx context.Context) (int, error) {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	if ix.closed.Load() {
		return 0, ErrClosed
	}
	total := 0
	first := true
	for {
		changes, err := ix.store.Changes(ctx, ix.seq.Load(), 1000)
		if err != nil {
			return total, err
		}
		if len(changes) == 0 {
			return total, nil
		}
		if first && len(changes) == 1000 {
			head, err := headSeq(ctx, ix.store)
			if err != nil {
				return total, err
			}
			if head-ix.seq.Load() > rebuildThreshold {
				ix.wmu.Unlock()
				err := ix.Rebuild(ctx)
				ix.wmu.Lock()
				return total, err
			}
		}
		first = false
		if err := ix.apply(ctx, changes); err != nil {
			return total, err
		}
		total += len(changes)
	}
}

// headSeq finds the store's last change sequence number with a doubling
// then binary search over Changes(after, 1), which needs no extra store
// method: head > x exactly when Changes(x, 1) is not empty.
func headSeq(ctx context.Context, st registry.Store) (int64, error) {
	more := func(x int64) (bool, int64, error) {
		cs, err := st.Changes(ctx, x, 1)
		if err != nil || len(cs) == 0 {
			return false, 0, err
		}
		return true, cs[0].Seq, nil
	}
	ok, first, err := more(0)
	if err != nil || !ok {
		return 0, err
	}
	// Invariant: lo <= head <= hi, where Changes(hi, 1) is empty.
	lo, hi := first, first*2+1024
	for {
		ok, _, err := more(hi)
		if err != nil {
			return 0, err
		}
		if !ok {
			break
		}
		lo, hi = hi+1, hi*2
	}
	for lo < hi {
		mid := lo + (hi-lo)/2
		ok, _, err := more(mid)
		if err != nil {
			return 0, err
		}
		if ok {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, nil
}

// Rebuild re-reads every asset and purchase into a new index and swaps it
// in; searches keep answering from the old one meanwhile.
func (ix *Index) Rebuild(ctx context.Context) error {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	if ix.closed.Load() {
		return ErrClosed
	}
	start := time.Now()
	head, err := headSeq(ctx, ix.store)
	if err != nil {
		return err
	}
	dir := ix.opts.Dir
	tmp := ""
	cfg := map[string]interface{}{"bolt_timeout": ix.opts.OpenTimeout.String()}
	if dir != "" {
		tmp = dir + ".new"
		_ = os.RemoveAll(tmp)
	}
	nidx, err := newPair(tmp, cfg)
	if err != nil {
		return fmt.Errorf("search: creating the index: %w", err)
	}
	assets, purchases, err := ix.fill(ctx, nidx, head)
	if err != nil {
		_ = nidx.close()
		if tmp != "" {
			_ = os.RemoveAll(tmp)
		}
		return err
	}
	ix.imu.Lock()
	old := ix.idx
	if dir == "" {
		ix.idx = nidx
		ix.imu.Unlock()
		_ = old.close()
	} else {
		err := func() error {
			defer ix.imu.Unlock()
			if err := nidx.close(); err != nil {
				return err
			}
			_ = old.close()
			ix.idx = pair{}
			if err := os.RemoveAll(dir); err != nil {
				return err
			}
			if err := os.Rename(tmp, dir); err != nil {
				return err
			}
			p, err := openPair(dir, cfg)
			if err != nil {
				return err
			}
			ix.idx = p
			return nil
		}()
		if err != nil {
			return fmt.Errorf("search: swapping the rebuilt index in %s: %w", dir, err)
		}
	}
	ix.noteRebuild()
	ix.seq.Store(head)
	ix.rebuilds.Add(1)
	ix.log.Info("search index rebuilt", "assets", assets, "purchases", purchases, "seq", head, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// batchSize is the number of documents per bleve batch.
const batchSize = 1000

// fill indexes everything into idx and records head as its sequence.
func (ix *Index) fill(ctx context.Context, idx pair, head int64) (assets, purchases int, err error) {
	// Assets, a page at a time, with adoptions and adopters' departments.
	after := ""
	for {
		page, err := ix.store.Assets().List(ctx, registry.AssetFilter{Page: registry.Page{First: registry.MaxPageSize, After: after}})
		if err != nil {
			return assets, purchases, err
		}
		if len(page.Items) > 0 {
			docs, err := ix.assetDocs(ctx, page.Items)
			if err != nil {
				return assets, purchases, err
			}
			b := idx.assets.NewBatch()
			for id, d := range docs {
				if err := b.Index(id, d); err != nil {
					return assets, purchases, err
				}
			}
			if err := idx.assets.Batch(b); err != nil {
				return assets, purchases, err
			}
			assets += len(docs)
		}
		if !page.PageInfo.HasNextPage || len(page.Items) == 0 {
			break
		}
		after = page.PageInfo.EndCursor
	}
	// Links, by purchase.
	links := map[string][]registry.PurchaseLink{}
	after = ""
	for {
		page, err := ix.store.Links().List(ctx, registry.LinkFilter{Page: registry.Page{First: registry.MaxPageSize, After: after}})
		if err != nil {
			return assets, purchases, err
		}
		for _, l := range page.Items {
			links[l.PurchaseID] = append(links[l.PurchaseID], l)
		}
		if !page.PageInfo.HasNextPage || len(page.Items) == 0 {
			break
		}
		after = page.PageInfo.EndCursor
	}
	// Purchases, as the store scans them.
	b := idx.purchases.NewBatch()
	err = ix.store.Purchases().Scan(ctx, registry.PurchaseFilter{}, func(ps []registry.Purchase) error {
		for i := range ps {
			if err := b.Index(purchaseDocID(ps[i].ID), purchaseDoc(&ps[i], links[ps[i].ID])); err != nil {
				return err
			}
			purchases++
			if b.Size() >= batchSize {
				if err := idx.purchases.Batch(b); err != nil {
					return err
				}
				b = idx.purchases.NewBatch()
			}
		}
		return ctx.Err()
	})
	if err != nil {
		return assets, purchases, err
	}
	mark := func(b *bleve.Batch) {
		b.SetInternal(keySeq, []byte(strconv.FormatInt(head, 10)))
		b.SetInternal(keyMapping, []byte(mappingVersion))
	}
	mark(b)
	if err := idx.purchases.Batch(b); err != nil {
		return assets, purchases, err
	}
	ab := idx.assets.NewBatch()
	mark(ab)
	return assets, purchases, idx.assets.Batch(ab)
}

// apply indexes the records named by changes and records the last seq.
func (ix *Index) apply(ctx context.Context, changes []registry.Change) error {
	ix.imu.RLock()
	idx := ix.idx
	ix.imu.RUnlock()
	assetIDs := map[string]bool{}
	purchaseIDs := map[string]bool{}
	for _, c := range changes {
		switch c.Kind {
		case registry.KindAsset:
			assetIDs[c.ID] = true
		case registry.KindPurchase:
			purchaseIDs[c.ID] = true
		case registry.KindAdoption:
			ids, err := docsWithTerm(idx.assets, "adoptionIds", c.ID)
			if err != nil {
				return err
			}
			for _, id := range ids {
				assetIDs[id] = true
			}
			if !c.Deleted {
				a, err := ix.store.Adoptions().Get(ctx, c.ID)
				if err == nil {
					assetIDs[a.AssetID] = true
				} else if !errors.Is(err, registry.ErrNotFound) {
					return err
				}
			}
		case registry.KindLink:
			ids, err := docsWithTerm(idx.purchases, "linkIds", c.ID)
			if err != nil {
				return err
			}
			for _, id := range ids {
				purchaseIDs[id] = true
			}
			if !c.Deleted {
				l, err := ix.store.Links().Get(ctx, c.ID)
				if err == nil {
					purchaseIDs[l.PurchaseID] = true
				} else if !errors.Is(err, registry.ErrNotFound) {
					return err
				}
			}
		case registry.KindEntity:
			if c.Deleted {
				continue
			}
			e, err := ix.store.Entities().Get(ctx, c.ID)
			if errors.Is(err, registry.ErrNotFound) {
				e, err = ix.store.Entities().GetByNIT(ctx, c.ID)
			}
			if errors.Is(err, registry.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			ids, err := docsWithTerm(idx.assets, "adopterNits", e.NIT)
			if err != nil {
				return err
			}
			for _, id := range ids {
				assetIDs[id] = true
			}
		}
	}
	ab, pb := idx.assets.NewBatch(), idx.purchases.NewBatch()
	if err := ix.reindexAssets(ctx, ab, keys(assetIDs)); err != nil {
		return err
	}
	if err := ix.reindexPurchases(ctx, pb, keys(purchaseIDs)); err != nil {
		return err
	}
	last := []byte(strconv.FormatInt(changes[len(changes)-1].Seq, 10))
	pb.SetInternal(keySeq, last)
	ab.SetInternal(keySeq, last)
	if err := idx.purchases.Batch(pb); err != nil {
		return err
	}
	if err := idx.assets.Batch(ab); err != nil {
		return err
	}
	ix.noteChanges(changes)
	ix.seq.Store(changes[len(changes)-1].Seq)
	return nil
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// reindexAssets puts the current version of each asset into b, or deletes
// the ones that are gone.
func (ix *Index) reindexAssets(ctx context.Context, b *bleve.Batch, ids []string) error {
	for len(ids) > 0 {
		n := min(len(ids), 500)
		chunk := ids[:n]
		ids = ids[n:]
		as, err := ix.store.Assets().GetMany(ctx, chunk)
		if err != nil {
			return err
		}
		docs, err := ix.assetDocs(ctx, as)
		if err != nil {
			return err
		}
		for _, id := range chunk {
			did := assetDocID(id)
			if d, ok := docs[did]; ok {
				if err := b.Index(did, d); err != nil {
					return err
				}
			} else {
				b.Delete(did)
			}
		}
	}
	return nil
}

// reindexPurchases puts the current version of each purchase into b, or
// deletes the ones that are gone.
func (ix *Index) reindexPurchases(ctx context.Context, b *bleve.Batch, ids []string) error {
	for len(ids) > 0 {
		n := min(len(ids), 500)
		chunk := ids[:n]
		ids = ids[n:]
		ps, err := ix.store.Purchases().GetMany(ctx, chunk)
		if err != nil {
			return err
		}
		links := map[string][]registry.PurchaseLink{}
		after := ""
		for {
			page, err := ix.store.Links().List(ctx, registry.LinkFilter{PurchaseIDs: chunk, Page: registry.Page{First: registry.MaxPageSize, After: after}})
			if err != nil {
				return err
			}
			for _, l := range page.Items {
				links[l.PurchaseID] = append(links[l.PurchaseID], l)
			}
			if !page.PageInfo.HasNextPage || len(page.Items) == 0 {
				break
			}
			after = page.PageInfo.EndCursor
		}
		found := map[string]bool{}
		for i := range ps {
			found[ps[i].ID] = true
			if err := b.Index(purchaseDocID(ps[i].ID), purchaseDoc(&ps[i], links[ps[i].ID])); err != nil {
				return err
			}
		}
		for _, id := range chunk {
			if !found[id] {
				b.Delete(purchaseDocID(id))
			}
		}
	}
	return nil
}

// assetDocs builds the documents of assets, with their adoptions.
func (ix *Index) assetDocs(ctx context.Context, as []registry.Asset) (map[string]map[string]interface{}, error) {
	ids := make([]string, len(as))
	for i, a := range as {
		ids[i] = a.ID
	}
	adoptions, err := ix.store.Adoptions().ForAssets(ctx, ids)
	if err != nil {
		return nil, err
	}
	byAsset := map[string][]registry.Adoption{}
	nitSet := map[string]bool{}
	for _, ad := range adoptions {
		byAsset[ad.AssetID] = append(byAsset[ad.AssetID], ad)
		nitSet[ad.EntityNIT] = true
	}
	depts := map[string]string{}
	if len(nitSet) > 0 {
		ents, err := ix.store.Entities().GetMany(ctx, keys(nitSet))
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			depts[e.NIT] = e.DepartmentCode
		}
	}
	out := make(map[string]map[string]interface{}, len(as))
	for i := range as {
		out[assetDocID(as[i].ID)] = assetDoc(&as[i], byAsset[as[i].ID], depts)
	}
	return out, nil
}
