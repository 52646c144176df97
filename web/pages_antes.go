package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/acervo-co/acervo/registry"
)

// antesQuery is what a procurement officer plans to buy.
type antesQuery struct {
	Text   string
	UNSPSC string
	Budget int64
}

// antesFit is a public asset that may serve instead of buying.
type antesFit struct {
	Card       card
	TextMatch  bool // its name or description matches what is sought
	Adopters   []registry.AdopterSummary
	LinkedBuys int
	Contacts   []registry.Contact
}

type antesData struct {
	MinPrice   int64 // registry.MinPrice: lower values are not prices
	Q          antesQuery
	Asked      bool
	Fits       []antesFit // the first antesPageFits on the page; all in print
	FitsTotal  int
	FitsMore   int // found but not shown
	Commercial []card
	R          registry.BeforeBuying
	Purchases  []registry.Purchase
	More       int
	// The budget compared with what the same kind cost.
	AboveMax, AboveMedian, BelowMin bool
	CSVURL                          string
	Pending                         bool // the check is still running
}

func parseAntes(r *http.Request) antesQuery {
	q := r.URL.Query()
	a := antesQuery{Text: strings.TrimSpace(q.Get("q")), UNSPSC: strings.TrimSpace(q.Get("unspsc"))}
	if len(a.Text) > 200 {
		a.Text = a.Text[:200]
	}
	b := strings.NewReplacer(".", "", ",", "", "$", "", " ", "").Replace(q.Get("presupuesto"))
	if n, err := strconv.ParseInt(b, 10, 64); err == nil && n > 0 {
		a.Budget = n
	}
	return a
}

// antesCache runs the matcher's check once per question and keeps the
// answer for antesCacheTTL after it is ready. A check searches and reads
// up to 20,000 prior purchases and takes seconds (or more), so a page never
// waits for it long. The key leaves the budget out (the page compares it)
// and so does how many purchases are shown: one check, made for the
// largest list any view shows (the CSV's), serves the page, its printable
// view and the download alike.
//
// Checks wait in a queue and run antesWorkers at a time, which leaves the
// other core to the pages. The queue is not first come, first served: a
// question a request is waiting for right now (a download, a page being
// rendered) runs before questions whose pages only reload every few
// seconds, then the most recently asked first; a question nobody has asked
// for in antesAbandon (its page was closed) is dropped without running.
type antesCache struct {
	now     func() time.Time
	mu      sync.Mutex
	entries map[string]*antesEntry
	order   []string
	queue   []*antesEntry // waiting to run
	running int
	slow    bool // a check took (or has been running) longer than antesSlow
}

type antesEntry struct {
	asked    time.Time // when the check was first asked for
	wanted   time.Time // the last time a request asked for it
	waiters  int       // requests waiting for it now
	finished time.Time
	dropped  bool // nobody wanted it any more: it never ran
	run      func() (registry.BeforeBuying, error)
	done     chan struct{} // closed when res and err are set, or when dropped
	res      registry.BeforeBuying
	err      error
}

const (
	antesCacheTTL  = 2 * time.Minute
	antesCacheSize = 256
	// antesWait is how long a page waits for a check before it shows what
	// it has and reloads itself (every antesRefresh).
	antesWait    = 300 * time.Millisecond
	antesRefresh = 5 * time.Second
	// antesAbandon is how long a queued check waits for someone to ask
	// for it again before it is dropped: several missed reloads.
	antesAbandon = 6 * antesRefresh
	// antesSlow marks a registry whose checks take long: pages stop
	// waiting for them at all.
	antesSlow = time.Second
	// antesMaxPurchases is the longest list of prior purchases a view
	// shows (the CSV's).
	antesMaxPurchases = 500
	// antesPageFits is how many public assets the page shows (a common
	// need can fit a hundred or more; the best come first).
	antesPageFits = 12
	antesWorkers  = 1
)

// wait is how long a page waits for the check e.
func (c *antesCache) wait(e *antesEntry) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.now().Sub(e.asked) > antesSlow && e.finished.IsZero() {
		c.slow = true
	}
	if c.slow {
		return time.Millisecond
	}
	return antesWait
}

// want returns the check of key, queueing it with run when there is none
// (or when the kept one is older than the TTL, failed or was dropped),
// and counts the caller as waiting for it until it calls release.
func (c *antesCache) want(key string, run func() (registry.BeforeBuying, error)) *antesEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.entries == nil {
		c.entries = map[string]*antesEntry{}
	}
	e, ok := c.entries[key]
	if ok {
		select {
		case <-e.done:
			if e.dropped || e.err != nil || now.Sub(e.finished) > antesCacheTTL {
				e = nil
			}
		default: // queued or running
		}
	} else {
		e = nil
		c.order = append(c.order, key)
		if len(c.order) > antesCacheSize {
			old := c.entries[c.order[0]]
			delete(c.entries, c.order[0])
			c.order = c.order[1:]
			c.unqueue(old)
		}
	}
	if e == nil {
		e = &antesEntry{asked: now, run: run, done: make(chan struct{})}
		c.entries[key] = e
		c.queue = append(c.queue, e)
	}
	e.wanted = now
	e.waiters++
	c.dispatch(now)
	return e
}

// release ends a wait that want began.
func (c *antesCache) release(e *antesEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.waiters--
}

// unqueue drops e, which left the cache, if it has not started and no
// request waits for it (a check is dropped only when nobody waits for it).
func (c *antesCache) unqueue(e *antesEntry) {
	if i := slices.Index(c.queue, e); i >= 0 && e.waiters == 0 {
		c.queue = slices.Delete(c.queue, i, i+1)
		e.dropped = true
		close(e.done)
	}
}

// dispatch starts queued checks while a worker is free. c.mu is held.
func (c *antesCache) dispatch(now time.Time) {
	for c.running < antesWorkers {
		e := c.next(now)
		if e == nil {
			return
		}
		c.running++
		go c.work(e)
	}
}

// next takes the check to run next off the queue, dropping the ones
// nobody asked for in antesAbandon. c.mu is held.
func (c *antesCache) next(now time.Time) *antesEntry {
	var best *antesEntry
	kept := c.queue[:0]
	for _, e := range c.queue {
		if e.waiters == 0 && now.Sub(e.wanted) > antesAbandon {
			e.dropped = true
			close(e.done)
			continue
		}
		kept = append(kept, e)
		if best == nil || (e.waiters > 0) != (best.waiters > 0) && e.waiters > 0 ||
			(e.waiters > 0) == (best.waiters > 0) && e.wanted.After(best.wanted) {
			best = e
		}
	}
	clear(c.queue[len(kept):])
	c.queue = kept
	if best != nil {
		c.queue = slices.DeleteFunc(c.queue, func(e *antesEntry) bool { return e == best })
	}
	return best
}

func (c *antesCache) work(e *antesEntry) {
	start := time.Now()
	res, err := e.run()
	took := time.Since(start)
	c.mu.Lock()
	defer c.mu.Unlock()
	e.res, e.err, e.run = res, err, nil
	e.finished = c.now()
	close(e.done)
	if took > antesSlow {
		c.slow = true
	}
	c.running--
	c.dispatch(c.now())
}

// antes answers the check (registry.Service.AntesDeComprar, the matcher's)
// and adds the commercial products of the same kind the State already
// buys. With wait > 0 it gives up waiting after that long: the answer is
// then partial (d.Pending) and the page reloads itself.
func (s *server) antes(ctx context.Context, q antesQuery, maxPurchases int, wait time.Duration) (*antesData, error) {
	d := &antesData{Q: q, Asked: q.Text != "" || q.UNSPSC != ""}
	if !d.Asked {
		return d, nil
	}
	actor := registry.ActorFrom(ctx)
	key := strings.Join([]string{registry.Fold(q.Text), q.UNSPSC, strconv.FormatBool(actor.Anonymous())}, "\x00")
	e := s.antesCache.want(key, func() (registry.BeforeBuying, error) {
		// The check outlives the request that started it.
		cctx, cancel := context.WithTimeout(registry.WithActor(context.Background(), actor), 10*time.Minute)
		defer cancel()
		return s.svc.AntesDeComprar(cctx, registry.BeforeBuyingQuery{Text: q.Text, UNSPSC: q.UNSPSC, MaxPurchases: antesMaxPurchases}, s.text)
	})
	defer s.antesCache.release(e)
	var timeout <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(min(wait, s.antesCache.wait(e)))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-e.done:
		if e.err != nil {
			return nil, e.err
		}
		s.fillAntes(d, e.res, maxPurchases)
	case <-timeout:
		d.Pending = true
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if q.Text != "" {
		for _, kind := range []registry.AssetKind{registry.AssetPublic, registry.AssetCommercial} {
			if kind == registry.AssetPublic && !d.Pending {
				continue // the check's own fits, with their reasons
			}
			sr, err := s.search.SearchAssets(ctx, q.Text, SearchFilters{Kind: string(kind)}, SearchPage{Size: 6})
			if err != nil {
				return nil, err
			}
			as, err := s.assetsInOrder(ctx, sr.AssetIDs)
			if err != nil {
				return nil, err
			}
			cs, err := s.cards(ctx, as)
			if err != nil {
				return nil, err
			}
			if kind == registry.AssetCommercial {
				d.Commercial = cs
				continue
			}
			for _, c := range cs {
				d.Fits = append(d.Fits, antesFit{Card: c})
			}
		}
	}
	return d, nil
}

func (s *server) fillAntes(d *antesData, res registry.BeforeBuying, maxPurchases int) {
	q := d.Q
	d.MinPrice = registry.MinPrice
	d.R = res
	d.Purchases = res.Purchases[:min(len(res.Purchases), maxPurchases)]
	for _, f := range res.Assets {
		c := card{Asset: f.Asset, Adopters: int64(f.AdopterCount)}
		if f.LatestRelease != nil {
			c.Latest, c.LatestDate = f.LatestRelease.Tag, f.LatestRelease.Date
		}
		d.Fits = append(d.Fits, antesFit{Card: c, TextMatch: f.TextMatch, Adopters: f.Adopters, LinkedBuys: f.LinkedBuys, Contacts: f.Contacts})
	}
	if o := res.Overall; q.Budget > 0 && o.Count > o.Unpriced {
		d.AboveMax, d.AboveMedian, d.BelowMin = q.Budget > o.Max, q.Budget > o.Median && q.Budget <= o.Max, q.Budget < o.Min
	}
}

func (s *server) handleAntes(w http.ResponseWriter, r *http.Request) {
	q := parseAntes(r)
	print := r.URL.Query().Get("vista") == "imprimir"
	max := 50
	if print {
		max = 200
	}
	d, err := s.antes(r.Context(), q, max, antesWait)
	c := s.cats[langOf(r)]
	v := s.newView(r, c.tr("antes.titulo"), "antes", crumb{Label: c.tr("antes.titulo")})
	code := http.StatusOK
	if err != nil {
		if !errors.Is(err, registry.ErrInvalid) {
			s.fail(w, r, err)
			return
		}
		v.Errors, code = registry.FieldsOf(err), http.StatusBadRequest
		d = &antesData{Q: q}
	}
	if d.Pending {
		// The check goes on in the background: reload to show it.
		w.Header().Set("Refresh", strconv.Itoa(int(antesRefresh/time.Second)))
	}
	d.More = d.R.PurchaseCount - len(d.Purchases)
	d.FitsTotal = len(d.Fits)
	if !print && len(d.Fits) > antesPageFits {
		// The best fits come first; the printable view lists them all.
		d.Fits, d.FitsMore = d.Fits[:antesPageFits], len(d.Fits)-antesPageFits
	}
	d.CSVURL = "/antes-de-comprar.csv?" + r.URL.Query().Encode()
	v.Data = d
	s.render(w, r, code, "antes", v)
}

func (s *server) handleAntesCSV(w http.ResponseWriter, r *http.Request) {
	q := parseAntes(r)
	d, err := s.antes(r.Context(), q, antesMaxPurchases, 0) // a download waits for the whole check
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c := s.cats[langOf(r)]
	cw := csvWriter(w, "acervo-antes-de-comprar-"+s.now().In(s.loc).Format("2006-01-02")+".csv")
	_ = cw.Write([]string{c.tr("csv.fuente"), c.tr("csv.contrato"), c.tr("csv.proceso"), c.tr("csv.entidad_compradora"),
		c.tr("csv.nit_entidad"), c.tr("csv.proveedor"), c.tr("csv.fecha_firma"), c.tr("csv.anio"), c.tr("csv.valor"),
		c.tr("csv.acuerdo_marco"), c.tr("csv.descripcion"), c.tr("csv.url")})
	for _, p := range d.Purchases {
		signed := ""
		if p.SignedAt != nil {
			signed = p.SignedAt.In(s.loc).Format("2006-01-02")
		}
		desc := p.Description
		if desc == "" {
			desc = p.Object
		}
		_ = cw.Write([]string{p.Source, p.ContractID, p.ProcessID, p.BuyerName, p.BuyerNIT, p.Supplier.Name, signed,
			strconv.Itoa(p.Year), itoa(p.Value), p.FrameworkAgreement, desc, p.URL})
	}
	cw.Flush()
}
