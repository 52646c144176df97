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

// antesCache keeps the answers of the check for a couple of minutes:
// officers repeat the same checks, and the answer reads thousands of prior
// purchases. The key leaves the budget out (the page compares it).
type antesCache struct {
	mu      sync.Mutex
	entries map[string]antesEntry
	order   []string
}

type antesEntry struct {
	at  time.Time
	res registry.BeforeBuying
}

const (
	antesCacheTTL  = 2 * time.Minute
	antesCacheSize = 256
)

func (c *antesCache) get(key string, now time.Time) (registry.BeforeBuying, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || now.Sub(e.at) > antesCacheTTL {
		return registry.BeforeBuying{}, false
	}
	return e.res, true
}

func (c *antesCache) put(key string, now time.Time, res registry.BeforeBuying) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]antesEntry{}
	}
	if _, ok := c.entries[key]; !ok {
		c.order = append(c.order, key)
		if len(c.order) > antesCacheSize {
			delete(c.entries, c.order[0])
			c.order = c.order[1:]
		}
	}
	c.entries[key] = antesEntry{at: now, res: res}
}

// antes runs the matcher's check (registry.Service.AntesDeComprar) and
// adds the commercial products of the same kind the State already buys.
func (s *server) antes(ctx context.Context, q antesQuery, maxPurchases int) (*antesData, error) {
	d := &antesData{Q: q, Asked: q.Text != "" || q.UNSPSC != ""}
	if !d.Asked {
		return d, nil
	}
	anon := registry.ActorFrom(ctx).Anonymous()
	key := strings.Join([]string{registry.Fold(q.Text), q.UNSPSC, strconv.FormatBool(anon), strconv.Itoa(maxPurchases)}, "\x00")
	res, ok := s.antesCache.get(key, s.now())
	if !ok {
		var err error
		res, err = s.svc.AntesDeComprar(ctx, registry.BeforeBuyingQuery{Text: q.Text, UNSPSC: q.UNSPSC, MaxPurchases: maxPurchases}, s.text)
		if err != nil {
			return nil, err
		}
		s.antesCache.put(key, s.now(), res)
	}
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
	if q.Text != "" {
		sr, err := s.search.SearchAssets(ctx, q.Text, SearchFilters{Kind: string(registry.AssetCommercial)}, SearchPage{Size: 6})
		if err != nil {
			return nil, err
		}
		as, err := s.assetsInOrder(ctx, sr.AssetIDs)
		if err != nil {
			return nil, err
		}
		if d.Commercial, err = s.cards(ctx, as); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (s *server) handleAntes(w http.ResponseWriter, r *http.Request) {
	q := parseAntes(r)
	print := r.URL.Query().Get("vista") == "imprimir"
	max := 50
	if print {
		max = 200
	}
	d, err := s.antes(r.Context(), q, max)
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
	d.More = d.R.PurchaseCount - len(d.Purchases)
	d.CSVURL = "/antes-de-comprar.csv?" + r.URL.Query().Encode()
	v.Data = d
	s.render(w, r, code, "antes", v)
}

func (s *server) handleAntesCSV(w http.ResponseWriter, r *http.Request) {
	q := parseAntes(r)
	d, err := s.antes(r.Context(), q, 500)
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
