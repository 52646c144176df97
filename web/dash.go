package web

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/acervo-co/acervo/registry"
)

// dashData is every figure of the CIO-network dashboard, computed from the
// store in one pass and served from memory.
type dashData struct {
	ComputedAt time.Time
	Took       time.Duration

	Assets, Entities, Adoptions, Purchases int64
	PurchaseTotal                          int64

	Depts      map[string]*deptAgg
	Currency   []registry.CurrencySummary // every adopted public asset, most adopted first
	CurTotal   registry.CurrencySummary   // sums over every asset
	CurBehind  int                        // adoptions behind the latest release
	Trends     []registry.TrendPoint      // software spending by year, newest first
	ByYear     []yearTotal                // the same, for the chart
	Duplicates []registry.DuplicateGroup  // products and kinds bought by several entities
	Matrix     []registry.AdoptionCell    // asset × department × orden × sector
	Slugs      map[string]string          // asset id → slug, for links

	// Per-asset and per-entity figures the asset, entity and "antes de
	// comprar" pages read instead of loading every row of a popular asset.
	AssetDepts map[string]map[string]int64 // asset id → department → adopting entities
	AssetUsers map[string]int64            // asset id → adopting entities
	AssetLinks map[string]*linkAgg         // asset id → its confirmed and suggested purchases
	BuyerYears map[string][]yearTotal      // entity NIT → its purchases by year, newest first
}

// linkAgg sums the purchases linked to one asset.
type linkAgg struct {
	ConfirmedN, SuggestedN int
	Confirmed, Suggested   int64
	Values                 []int64 // every linked purchase's value, ascending
	Buyers                 []string
	ByYear                 map[int]*yearTotal
	Agreements             []string
}

type deptAgg struct {
	Code      string
	Name      string
	Entities  int64 // adopting entities
	Adoptions int64
	Spend     int64 // purchases placed in the department
	Purchases int64
}

// dashCache serves the dashboard figures and recomputes them in the
// background when they are older than ttl. After a write through this
// process's Service (an officer records an adoption) the next request
// recomputes synchronously when the last computation was quick (small
// registries), so the officer sees their change at once; large registries
// recompute in the background.
type dashCache struct {
	s   *server
	ttl time.Duration

	mu      sync.Mutex
	data    *dashData
	dirty   bool
	running chan struct{} // closed when the running computation ends
}

// syncRecomputeBelow is the longest last computation after which a dirty
// cache is still recomputed synchronously.
const syncRecomputeBelow = 500 * time.Millisecond

func newDashCache(s *server, ttl time.Duration) *dashCache { return &dashCache{s: s, ttl: ttl} }

// changed marks the figures stale after a write of kind.
func (c *dashCache) changed(kind string) {
	switch kind {
	case registry.KindAdoption, registry.KindAsset, registry.KindRelease, registry.KindEntity,
		registry.KindPurchase, registry.KindLink, registry.KindAdvisory:
		c.mu.Lock()
		c.dirty = true
		c.mu.Unlock()
	}
}

// firstWait bounds how long a request waits for the very first figures;
// after it the page says they are being computed.
const firstWait = 3 * time.Second

// get returns the figures, computing them when there are none yet (waiting
// at most firstWait for the first ones: errDashPending after that).
func (c *dashCache) get(ctx context.Context) (*dashData, error) {
	c.mu.Lock()
	d := c.data
	stale := c.dueLocked()
	wait := d == nil || (c.dirty && d.Took < syncRecomputeBelow)
	if !stale {
		c.mu.Unlock()
		return d, nil
	}
	ch := c.startLocked()
	c.mu.Unlock()
	if !wait {
		return d, nil
	}
	timer := time.NewTimer(firstWait)
	defer timer.Stop()
	select {
	case <-ch:
	case <-timer.C:
		if d != nil {
			return d, nil
		}
		return nil, errDashPending
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	c.mu.Lock()
	d = c.data
	c.mu.Unlock()
	if d == nil {
		return nil, errDashUnavailable
	}
	return d, nil
}

type dashError string

func (e dashError) Error() string { return string(e) }

const (
	errDashUnavailable = dashError("web: dashboard figures could not be computed")
	errDashPending     = dashError("web: dashboard figures are being computed")
)

// dueLocked says whether the figures should be recomputed: there are none,
// or they are stale (a local write, or older than the TTL) and the last
// computation ended at least three times its duration ago, so a registry
// whose figures take minutes is not recomputed without pause while imports
// write. c.mu is held.
func (c *dashCache) dueLocked() bool {
	d := c.data
	if d == nil {
		return true
	}
	if c.dirty && d.Took < syncRecomputeBelow {
		return true // a small registry: show a local write at once
	}
	age := c.s.now().Sub(d.ComputedAt)
	if age < 3*d.Took {
		return false
	}
	return c.dirty || age > c.ttl
}

// startLocked starts a computation unless one runs; c.mu is held.
func (c *dashCache) startLocked() chan struct{} {
	if c.running != nil {
		return c.running
	}
	ch := make(chan struct{})
	c.running = ch
	c.dirty = false
	go func() {
		defer close(ch)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
		defer cancel()
		d, err := c.s.computeDash(ctx)
		c.mu.Lock()
		defer c.mu.Unlock()
		c.running = nil
		if err != nil {
			c.s.log.Error("web: computing dashboard", "err", err)
			c.dirty = true
			return
		}
		c.data = d
	}()
	return ch
}

// peek returns the figures without waiting (nil until the first
// computation is done), starting a computation when they are stale. After
// a local write on a small registry it recomputes at once, like get.
func (c *dashCache) peek(ctx context.Context) *dashData {
	c.mu.Lock()
	d := c.data
	quick := d != nil && c.dirty && d.Took < syncRecomputeBelow
	c.mu.Unlock()
	if quick {
		d, _ = c.get(ctx)
		return d
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dueLocked() {
		c.startLocked()
	}
	return d
}

// homeStats returns the home page's counters without waiting: nil until
// the first computation is done.
func (c *dashCache) homeStats(ctx context.Context) *homeStats {
	c.mu.Lock()
	d := c.data
	if c.dueLocked() {
		c.startLocked()
	}
	c.mu.Unlock()
	if d == nil {
		return nil
	}
	return &homeStats{Assets: d.Assets, Entities: d.Entities, Adoptions: d.Adoptions, Purchases: d.Purchases}
}

// computeDash reads the store once for every figure.
func (s *server) computeDash(ctx context.Context) (*dashData, error) {
	start := time.Now()
	st := s.svc.Store()
	d := &dashData{Depts: map[string]*deptAgg{}, AssetDepts: map[string]map[string]int64{}, AssetUsers: map[string]int64{}, Slugs: map[string]string{},
		AssetLinks: map[string]*linkAgg{}, BuyerYears: map[string][]yearTotal{}}
	dept := func(code string) *deptAgg {
		a, ok := d.Depts[code]
		if !ok {
			a = &deptAgg{Code: code, Name: s.geo.names[code]}
			if a.Name == "" {
				a.Name = code
			}
			d.Depts[code] = a
		}
		return a
	}

	// Entities: NIT → department.
	entDept := map[string]string{}
	f := registry.EntityFilter{Sort: registry.SortNIT, Page: registry.Page{First: registry.MaxPageSize}}
	for {
		l, err := st.Entities().List(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, e := range l.Items {
			entDept[e.NIT] = e.DepartmentCode
		}
		d.Entities += int64(len(l.Items))
		if !l.PageInfo.HasNextPage {
			break
		}
		f.Page.After = l.PageInfo.EndCursor
	}

	// Assets.
	assets := map[string]registry.Asset{}
	af := registry.AssetFilter{Sort: registry.SortName, Page: registry.Page{First: registry.MaxPageSize}}
	var assetIDs []string
	for {
		l, err := st.Assets().List(ctx, af)
		if err != nil {
			return nil, err
		}
		for _, a := range l.Items {
			a.Readme = ""
			assets[a.ID] = a
			d.Slugs[a.ID] = a.Slug
			assetIDs = append(assetIDs, a.ID)
		}
		if !l.PageInfo.HasNextPage {
			break
		}
		af.Page.After = l.PageInfo.EndCursor
	}
	d.Assets = int64(len(assetIDs))

	// Adoptions.
	var ads []registry.Adoption
	adf := registry.AdoptionFilter{Sort: registry.SortCreated, Page: registry.Page{First: registry.MaxPageSize}}
	for {
		l, err := st.Adoptions().List(ctx, adf)
		if err != nil {
			return nil, err
		}
		ads = append(ads, l.Items...)
		if !l.PageInfo.HasNextPage {
			break
		}
		adf.Page.After = l.PageInfo.EndCursor
	}
	d.Adoptions = int64(len(ads))
	adopting := map[string]bool{}
	adoptedAssets := map[string]bool{}
	assetEntity := map[[2]string]bool{}
	for _, ad := range ads {
		if ad.Status == registry.AdoptionRetired || ad.Pending {
			continue
		}
		k := [2]string{ad.AssetID, ad.EntityNIT}
		if !assetEntity[k] {
			d.AssetUsers[ad.AssetID]++
		}
		code := entDept[ad.EntityNIT]
		if code == "" {
			assetEntity[k] = true
			continue
		}
		if !assetEntity[k] {
			assetEntity[k] = true
			m := d.AssetDepts[ad.AssetID]
			if m == nil {
				m = map[string]int64{}
				d.AssetDepts[ad.AssetID] = m
			}
			m[code]++
		}
		a := dept(code)
		a.Adoptions++
		if !adopting[ad.EntityNIT] {
			adopting[ad.EntityNIT] = true
			a.Entities++
		}
		adoptedAssets[ad.AssetID] = true
	}

	// Version currency, duplicated spending, spending trends and the
	// adoption matrix: the matcher's analytics (the same figures as the
	// GraphQL API's), read as an anonymous reader.
	anon := registry.WithActor(ctx, registry.Actor{})
	sums, _, err := s.svc.VersionCurrency(anon, "")
	if err != nil {
		return nil, err
	}
	sort.SliceStable(sums, func(i, j int) bool { return sums[i].Adoptions > sums[j].Adoptions })
	d.Currency = sums
	for _, x := range sums {
		t := &d.CurTotal
		t.Adoptions += x.Adoptions
		t.Current += x.Current
		t.BehindMajor += x.BehindMajor
		t.BehindMinor += x.BehindMinor
		t.BehindPatch += x.BehindPatch
		t.Unknown += x.Unknown
		t.Withdrawn += x.Withdrawn
		t.Vulnerable += x.Vulnerable
	}
	d.CurBehind = d.CurTotal.BehindMajor + d.CurTotal.BehindMinor + d.CurTotal.BehindPatch
	if d.Duplicates, err = s.svc.DuplicatedSpending(anon, registry.DuplicateFilter{MinEntities: 2, Limit: 200}); err != nil {
		return nil, err
	}
	if d.Trends, err = s.svc.SpendingTrends(anon, registry.TrendFilter{}); err != nil {
		return nil, err
	}
	sort.Slice(d.Trends, func(i, j int) bool { return d.Trends[i].Year > d.Trends[j].Year })
	for _, t := range d.Trends {
		d.ByYear = append(d.ByYear, yearTotal{Year: t.Year, Count: t.Purchases, Total: t.Total})
		d.Purchases += t.Purchases
		d.PurchaseTotal += t.Total
	}
	if d.Matrix, err = s.svc.AdoptionMatrix(anon, registry.AdoptionMatrixFilter{}); err != nil {
		return nil, err
	}

	// Spend by year and by department.
	groups, err := st.Purchases().Aggregate(ctx, registry.PurchaseFilter{Contracted: true}, registry.GroupBuyer, registry.GroupYear)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		y, _ := strconv.Atoi(g.Key[registry.GroupYear])
		nit := g.Key[registry.GroupBuyer]
		d.BuyerYears[nit] = append(d.BuyerYears[nit], yearTotal{Year: y, Count: g.Count, Total: g.Total})
	}
	for _, ys := range d.BuyerYears {
		sort.Slice(ys, func(i, j int) bool { return ys[i].Year > ys[j].Year })
	}
	software := 0.6
	groups, err = st.Purchases().Aggregate(ctx, registry.PurchaseFilter{MinSoftwareScore: &software, Contracted: true}, registry.GroupDepartment)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		if code := g.Key[registry.GroupDepartment]; code != "" {
			a := dept(code)
			a.Spend += g.Total
			a.Purchases += g.Count
		}
	}

	// The purchases linked to each asset, for the asset and "antes de
	// comprar" pages.
	for i := 0; i < len(assetIDs); i += 200 {
		batch := assetIDs[i:min(i+200, len(assetIDs))]
		links, err := st.Links().ForAssets(ctx, batch, registry.LinkConfirmed, registry.LinkSuggested)
		if err != nil {
			return nil, err
		}
		if len(links) == 0 {
			continue
		}
		var pids []string
		for _, l := range links {
			pids = append(pids, l.PurchaseID)
		}
		pmap := map[string]registry.Purchase{}
		for j := 0; j < len(pids); j += 500 {
			ps, err := st.Purchases().GetMany(ctx, pids[j:min(j+500, len(pids))])
			if err != nil {
				return nil, err
			}
			for _, p := range ps {
				pmap[p.ID] = p
			}
		}
		for _, l := range links {
			// A linked record that never became a contract is no spending.
			p, ok := pmap[l.PurchaseID]
			if !ok || registry.NoContract(p.Status) {
				continue
			}
			la := d.AssetLinks[l.AssetID]
			if la == nil {
				la = &linkAgg{ByYear: map[int]*yearTotal{}}
				d.AssetLinks[l.AssetID] = la
			}
			if l.State == registry.LinkConfirmed {
				la.ConfirmedN++
				la.Confirmed += p.Value
			} else {
				la.SuggestedN++
				la.Suggested += p.Value
			}
			la.Values = append(la.Values, p.Value)
			if !slices.Contains(la.Buyers, p.BuyerNIT) {
				la.Buyers = append(la.Buyers, p.BuyerNIT)
			}
			if p.FrameworkAgreement != "" && !slices.Contains(la.Agreements, p.FrameworkAgreement) {
				la.Agreements = append(la.Agreements, p.FrameworkAgreement)
			}
			y := la.ByYear[p.Year]
			if y == nil {
				y = &yearTotal{Year: p.Year}
				la.ByYear[p.Year] = y
			}
			y.Count++
			y.Total += p.Value
		}
	}
	for _, la := range d.AssetLinks {
		slices.Sort(la.Values)
	}
	d.ComputedAt = s.now()
	d.Took = time.Since(start)
	return d, nil
}
