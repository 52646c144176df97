package procurement

import (
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"sync"
)

//go:embed data/*.csv
var dataFS embed.FS

// Tables holds the reference tables read from the embedded data/ folder:
// the DIVIPOLA gazetteer, the UNSPSC names and the SECOP II dictionary. They
// are immutable once loaded and safe for concurrent use.
type Tables struct {
	Places *Gazetteer
	UNSPSC *UNSPSCNames
	// secop2Display maps folded export headers to API field names.
	secop2Display map[string]string
}

var loadTables = sync.OnceValues(func() (*Tables, error) {
	g, err := loadGazetteer()
	if err != nil {
		return nil, err
	}
	u, err := loadUNSPSC()
	if err != nil {
		return nil, err
	}
	d, err := loadDictionary()
	if err != nil {
		return nil, err
	}
	return &Tables{Places: g, UNSPSC: u, secop2Display: d}, nil
})

// LoadTables returns the embedded reference tables (read once).
func LoadTables() (*Tables, error) { return loadTables() }

// readCSV reads an embedded CSV with a header into maps.
func readCSV(name string) ([]map[string]string, error) {
	f, err := dataFS.Open("data/" + name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	head[0] = strings.TrimPrefix(head[0], "\ufeff")
	var rows []map[string]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		m := make(map[string]string, len(head))
		for i, h := range head {
			if i < len(rec) {
				m[h] = rec[i]
			}
		}
		rows = append(rows, m)
	}
	return rows, nil
}

// UNSPSCNames gives the Spanish names of UNSPSC codes as CCE publishes them.
type UNSPSCNames struct {
	names map[string]string // 8-digit code → name
}

func loadUNSPSC() (*UNSPSCNames, error) {
	u := &UNSPSCNames{names: map[string]string{}}
	rows, err := readCSV("unspsc_clases_secop1_2026-04.csv")
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		// SECOP I mangles accents (PaJAROS); these names are a fallback.
		if c, ok, _ := ParseUNSPSC(r["id_clase"]); ok {
			u.names[c.Code] = r["nombre_clase"]
		}
		if c, ok, _ := ParseUNSPSC(r["id_familia"]); ok {
			u.names[c.Code] = r["nombre_familia"]
		}
	}
	rows, err = readCSV("unspsc_software_nombres_catalogo_secop2.csv")
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if c, ok, _ := ParseUNSPSC(r["codigo"]); ok {
			u.names[c.Code] = r["nombre"]
		}
	}
	return u, nil
}

// Name returns the name of the code, or of its class, family or segment,
// the most specific known; "" when none is known.
func (u *UNSPSCNames) Name(code string) string {
	c, ok, err := ParseUNSPSC(code)
	if !ok || err != nil {
		return ""
	}
	for _, k := range []string{c.Code, c.Class, c.Family, c.Segment} {
		if n, ok := u.names[k]; ok {
			return n
		}
	}
	return ""
}

func loadDictionary() (map[string]string, error) {
	rows, err := readCSV("secop2_contratos_jbjy-vk9h_diccionario_oficial.csv")
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, r := range rows {
		api := strings.TrimSpace(r["campo_api"])
		if api == "" {
			continue
		}
		for _, h := range []string{r["socrata_display_name"], r["nombre_columna"], api} {
			if k := headerKey(h); k != "" {
				m[k] = api
			}
		}
	}
	return m, nil
}
