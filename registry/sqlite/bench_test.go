package sqlite

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/acervo-co/acervo/registry"
)

// Benchmarks of the embedded store at the scale of the whole State:
//
//	go test -run '^$' -bench . -benchtime 1x ./registry/sqlite/
//
// ACERVO_BENCH_ROWS changes the number of purchases (default 1,000,000).

// benchBatch is the number of purchases per UpsertBatch
// (ACERVO_BENCH_BATCH, default 10,000).
func benchBatch(b *testing.B) int {
	if v := os.Getenv("ACERVO_BENCH_BATCH"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("ACERVO_BENCH_BATCH=%q", v)
		}
		return n
	}
	return 10_000
}

func benchRows(b *testing.B) int {
	if v := os.Getenv("ACERVO_BENCH_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("ACERVO_BENCH_ROWS=%q", v)
		}
		return n
	}
	return 1_000_000
}

// purchaseGen makes purchases shaped like SECOP II software contracts:
// buyers from a pool of 10,000 NITs, suppliers from 50,000, descriptions of
// about 200 characters, one or two UNSPSC codes, values spread over four
// orders of magnitude, signature dates over seven years.
type purchaseGen struct {
	rnd       *rand.Rand
	buyers    []string
	suppliers []string
	words     []string
	unspsc    []string
}

func newPurchaseGen(seed uint64) *purchaseGen {
	g := &purchaseGen{rnd: rand.New(rand.NewPCG(seed, 2024))}
	for i := range 10_000 {
		g.buyers = append(g.buyers, strconv.Itoa(800_000_000+i*9_973))
	}
	for i := range 50_000 {
		g.suppliers = append(g.suppliers, strconv.Itoa(900_000_000+i*1_777))
	}
	g.words = strings.Fields(`prestación de servicios profesionales para el soporte mantenimiento actualización
		licenciamiento del sistema de información gestión documental plataforma tecnológica de la entidad
		adquisición renovación suscripción software antivirus ofimática correo electrónico nube
		desarrollo implementación migración módulo financiero contable nómina talento humano
		interoperabilidad sede electrónica portal web trámites en línea ciudadanos mesa de ayuda
		infraestructura servidores bases de datos seguridad digital copias de respaldo capacitación`)
	g.unspsc = []string{"43231500", "43231512", "43232300", "43232600", "43233200", "43233400", "81111500",
		"81111800", "81112000", "81112200", "81112500", "81161700", "43211500", "43222600", "80111600"}
	return g
}

func (g *purchaseGen) purchase(i int) registry.Purchase {
	r := g.rnd
	var d strings.Builder
	for d.Len() < 200 {
		if d.Len() > 0 {
			d.WriteByte(' ')
		}
		d.WriteString(g.words[r.IntN(len(g.words))])
	}
	signed := time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.Int64N(int64(7 * 365 * 24 * time.Hour))))
	src := registry.SourceSECOPII
	switch x := r.IntN(10); {
	case x == 0:
		src = registry.SourceTVEC
	case x < 3:
		src = registry.SourceSECOPI
	}
	buyer := g.buyers[r.IntN(len(g.buyers))]
	p := registry.Purchase{
		Source: src, ContractID: fmt.Sprintf("CO1.PCCNTR.%d", 1_000_000+i), ProcessID: fmt.Sprintf("CO1.REQ.%d", 500_000+i/2),
		URL:       fmt.Sprintf("https://community.secop.gov.co/Public/Tendering/OpportunityDetail/Index?noticeUID=CO1.NTC.%d", i),
		BuyerNIT:  buyer,
		BuyerName: "ENTIDAD " + buyer,
		Supplier: registry.Party{DocType: "NIT", DocNumber: g.suppliers[r.IntN(len(g.suppliers))],
			Name: "SOLUCIONES TECNOLOGICAS S.A.S."},
		Description:     d.String(),
		UNSPSC:          []string{g.unspsc[r.IntN(len(g.unspsc))]},
		Modality:        "Contratación directa",
		ContractType:    "Prestación de servicios",
		Status:          "En ejecución",
		Value:           int64(math.Pow(10, 6+4*r.Float64())),
		SignedAt:        &signed,
		Year:            signed.Year(),
		DepartmentCode:  fmt.Sprintf("%02d", 5+r.IntN(90)),
		SoftwareScore:   math.Round(r.Float64()*100) / 100,
		SoftwareReasons: []string{"unspsc", "keywords"},
		CreatedAt:       signed,
		UpdatedAt:       signed,
	}
	if r.IntN(4) == 0 {
		p.UNSPSC = append(p.UNSPSC, g.unspsc[r.IntN(len(g.unspsc))])
	}
	p.RowHash = fmt.Sprintf("%016x", r.Uint64())
	return p
}

// fill inserts n purchases in batches and returns the time spent inside
// UpsertBatch.
func fill(b *testing.B, s *Store, n int) time.Duration {
	g := newPurchaseGen(1)
	var spent time.Duration
	size := benchBatch(b)
	batch := make([]registry.Purchase, 0, size)
	for i := 0; i < n; i += size {
		batch = batch[:0]
		for j := i; j < min(i+size, n); j++ {
			batch = append(batch, g.purchase(j))
		}
		ev := &registry.AuditEvent{At: time.Now(), Actor: "system:import", Action: "purchase.import", TargetKind: "import", TargetID: "bench"}
		start := time.Now()
		out, err := s.Purchases().UpsertBatch(context.Background(), batch, ev)
		spent += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if out[0] != registry.OutcomeNew {
			b.Fatalf("row %d: %v", i, out[0])
		}
	}
	return spent
}

func benchOpen(b *testing.B) *Store {
	s, err := Open(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkInsertPurchases inserts ACERVO_BENCH_ROWS purchases in batches of
// 1,000 into an empty store, each batch one transaction with its changes and
// audit event.
func BenchmarkInsertPurchases(b *testing.B) {
	n := benchRows(b)
	var spent time.Duration
	cpu0 := cpuTime()
	for range b.N {
		b.StopTimer()
		s := benchOpen(b)
		b.StartTimer()
		spent += fill(b, s, n)
	}
	b.ReportMetric(float64(n*b.N)/spent.Seconds(), "rows/s")
	// The machine is shared: rows per second of this process's CPU time
	// tells the cost apart from the waiting.
	b.ReportMetric(float64(n*b.N)/(cpuTime()-cpu0).Seconds(), "rows/cpu-s")
}

// BenchmarkLookup measures single lookups in a store of ACERVO_BENCH_ROWS
// purchases: by natural key, and the first page (20) of a buyer's
// purchases, newest first.
func BenchmarkLookup(b *testing.B) {
	n := benchRows(b)
	s := benchOpen(b)
	fill(b, s, n)
	g := newPurchaseGen(1)
	keys := make([]registry.Purchase, 0, n)
	for i := range n {
		keys = append(keys, g.purchase(i))
	}
	rnd := rand.New(rand.NewPCG(7, 7))
	ctx := context.Background()
	runtime.GC() // the fill's garbage is not the lookups' cost
	b.Run("ByNaturalKey", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		for b.Loop() {
			k := keys[rnd.IntN(len(keys))]
			start := time.Now()
			p, err := s.Purchases().GetByKey(ctx, k.Source, k.ContractID)
			lat = append(lat, time.Since(start))
			if err != nil || p.ContractID != k.ContractID {
				b.Fatalf("GetByKey: %v", err)
			}
		}
		reportPercentiles(b, lat)
	})
	b.Run("ByBuyer", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		for b.Loop() {
			buyer := keys[rnd.IntN(len(keys))].BuyerNIT
			start := time.Now()
			l, err := s.Purchases().List(ctx, registry.PurchaseFilter{BuyerNIT: buyer})
			lat = append(lat, time.Since(start))
			if err != nil || len(l.Items) == 0 {
				b.Fatalf("List by buyer %s: %d rows, %v", buyer, len(l.Items), err)
			}
		}
		reportPercentiles(b, lat)
	})
}

// cpuTime is the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Nanoseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}
