package web

import (
	"encoding/json"
	"fmt"
	"html"
	"io/fs"
	"math"
	"sort"
	"strconv"
	"strings"
)

// geoMap holds Colombia's departments as SVG paths, projected once from the
// DANE MGN 2018 boundaries (web/data, see its README).
type geoMap struct {
	width, height float64
	depts         []geoDept         // by code
	names         map[string]string // DANE code → name
}

type geoDept struct {
	Code  string
	Name  string
	Path  string // SVG path data
	Inset bool   // drawn in the San Andrés inset
}

type geoJSON struct {
	Features []struct {
		Properties map[string]any `json:"properties"`
		Geometry   struct {
			Type        string          `json:"type"`
			Coordinates json.RawMessage `json:"coordinates"`
		} `json:"geometry"`
	} `json:"features"`
}

// sanAndres is the department drawn in an inset (it lies 700 km off the
// coast; drawn in place it would shrink the mainland).
const sanAndres = "88"

// loadGeo reads the department boundaries and projects them
// (equirectangular with cos φ₀ correction, φ₀ = 4.5° N) into a 600-unit
// wide viewBox.
func loadGeo(fsys fs.FS, name string) (*geoMap, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	var g geoJSON
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, fmt.Errorf("web: %s: %w", name, err)
	}
	type dept struct {
		code, name string
		rings      [][][2]float64
	}
	var ds []dept
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	kx := math.Cos(4.5 * math.Pi / 180)
	for i, f := range g.Features {
		code, _ := f.Properties["DPTO_CCDGO"].(string)
		nm, _ := f.Properties["DPTO_CNMBR"].(string)
		if code == "" {
			return nil, fmt.Errorf("web: %s: feature %d has no DPTO_CCDGO", name, i)
		}
		var rings [][][2]float64
		switch f.Geometry.Type {
		case "Polygon":
			if err := json.Unmarshal(f.Geometry.Coordinates, &rings); err != nil {
				return nil, fmt.Errorf("web: %s: feature %s: %w", name, code, err)
			}
		case "MultiPolygon":
			var polys [][][][2]float64
			if err := json.Unmarshal(f.Geometry.Coordinates, &polys); err != nil {
				return nil, fmt.Errorf("web: %s: feature %s: %w", name, code, err)
			}
			for _, p := range polys {
				rings = append(rings, p...)
			}
		default:
			return nil, fmt.Errorf("web: %s: feature %s: geometry %s is not a polygon", name, code, f.Geometry.Type)
		}
		for _, ring := range rings {
			for j := range ring {
				ring[j][0] *= kx
			}
		}
		ds = append(ds, dept{code: code, name: titleCase(nm), rings: rings})
		if code == sanAndres {
			continue
		}
		for _, ring := range rings {
			for _, p := range ring {
				minX, maxX = math.Min(minX, p[0]), math.Max(maxX, p[0])
				minY, maxY = math.Min(minY, p[1]), math.Max(maxY, p[1])
			}
		}
	}
	const width = 600.0
	scale := width / (maxX - minX)
	m := &geoMap{width: width, height: math.Ceil((maxY - minY) * scale), names: map[string]string{}}
	for _, d := range ds {
		var sb strings.Builder
		project := func(p [2]float64) (float64, float64) {
			return (p[0] - minX) * scale, (maxY - p[1]) * scale
		}
		if d.code == sanAndres {
			// Inset: the islands scaled ×6 in a 70×90 box at the top left.
			var ix0, iy1 = math.Inf(1), math.Inf(-1)
			for _, ring := range d.rings {
				for _, p := range ring {
					ix0, iy1 = math.Min(ix0, p[0]), math.Max(iy1, p[1])
				}
			}
			project = func(p [2]float64) (float64, float64) {
				return 20 + (p[0]-ix0)*scale*6, 20 + (iy1-p[1])*scale*6
			}
		}
		for _, ring := range d.rings {
			for j, p := range ring {
				x, y := project(p)
				if j == 0 {
					sb.WriteString("M")
				} else {
					sb.WriteString("L")
				}
				sb.WriteString(strconv.FormatFloat(x, 'f', 1, 64))
				sb.WriteByte(' ')
				sb.WriteString(strconv.FormatFloat(y, 'f', 1, 64))
			}
			sb.WriteString("Z")
		}
		m.depts = append(m.depts, geoDept{Code: d.code, Name: d.name, Path: sb.String(), Inset: d.code == sanAndres})
		m.names[d.code] = d.name
	}
	sort.Slice(m.depts, func(i, j int) bool { return m.depts[i].Code < m.depts[j].Code })
	return m, nil
}

// titleCase turns "NORTE DE SANTANDER" into "Norte de Santander".
func titleCase(s string) string {
	small := map[string]bool{"de": true, "del": true, "y": true, "la": true, "las": true, "los": true, "el": true}
	words := strings.Fields(strings.ToLower(s))
	for i, w := range words {
		if i > 0 && small[w] {
			continue
		}
		r := []rune(w)
		if len(r) > 0 {
			r[0] = []rune(strings.ToUpper(string(r[0])))[0]
		}
		words[i] = string(r)
	}
	out := strings.Join(words, " ")
	out = strings.ReplaceAll(out, "Bogotá, D.c.", "Bogotá, D.C.")
	out = strings.ReplaceAll(out, "Santafé De Bogotá D.c", "Bogotá, D.C.")
	return out
}

// mapClasses are the fill colours of the choropleth, from the GOV.CO v5
// palette, lightest to darkest; class 0 is "no data".
var mapClasses = [...]string{"#ffffff", "#e5ecf8", "#b5c7e9", "#83a0da", "#4672c8", "#0943b5"}

// choropleth renders the departments filled by value, with a <title> per
// department and a legend. id must be unique on the page; label names the
// measure ("entidades que adoptan").
func (m *geoMap) choropleth(id, title, label, noData string, values map[string]int64, format func(int64) string) string {
	var maxV int64
	for _, v := range values {
		maxV = max(maxV, v)
	}
	// Five classes of equal width over 1..max: class c holds the values
	// v with ⌈5v/max⌉ = c, so small counts still get distinct colours.
	class := func(v int64) int {
		if v <= 0 || maxV <= 0 {
			return 0
		}
		return int(min(5, (5*v+maxV-1)/maxV))
	}
	bounds := func(c int) (lo, hi int64) {
		return int64(c-1)*maxV/5 + 1, int64(c) * maxV / 5
	}
	var sb strings.Builder
	h := m.height + 40
	fmt.Fprintf(&sb, `<svg class="mapa" id="%s" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="%s-t" xmlns="http://www.w3.org/2000/svg">`,
		id, m.width+150, h, id)
	fmt.Fprintf(&sb, `<title id="%s-t">%s</title>`, id, html.EscapeString(title))
	sb.WriteString(`<rect x="10" y="10" width="90" height="110" fill="none" stroke="#7e7e7e" stroke-dasharray="3 3"/>`)
	sb.WriteString(`<g stroke="#4c4c4c" stroke-width="0.6" stroke-linejoin="round">`)
	for _, d := range m.depts {
		v := values[d.Code]
		fmt.Fprintf(&sb, `<path d="%s" fill="%s" data-codigo="%s"><title>%s: %s</title></path>`,
			d.Path, mapClasses[class(v)], d.Code, html.EscapeString(d.Name), html.EscapeString(format(v)))
	}
	sb.WriteString(`</g>`)
	// Legend.
	lx := m.width + 10
	fmt.Fprintf(&sb, `<g font-size="13" font-family="Verdana, sans-serif" fill="#000"><text x="%.0f" y="%d">%s</text>`, lx, 24, html.EscapeString(label))
	y := 36
	for c := 5; c >= 1; c-- {
		lo, hi := bounds(c)
		if lo > hi {
			continue
		}
		txt := format(lo)
		if hi != lo {
			txt += " – " + format(hi)
		}
		fmt.Fprintf(&sb, `<rect x="%.0f" y="%d" width="18" height="18" fill="%s" stroke="#4c4c4c"/><text x="%.0f" y="%d">%s</text>`,
			lx, y, mapClasses[c], lx+24, y+14, html.EscapeString(txt))
		y += 24
	}
	fmt.Fprintf(&sb, `<rect x="%.0f" y="%d" width="18" height="18" fill="%s" stroke="#4c4c4c"/><text x="%.0f" y="%d">%s</text></g>`,
		lx, y, mapClasses[0], lx+24, y+14, html.EscapeString(noData))
	sb.WriteString(`</svg>`)
	return sb.String()
}
