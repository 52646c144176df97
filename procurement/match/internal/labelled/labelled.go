// Package labelled reads the labelled set of testdata/labelled (see its
// README.md) for the matcher's tests.
package labelled

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/acervo-co/acervo/procurement/match"
	"github.com/acervo-co/acervo/registry"
)

// Assets reads a JSON array of assets.
func Assets(t testing.TB, path string) []registry.Asset {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var as []registry.Asset
	if err := json.Unmarshal(b, &as); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return as
}

// Infos wraps assets for match.Build.
func Infos(as []registry.Asset) []match.AssetInfo {
	out := make([]match.AssetInfo, len(as))
	for i, a := range as {
		out[i] = match.AssetInfo{Asset: a}
	}
	return out
}

// Purchases reads the labelled purchases CSV (a subset of the shared
// SECOP samples, re-laid into the few columns the matcher reads).
func Purchases(t testing.TB, path string) []registry.Purchase {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	var out []registry.Purchase
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s:%d: %v", path, line, err)
		}
		get := func(k string) string { return rec[col[k]] }
		p := registry.Purchase{
			ID:           get("contract_id"),
			Source:       get("source"),
			ContractID:   get("contract_id"),
			BuyerNIT:     buyerNIT(get("buyer_nit")),
			BuyerName:    get("buyer_name"),
			Description:  get("description"),
			Object:       get("object"),
			ContractType: get("contract_type"),
			Modality:     get("modality"),
			Supplier: registry.Party{
				Name:          get("supplier_name"),
				NaturalPerson: get("supplier_natural_person") == "true",
			},
		}
		if nit := get("supplier_nit"); nit != "" {
			p.Supplier.DocType, p.Supplier.DocNumber = "NIT", buyerNIT(nit)
		}
		if u := get("unspsc"); registry.ValidUNSPSC(u) {
			p.UNSPSC = []string{u}
		}
		if v, err := strconv.ParseFloat(get("value"), 64); err == nil {
			p.Value = int64(v)
		}
		if s := get("signed"); len(s) >= 10 {
			if d, err := time.Parse("2006-01-02", s[:10]); err == nil {
				p.SignedAt, p.Year = &d, d.Year()
			}
		}
		out = append(out, p)
	}
	return out
}

// buyerNIT strips a verified check digit ("8000898096" → "800089809",
// "890981115-6" → "890981115").
func buyerNIT(raw string) string {
	s := strings.NewReplacer(".", "", " ", "").Replace(strings.TrimSpace(raw))
	if strings.Contains(s, "-") {
		if n, _, err := registry.ParseNIT(s, false); err == nil {
			return n
		}
		return ""
	}
	if len(s) == 10 && (s[0] == '8' || s[0] == '9') {
		if n, _, err := registry.ParseNIT(s, true); err == nil {
			return n
		}
	}
	return s
}

// Label is one gold label.
type Label struct {
	Relation, Certainty, Note string
}

// Gold reads gold.csv: labels by (contract id, asset slug).
func Gold(t testing.TB, path string) map[[2]string]Label {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[[2]string]Label{}
	for i, r := range recs[1:] {
		if len(r) != 5 {
			t.Fatalf("%s:%d: want 5 fields", path, i+2)
		}
		switch r[2] {
		case registry.RelDevelopment, registry.RelImplementation, registry.RelMaintenance, registry.RelSupport,
			registry.RelLicensing, registry.RelHosting, registry.RelTraining, match.RelUse, "NONE":
		default:
			t.Fatalf("%s:%d: unknown relation %q", path, i+2, r[2])
		}
		if r[3] != "sure" && r[3] != "unsure" {
			t.Fatalf("%s:%d: certainty %q is not sure or unsure", path, i+2, r[3])
		}
		out[[2]string{r[0], r[1]}] = Label{Relation: r[2], Certainty: r[3], Note: r[4]}
	}
	return out
}
