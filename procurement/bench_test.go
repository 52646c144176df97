package procurement

import (
	"bytes"
	"os"
	"testing"
)

// BenchmarkMapSECOP2 measures reading, mapping, scoring and hashing the real
// SECOP II sample, without a store (ns/op is per file of 4,035 rows).
func BenchmarkMapSECOP2(b *testing.B) {
	data, err := os.ReadFile("testdata/real/secop2_contratos_ti.csv")
	if err != nil {
		b.Fatal(err)
	}
	tb, _ := LoadTables()
	det := NewDetector()
	b.ReportAllocs()
	for b.Loop() {
		src, err := openSource(bytes.NewReader(data), "auto", tb)
		if err != nil {
			b.Fatal(err)
		}
		im := &Importer{tables: tb, opts: Options{Detector: det}}
		n := 0
		for {
			it, err := src.next()
			if err != nil {
				break
			}
			ms, _ := im.mapItem(it, src.format().Dataset)
			for i := range ms {
				p := &ms[i].Purchase
				p.SoftwareScore, p.SoftwareReasons = det.Score(p)
				p.RowHash = RowHash(p)
				n++
			}
		}
		b.ReportMetric(float64(n), "rows/op")
	}
}
