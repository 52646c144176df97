package web

import (
	"context"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/acervo-co/acervo/registry"
)

// antesQuery is what a procurement officer plans to buy.
type antesQuery struct {
	Text   string
	UNSPSC string
	Budget int64
}

// antesPurchase is one prior purchase and the asset it was linked to.
type antesPurchase struct {
	Purchase  registry.Purchase
	AssetName string
	AssetSlug string
	Relation  string
}

type antesStats struct {
	Count              int
	Total              int64
	Min, Median, Max   int64
	Buyers             int
	BudgetAboveMedian  bool
	BudgetAboveMaximum bool
}

type antesData struct {
	Q          antesQuery
	Asked      bool
	Public     []card
	Commercial []card
	Purchases  []antesPurchase
	More       int
	Stats      antesStats
	ByYear     []yearTotal
	Agreements []string
	CSVURL     string
	UNSPSCErr  bool
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

// antes runs the check: public assets that fit, commercial products of the
// same kind, prior purchases linked to them or of the same UNSPSC code,
// their value statistics and framework agreements.
func (s *server) antes(ctx context.Context, q antesQuery) (*antesData, error) {
	d := &antesData{Q: q, Asked: q.Text != "" || q.UNSPSC != ""}
	if !d.Asked {
		return d, nil
	}
	if q.UNSPSC != "" && (len(q.UNSPSC) < 2 || len(q.UNSPSC) > 8 || len(q.UNSPSC)%2 != 0 || strings.Trim(q.UNSPSC, "0123456789") != "") {
		d.UNSPSCErr = true
		q.UNSPSC = ""
	}
	var linkAssets []registry.Asset
	if q.Text != "" {
		for _, kind := range []registry.AssetKind{registry.AssetPublic, registry.AssetCommercial} {
			res, err := s.search.SearchAssets(ctx, q.Text, SearchFilters{Kind: string(kind)}, SearchPage{Size: 10})
			if err != nil {
				return nil, err
			}
			as, err := s.assetsInOrder(ctx, res.AssetIDs)
			if err != nil {
				return nil, err
			}
			cs, err := s.cards(ctx, as)
			if err != nil {
				return nil, err
			}
			if kind == registry.AssetPublic {
				d.Public = cs
			} else {
				d.Commercial = cs
			}
			linkAssets = append(linkAssets, as...)
		}
	}
	st := s.svc.Store()
	seen := map[string]bool{}
	var rows []antesPurchase
	ids := make([]string, len(linkAssets))
	byID := map[string]registry.Asset{}
	for i, a := range linkAssets {
		ids[i] = a.ID
		byID[a.ID] = a
	}
	if len(ids) > 0 {
		var links []registry.PurchaseLink
		for _, state := range []string{registry.LinkConfirmed, registry.LinkSuggested} {
			l, err := st.Links().List(ctx, registry.LinkFilter{AssetIDs: ids, State: state, Sort: registry.SortScore,
				Page: registry.Page{First: registry.MaxPageSize}})
			if err != nil {
				return nil, err
			}
			links = append(links, l.Items...)
		}
		pids := make([]string, len(links))
		for i, l := range links {
			pids[i] = l.PurchaseID
		}
		ps, err := s.svc.PurchasesByID(ctx, pids)
		if err != nil {
			return nil, err
		}
		pm := map[string]registry.Purchase{}
		for _, p := range ps {
			pm[p.ID] = p
		}
		for _, l := range links {
			p, ok := pm[l.PurchaseID]
			if !ok || seen[p.ID] {
				continue
			}
			seen[p.ID] = true
			a := byID[l.AssetID]
			rows = append(rows, antesPurchase{Purchase: p, AssetName: a.Name, AssetSlug: a.Slug, Relation: l.Relation})
		}
	}
	// The figures of every purchase linked to the assets: from the
	// dashboard's figures when they are ready, else from the rows read.
	agg := s.linkedFigures(ctx, ids)
	var extra []registry.Purchase // purchases of the UNSPSC code not linked to those assets
	if q.UNSPSC != "" {
		l, err := s.svc.Purchases(ctx, registry.PurchaseFilter{UNSPSC: q.UNSPSC, Sort: registry.SortDate,
			Page: registry.Page{First: registry.MaxPageSize}})
		if err != nil {
			return nil, err
		}
		for _, p := range l.Items {
			if !seen[p.ID] {
				seen[p.ID] = true
				rows = append(rows, antesPurchase{Purchase: p})
				extra = append(extra, p)
			}
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return purchaseDate(rows[i].Purchase) > purchaseDate(rows[j].Purchase) })
	if agg == nil {
		agg = &linkAgg{ByYear: map[int]*yearTotal{}}
		for _, r := range rows {
			if r.AssetSlug != "" {
				agg.add(r.Purchase)
			}
		}
	}
	for _, p := range extra {
		agg.add(p)
	}
	values := agg.Values
	slices.Sort(values)
	d.Stats.Count, d.Stats.Buyers = len(values), len(agg.Buyers)
	for _, v := range values {
		d.Stats.Total += v
	}
	if len(values) > 0 {
		d.Stats.Min, d.Stats.Max = values[0], values[len(values)-1]
		m := len(values) / 2
		if len(values)%2 == 0 {
			d.Stats.Median = (values[m-1] + values[m]) / 2
		} else {
			d.Stats.Median = values[m]
		}
		d.Stats.BudgetAboveMedian = q.Budget > 0 && q.Budget > d.Stats.Median
		d.Stats.BudgetAboveMaximum = q.Budget > 0 && q.Budget > d.Stats.Max
	}
	for _, y := range agg.ByYear {
		d.ByYear = append(d.ByYear, *y)
	}
	sort.Slice(d.ByYear, func(i, j int) bool { return d.ByYear[i].Year > d.ByYear[j].Year })
	d.Agreements = append(d.Agreements, agg.Agreements...)
	sort.Strings(d.Agreements)
	d.Purchases = rows
	return d, nil
}

// linkedFigures merges the dashboard's figures of the purchases linked to
// the given assets (nil while the figures are being computed).
func (s *server) linkedFigures(ctx context.Context, assetIDs []string) *linkAgg {
	dd := s.dash.peek(ctx)
	if dd == nil {
		return nil
	}
	out := &linkAgg{ByYear: map[int]*yearTotal{}}
	buyers := map[string]bool{}
	agreements := map[string]bool{}
	for _, id := range assetIDs {
		la := dd.AssetLinks[id]
		if la == nil {
			continue
		}
		out.Values = append(out.Values, la.Values...)
		for _, b := range la.Buyers {
			if !buyers[b] {
				buyers[b] = true
				out.Buyers = append(out.Buyers, b)
			}
		}
		for _, a := range la.Agreements {
			if !agreements[a] {
				agreements[a] = true
				out.Agreements = append(out.Agreements, a)
			}
		}
		for y, t := range la.ByYear {
			o := out.ByYear[y]
			if o == nil {
				o = &yearTotal{Year: y}
				out.ByYear[y] = o
			}
			o.Count += t.Count
			o.Total += t.Total
		}
	}
	return out
}

// add counts one purchase.
func (la *linkAgg) add(p registry.Purchase) {
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

func purchaseDate(p registry.Purchase) string {
	if p.SignedAt != nil {
		return p.SignedAt.UTC().Format("2006-01-02")
	}
	return strconv.Itoa(p.Year)
}

func (s *server) handleAntes(w http.ResponseWriter, r *http.Request) {
	q := parseAntes(r)
	d, err := s.antes(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	full := len(d.Purchases)
	if full > 50 && r.URL.Query().Get("vista") != "imprimir" {
		d.Purchases, d.More = d.Purchases[:50], full-50
	}
	d.CSVURL = "/antes-de-comprar.csv?" + r.URL.Query().Encode()
	c := s.cats[langOf(r)]
	v := s.newView(r, c.tr("antes.titulo"), "antes", crumb{Label: c.tr("antes.titulo")})
	v.Data = d
	s.render(w, r, http.StatusOK, "antes", v)
}

func (s *server) handleAntesCSV(w http.ResponseWriter, r *http.Request) {
	q := parseAntes(r)
	d, err := s.antes(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c := s.cats[langOf(r)]
	cw := csvWriter(w, "acervo-antes-de-comprar-"+s.now().In(s.loc).Format("2006-01-02")+".csv")
	_ = cw.Write([]string{c.tr("csv.fuente"), c.tr("csv.contrato"), c.tr("csv.proceso"), c.tr("csv.entidad_compradora"),
		c.tr("csv.nit_entidad"), c.tr("csv.proveedor"), c.tr("csv.fecha_firma"), c.tr("csv.anio"), c.tr("csv.valor"),
		c.tr("csv.acuerdo_marco"), c.tr("csv.activo"), c.tr("csv.relacion"), c.tr("csv.descripcion"), c.tr("csv.url")})
	for _, r := range d.Purchases {
		p := r.Purchase
		signed := ""
		if p.SignedAt != nil {
			signed = p.SignedAt.In(s.loc).Format("2006-01-02")
		}
		_ = cw.Write([]string{p.Source, p.ContractID, p.ProcessID, p.BuyerName, p.BuyerNIT, p.Supplier.Name, signed,
			strconv.Itoa(p.Year), itoa(p.Value), p.FrameworkAgreement, r.AssetName, r.Relation, p.Description, p.URL})
	}
	cw.Flush()
}
