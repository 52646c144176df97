// Package gencsv generates large SECOP II contract files (SODA CSV, the
// API's column names) with the shape of a real sample: rows are drawn from
// the sample's empirical distributions, keeping together what belongs
// together (a buyer's name, NIT and place; a supplier's document and name;
// a contract's code, description, type and modality; its value and dates),
// with new unique contract ids. It is for benchmarks and crash tests.
package gencsv

import (
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"
)

// Columns are the generated file's columns, those of the real sample.
var Columns = []string{
	"nombre_entidad", "nit_entidad", "departamento", "ciudad", "orden", "sector", "id_contrato",
	"referencia_del_contrato", "estado_contrato", "codigo_de_categoria_principal", "descripcion_del_proceso",
	"tipo_de_contrato", "modalidad_de_contratacion", "fecha_de_firma", "fecha_de_inicio_del_contrato",
	"fecha_de_fin_del_contrato", "documento_proveedor", "proveedor_adjudicado", "es_pyme", "valor_del_contrato",
	"valor_pagado",
}

var groups = [][]string{
	{"nombre_entidad", "nit_entidad", "departamento", "ciudad", "orden", "sector"},
	{"documento_proveedor", "proveedor_adjudicado", "es_pyme"},
	{"codigo_de_categoria_principal", "descripcion_del_proceso", "tipo_de_contrato", "modalidad_de_contratacion"},
	{"valor_del_contrato", "valor_pagado"},
	{"estado_contrato"},
}

// Generator draws rows from a sample.
type Generator struct {
	groups [][][]string // group → sampled tuples
	dates  [][3]string  // firma, inicio, fin as in the sample
	rng    *rand.Rand
}

// New reads the sample (a SODA CSV with at least the Columns).
func New(sample io.Reader, seed uint64) (*Generator, error) {
	r := csv.NewReader(sample)
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("sample header: %w", err)
	}
	idx := map[string]int{}
	for i, h := range head {
		idx[h] = i
	}
	for _, c := range Columns {
		if _, ok := idx[c]; !ok {
			return nil, fmt.Errorf("sample lacks column %s", c)
		}
	}
	g := &Generator{groups: make([][][]string, len(groups)), rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		for gi, cols := range groups {
			t := make([]string, len(cols))
			for i, c := range cols {
				t[i] = rec[idx[c]]
			}
			g.groups[gi] = append(g.groups[gi], t)
		}
		g.dates = append(g.dates, [3]string{rec[idx["fecha_de_firma"]], rec[idx["fecha_de_inicio_del_contrato"]], rec[idx["fecha_de_fin_del_contrato"]]})
	}
	if len(g.dates) == 0 {
		return nil, fmt.Errorf("empty sample")
	}
	return g, nil
}

// Write writes a header and n rows; contract ids are CO1.PCCNTR.<first+i>.
func (g *Generator) Write(w io.Writer, n int, first int64) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Columns); err != nil {
		return err
	}
	row := make(map[string]string, len(Columns))
	rec := make([]string, len(Columns))
	for i := 0; i < n; i++ {
		for gi, cols := range groups {
			t := g.groups[gi][g.rng.IntN(len(g.groups[gi]))]
			for j, c := range cols {
				row[c] = t[j]
			}
		}
		d := g.dates[g.rng.IntN(len(g.dates))]
		shift := g.rng.IntN(365) - 182 // days, so dates spread around the sample's
		row["fecha_de_firma"], row["fecha_de_inicio_del_contrato"], row["fecha_de_fin_del_contrato"] = shiftDate(d[0], shift), shiftDate(d[1], shift), shiftDate(d[2], shift)
		id := "CO1.PCCNTR." + strconv.FormatInt(first+int64(i), 10)
		row["id_contrato"], row["referencia_del_contrato"] = id, id
		for j, c := range Columns {
			rec[j] = row[c]
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func shiftDate(s string, days int) string {
	if s == "" {
		return ""
	}
	t, err := time.Parse("2006-01-02T15:04:05.000", s)
	if err != nil {
		return s
	}
	return t.AddDate(0, 0, days).Format("2006-01-02T15:04:05.000")
}
