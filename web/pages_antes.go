package web

import (
	"context"
	"errors"
	"net/http"
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
	Reasons    []string
	Adopters   []registry.AdopterSummary
	LinkedBuys int
	Contacts   []registry.Contact
}

type antesData struct {
	Q          antesQuery
	Asked      bool
	Fits       []antesFit
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
// answer for a couple of minutes: at the scale of the whole State a check
// reads up to 20,000 prior purchases and takes seconds (or more), so the
// page never waits for it long. The key leaves the budget out (the page
// compares it).
type antesCache struct {
	mu      sync.Mutex
	entries map[string]*antesEntry
	order   []string
	slow    bool          // a check took (or has been running) longer than antesSlow
	sem     chan struct{} // at most antesWorkers checks at a time
}

type antesEntry struct {
	at   time.Time
	done chan struct{} // closed when res and err are set
	res  registry.BeforeBuying
	err  error
}

const (
	antesCacheTTL  = 2 * time.Minute
	antesCacheSize = 256
	// antesWait is how long a page waits for a check before it shows what
	// it has and reloads itself.
	antesWait = 300 * time.Millisecond
	// antesSlow marks a registry whose checks take long: pages stop
	// waiting for them at all.
	antesSlow    = time.Second
	antesWorkers = 1
)

// wait is how long a page waits for a check of key that started at start.
func (c *antesCache) wait(e *antesEntry, now time.Time) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Sub(e.at) > antesSlow {
		c.slow = true
	}
	if c.slow {
		return time.Millisecond
	}
	return antesWait
}

// entry returns the check of key, starting it with run when there is none
// (or when the kept one is older than the TTL).
func (c *antesCache) entry(key string, now time.Time, run func() (registry.BeforeBuying, error)) *antesEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]*antesEntry{}
	}
	if e, ok := c.entries[key]; ok {
		select {
		case <-e.done:
			if now.Sub(e.at) <= antesCacheTTL && e.err == nil {
				return e
			}
		default:
			return e // still running
		}
	} else {
		c.order = append(c.order, key)
		if len(c.order) > antesCacheSize {
			delete(c.entries, c.order[0])
			c.order = c.order[1:]
		}
	}
	e := &antesEntry{at: now, done: make(chan struct{})}
	c.entries[key] = e
	if c.sem == nil {
		c.sem = make(chan struct{}, antesWorkers)
	}
	go func() {
		defer close(e.done)
		c.sem <- struct{}{}
		defer func() { <-c.sem }()
		start := time.Now()
		e.res, e.err = run()
		if time.Since(start) > antesSlow {
			c.mu.Lock()
			c.slow = true
			c.mu.Unlock()
		}
	}()
	return e
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
	key := strings.Join([]string{registry.Fold(q.Text), q.UNSPSC, strconv.FormatBool(actor.Anonymous()), strconv.Itoa(maxPurchases)}, "\x00")
	e := s.antesCache.entry(key, s.now(), func() (registry.BeforeBuying, error) {
		// The check outlives the request that started it.
		cctx, cancel := context.WithTimeout(registry.WithActor(context.Background(), actor), 10*time.Minute)
		defer cancel()
		return s.svc.AntesDeComprar(cctx, registry.BeforeBuyingQuery{Text: q.Text, UNSPSC: q.UNSPSC, MaxPurchases: maxPurchases}, s.text)
	})
	var timeout <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(min(wait, s.antesCache.wait(e, s.now())))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-e.done:
		if e.err != nil {
			return nil, e.err
		}
		s.fillAntes(d, e.res)
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

func (s *server) fillAntes(d *antesData, res registry.BeforeBuying) {
	q := d.Q
	d.R = res
	d.Purchases = res.Purchases
	for _, f := range res.Assets {
		c := card{Asset: f.Asset, Adopters: int64(f.AdopterCount)}
		if f.LatestRelease != nil {
			c.Latest, c.LatestDate = f.LatestRelease.Tag, f.LatestRelease.Date
		}
		d.Fits = append(d.Fits, antesFit{Card: c, Reasons: f.Reasons, Adopters: f.Adopters, LinkedBuys: f.LinkedBuys, Contacts: f.Contacts})
	}
	if o := res.Overall; q.Budget > 0 && o.Count > 0 {
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
		w.Header().Set("Refresh", "5")
	}
	d.More = d.R.PurchaseCount - len(d.Purchases)
	d.CSVURL = "/antes-de-comprar.csv?" + r.URL.Query().Encode()
	v.Data = d
	s.render(w, r, code, "antes", v)
}

func (s *server) handleAntesCSV(w http.ResponseWriter, r *http.Request) {
	q := parseAntes(r)
	d, err := s.antes(r.Context(), q, 500, 0) // a download waits for the whole check
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
