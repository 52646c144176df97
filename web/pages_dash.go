package web

import (
	"encoding/csv"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/acervo-co/acervo/registry"
)

type recentAdoption struct {
	Adoption registry.Adoption
	Asset    registry.Asset
	Entity   registry.Entity
}

type tableroData struct {
	D          *dashData
	MapKind    string // adopcion, gasto
	Map        template.HTML
	Depts      []deptAgg
	Currency   []registry.CurrencySummary
	MoreCur    int
	YearChart  template.HTML
	Duplicates []registry.DuplicateGroup
	MoreDup    int
	Recent     []recentAdoption
}

func (s *server) handleTablero(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	dd, err := s.dash.get(ctx)
	if errors.Is(err, errDashPending) {
		// A large registry's first figures take a while: say so and reload.
		w.Header().Set("Refresh", "10")
		v := s.newView(r, s.tr(r, "tablero.titulo"), "tablero", crumb{Label: s.tr(r, "tablero.titulo")})
		v.Data = struct{ Key string }{"tablero.calculando"}
		s.render(w, r, http.StatusOK, "info-clave", v)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := langOf(r)
	c := s.cats[lang]
	d := tableroData{D: dd, MapKind: "adopcion"}
	if r.URL.Query().Get("mapa") == "gasto" {
		d.MapKind = "gasto"
	}
	values := map[string]int64{}
	for code, a := range dd.Depts {
		if d.MapKind == "gasto" {
			values[code] = a.Spend
		} else {
			values[code] = a.Entities
		}
		d.Depts = append(d.Depts, *a)
	}
	sort.Slice(d.Depts, func(i, j int) bool { return d.Depts[i].Code < d.Depts[j].Code })
	if d.MapKind == "gasto" {
		d.Map = template.HTML(s.geo.choropleth("mapa-red", c.tr("tablero.mapa_gasto_titulo"), c.tr("tablero.mapa_gasto_leyenda"),
			c.tr("mapa.sin_datos"), values, func(n int64) string { return shortPesos(lang, n) }))
	} else {
		d.Map = template.HTML(s.geo.choropleth("mapa-red", c.tr("tablero.mapa_adopcion_titulo"), c.tr("tablero.mapa_adopcion_leyenda"),
			c.tr("mapa.sin_datos"), values, func(n int64) string { return formatInt(lang, n) }))
	}
	d.Currency = dd.Currency
	if len(d.Currency) > 20 {
		d.Currency, d.MoreCur = d.Currency[:20], len(dd.Currency)-20
	}
	d.Duplicates = dd.Duplicates
	if len(d.Duplicates) > 20 {
		d.Duplicates, d.MoreDup = d.Duplicates[:20], len(dd.Duplicates)-20
	}
	d.YearChart = template.HTML(barChart("grafica-anual", c.tr("tablero.anual_titulo"), dd.ByYear, lang))

	st := s.svc.Store()
	recent, err := st.Adoptions().List(ctx, registry.AdoptionFilter{Sort: registry.SortCreated, Page: registry.Page{First: 10}})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var aids, nits []string
	for _, a := range recent.Items {
		aids, nits = append(aids, a.AssetID), append(nits, a.EntityNIT)
	}
	as, err := st.Assets().GetMany(ctx, aids)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	es, err := st.Entities().GetMany(ctx, nits)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	am, em := map[string]registry.Asset{}, map[string]registry.Entity{}
	for _, a := range as {
		am[a.ID] = a
	}
	for _, e := range es {
		em[e.NIT] = e
	}
	for _, a := range recent.Items {
		d.Recent = append(d.Recent, recentAdoption{Adoption: a, Asset: am[a.AssetID], Entity: em[a.EntityNIT]})
	}

	v := s.newView(r, c.tr("tablero.titulo"), "tablero", crumb{Label: c.tr("tablero.titulo")})
	v.Data = d
	s.render(w, r, http.StatusOK, "tablero", v)
}

// shortPesos writes large peso amounts compactly: "$ 12.345 M".
func shortPesos(lang string, n int64) string {
	if n >= 10_000_000 {
		return "$ " + formatInt(lang, n/1_000_000) + " M"
	}
	return formatPesos(lang, n)
}

// barChart draws spending by year as an SVG bar chart (oldest left).
func barChart(id, title string, years []yearTotal, lang string) string {
	ys := append([]yearTotal(nil), years...)
	sort.Slice(ys, func(i, j int) bool { return ys[i].Year < ys[j].Year })
	if len(ys) > 12 {
		ys = ys[len(ys)-12:]
	}
	var maxV int64
	for _, y := range ys {
		maxV = max(maxV, y.Total)
	}
	const w, h, left, bottom = 640.0, 260.0, 10.0, 40.0
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="grafica" id="%s" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="%s-t" xmlns="http://www.w3.org/2000/svg"><title id="%s-t">%s</title>`,
		id, w, h, id, id, template.HTMLEscapeString(title))
	if len(ys) == 0 || maxV == 0 {
		sb.WriteString(`</svg>`)
		return sb.String()
	}
	bw := (w - left*2) / float64(len(ys))
	fmt.Fprintf(&sb, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#4c4c4c"/>`, left, h-bottom, w-left, h-bottom)
	for i, y := range ys {
		bh := (h - bottom - 30) * float64(y.Total) / float64(maxV)
		x := left + float64(i)*bw + bw*0.15
		label := shortPesos(lang, y.Total)
		fmt.Fprintf(&sb, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#0943b5"><title>%d: %s</title></rect>`,
			x, h-bottom-bh, bw*0.7, bh, y.Year, template.HTMLEscapeString(formatPesos(lang, y.Total)))
		fmt.Fprintf(&sb, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="12" font-family="Verdana, sans-serif" fill="#000">%d</text>`,
			x+bw*0.35, h-bottom+18, y.Year)
		fmt.Fprintf(&sb, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="11" font-family="Verdana, sans-serif" fill="#000">%s</text>`,
			x+bw*0.35, h-bottom-bh-6, template.HTMLEscapeString(label))
	}
	sb.WriteString(`</svg>`)
	return sb.String()
}

// csvWriter starts a CSV download: UTF-8 with a byte-order mark, so that
// spreadsheets in es-CO open accents right.
func csvWriter(w http.ResponseWriter, filename string) *csv.Writer {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	_, _ = w.Write([]byte("\ufeff"))
	return csv.NewWriter(w)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func (s *server) handleTableroCSV(w http.ResponseWriter, r *http.Request) {
	dd, err := s.dash.get(r.Context())
	if errors.Is(err, errDashPending) {
		w.Header().Set("Retry-After", "30")
		s.renderError(w, r, http.StatusServiceUnavailable, "error.calculando")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c := s.cats[langOf(r)]
	date := s.now().In(s.loc).Format("2006-01-02")
	switch r.PathValue("name") {
	case "departamentos.csv":
		cw := csvWriter(w, "acervo-departamentos-"+date+".csv")
		_ = cw.Write([]string{c.tr("csv.codigo_dane"), c.tr("csv.departamento"), c.tr("csv.entidades_adoptantes"),
			c.tr("csv.adopciones"), c.tr("csv.compras"), c.tr("csv.valor_compras")})
		codes := make([]string, 0, len(s.geo.names))
		for code := range s.geo.names {
			codes = append(codes, code)
		}
		for code := range dd.Depts {
			if _, ok := s.geo.names[code]; !ok {
				codes = append(codes, code)
			}
		}
		sort.Strings(codes)
		for _, code := range codes {
			a := dd.Depts[code]
			if a == nil {
				a = &deptAgg{Code: code, Name: s.geo.names[code]}
			}
			_ = cw.Write([]string{code, a.Name, itoa(a.Entities), itoa(a.Adoptions), itoa(a.Purchases), itoa(a.Spend)})
		}
		cw.Flush()
	case "versiones.csv":
		cw := csvWriter(w, "acervo-vigencia-de-versiones-"+date+".csv")
		_ = cw.Write([]string{c.tr("csv.activo"), c.tr("csv.slug"), c.tr("csv.ultima_version"), c.tr("csv.adopciones"),
			c.tr("csv.al_dia"), c.tr("csv.atras_mayor"), c.tr("csv.atras_menor"), c.tr("csv.atras_parche"),
			c.tr("csv.retiradas"), c.tr("csv.vulnerables"), c.tr("csv.sin_version")})
		for _, x := range dd.Currency {
			_ = cw.Write([]string{x.AssetName, dd.Slugs[x.AssetID], x.Latest, strconv.Itoa(x.Adoptions), strconv.Itoa(x.Current),
				strconv.Itoa(x.BehindMajor), strconv.Itoa(x.BehindMinor), strconv.Itoa(x.BehindPatch), strconv.Itoa(x.Withdrawn),
				strconv.Itoa(x.Vulnerable), strconv.Itoa(x.Unknown)})
		}
		cw.Flush()
	case "gasto-anual.csv":
		cw := csvWriter(w, "acervo-gasto-anual-"+date+".csv")
		_ = cw.Write([]string{c.tr("csv.anio"), c.tr("csv.compras"), c.tr("csv.valor_compras"), c.tr("csv.entidades_compradoras"), c.tr("csv.proveedores")})
		for _, y := range dd.Trends {
			_ = cw.Write([]string{strconv.Itoa(y.Year), itoa(y.Purchases), itoa(y.Total), strconv.Itoa(y.Buyers), strconv.Itoa(y.Suppliers)})
		}
		cw.Flush()
	case "gasto-duplicado.csv":
		cw := csvWriter(w, "acervo-gasto-duplicado-"+date+".csv")
		_ = cw.Write([]string{c.tr("csv.tipo"), c.tr("csv.clave"), c.tr("csv.producto"), c.tr("csv.entidades_compradoras"),
			c.tr("csv.compras"), c.tr("csv.valor_compras"), c.tr("csv.proveedores_principales")})
		for _, x := range dd.Duplicates {
			var sup []string
			for _, p := range x.Suppliers {
				sup = append(sup, p.Name+" ("+itoa(p.Total)+")")
			}
			_ = cw.Write([]string{x.Kind, x.Key, x.Label, strconv.Itoa(x.Entities), strconv.Itoa(x.Purchases), itoa(x.Total), strings.Join(sup, "; ")})
		}
		cw.Flush()
	case "adopcion.csv":
		cw := csvWriter(w, "acervo-adopcion-"+date+".csv")
		_ = cw.Write([]string{c.tr("csv.activo"), c.tr("csv.slug"), c.tr("csv.codigo_dane"), c.tr("csv.departamento"), c.tr("entidad.orden"),
			c.tr("entidad.sector"), c.tr("csv.entidades_adoptantes"), c.tr("csv.adopciones"), c.tr("csv.verificadas"), c.tr("csv.en_produccion")})
		for _, x := range dd.Matrix {
			_ = cw.Write([]string{x.AssetName, dd.Slugs[x.AssetID], x.DepartmentCode, s.geo.names[x.DepartmentCode], x.Orden, x.Sector,
				strconv.Itoa(x.Entities), strconv.Itoa(x.Adoptions), strconv.Itoa(x.Verified), strconv.Itoa(x.Production)})
		}
		cw.Flush()
	default:
		s.renderError(w, r, http.StatusNotFound, "error.notfound")
	}
}
