package mongo_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/mongo"
	"github.com/acervo-co/acervo/registry/mongo/mongotest"
)

// Benchmarks of the Mongo store, mirroring registry/sqlite's:
//
//	go test -run '^$' -bench . -benchtime 1x ./registry/mongo/
//
// By default they run on the in-process FerretDB with 5,000 purchases. Its
// figures say nothing about MongoDB: FerretDB reads and decodes the whole
// collection for every query but a bare _id lookup, and its SQLite backend
// scans the table for every document it updates, even by _id (the lookup
// expression is not the one its _id index is built on), so clearing the
// outboxes of a batch costs a table scan per row and a fill grows with the
// square of the rows (2,000 rows: 56 s; 5,000: 272 s on this machine).
// Real figures need ACERVO_TEST_MONGODB_URI (then the default is 1,000,000
// rows). ACERVO_BENCH_ROWS and ACERVO_BENCH_BATCH (default 1,000) change
// the size.

func envInt(b *testing.B, name string, def int) int {
	if v := os.Getenv(name); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("%s=%q", name, v)
		}
		return n
	}
	return def
}

func benchRows(b *testing.B, srv mongotest.Server) int {
	def := 1_000_000
	if srv.Ferret {
		def = 5_000
	}
	return envInt(b, "ACERVO_BENCH_ROWS", def)
}

// gen makes purchases shaped like SECOP II software contracts: 10,000
// buyers, 50,000 suppliers, descriptions of about 200 characters, one or two
// UNSPSC codes, values over four orders of magnitude, dates over seven years.
type gen struct {
	rnd    *rand.Rand
	words  []string
	unspsc []string
}

func newGen() *gen {
	return &gen{
		rnd: rand.New(rand.NewPCG(1, 2024)),
		words: strings.Fields(`prestación de servicios soporte mantenimiento licenciamiento sistema de información
			gestión documental plataforma tecnológica adquisición renovación suscripción software correo nube
			desarrollo implementación migración módulo financiero nómina interoperabilidad sede electrónica
			portal trámites mesa de ayuda servidores bases de datos seguridad digital respaldo capacitación`),
		unspsc: []string{"43231500", "43231512", "43232300", "43232600", "43233200", "81111500", "81111800",
			"81112000", "81112200", "81112500", "81161700", "43211500", "43222600", "80111600"},
	}
}

func (g *gen) purchase(i int) registry.Purchase {
	r := g.rnd
	var d strings.Builder
	for d.Len() < 200 {
		d.WriteString(g.words[r.IntN(len(g.words))])
		d.WriteByte(' ')
	}
	signed := time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.Int64N(int64(7 * 365 * 24 * time.Hour)))).Truncate(time.Millisecond)
	buyer := strconv.Itoa(800_000_000 + r.IntN(10_000)*9_973)
	p := registry.Purchase{
		Source: registry.SourceSECOPII, ContractID: fmt.Sprintf("CO1.PCCNTR.%d", 1_000_000+i), ProcessID: fmt.Sprintf("CO1.REQ.%d", i/2),
		URL:      fmt.Sprintf("https://community.secop.gov.co/Public/Tendering/OpportunityDetail/Index?noticeUID=CO1.NTC.%d", i),
		BuyerNIT: buyer, BuyerName: "ENTIDAD " + buyer,
		Supplier:    registry.Party{DocType: "NIT", DocNumber: strconv.Itoa(900_000_000 + r.IntN(50_000)*1_777), Name: "SOLUCIONES TECNOLOGICAS S.A.S."},
		Description: d.String(), UNSPSC: []string{g.unspsc[r.IntN(len(g.unspsc))]},
		Modality: "Contratación directa", ContractType: "Prestación de servicios", Status: "En ejecución",
		Value: int64(math.Pow(10, 6+4*r.Float64())), SignedAt: &signed, Year: signed.Year(),
		DepartmentCode: fmt.Sprintf("%02d", 5+r.IntN(90)), SoftwareScore: math.Round(r.Float64()*100) / 100,
		SoftwareReasons: []string{"unspsc", "keywords"}, CreatedAt: signed, UpdatedAt: signed,
		RowHash: fmt.Sprintf("%016x", r.Uint64()),
	}
	if r.IntN(4) == 0 {
		p.UNSPSC = append(p.UNSPSC, g.unspsc[r.IntN(len(g.unspsc))])
	}
	return p
}

func benchOpen(b *testing.B, srv mongotest.Server) *mongo.Store {
	s, err := mongo.Open(context.Background(), srv.URI, mongo.WithDatabase(mongotest.DBName()))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if !srv.Ferret {
			_ = s.DropDatabase(context.Background())
		}
		_ = s.Close()
	})
	return s
}

// fill inserts n purchases in batches and returns them and the time spent
// inside UpsertBatch.
func fill(b *testing.B, s *mongo.Store, n int) ([]registry.Purchase, time.Duration) {
	g := newGen()
	size := envInt(b, "ACERVO_BENCH_BATCH", 1_000)
	all := make([]registry.Purchase, 0, n)
	var spent time.Duration
	for i := 0; i < n; i += size {
		batch := make([]registry.Purchase, 0, size)
		for j := i; j < min(i+size, n); j++ {
			batch = append(batch, g.purchase(j))
		}
		ev := &registry.AuditEvent{Actor: "system:import", Action: "purchase.import", TargetKind: "import", TargetID: "bench"}
		start := time.Now()
		out, err := s.Purchases().UpsertBatch(context.Background(), batch, ev)
		spent += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if out[0] != registry.OutcomeNew {
			b.Fatalf("row %d: %v", i, out[0])
		}
		all = append(all, batch...)
	}
	return all, spent
}

// BenchmarkInsertPurchases inserts the purchases in batches into an empty
// database; each batch is one ordered bulk write with its outboxes, then
// its changes and audit event.
func BenchmarkInsertPurchases(b *testing.B) {
	srv := mongotest.Start(b)
	n := benchRows(b, srv)
	var spent time.Duration
	cpu0 := cpuTime()
	for range b.N {
		b.StopTimer()
		s := benchOpen(b, srv)
		b.StartTimer()
		_, d := fill(b, s, n)
		spent += d
	}
	b.ReportMetric(float64(n*b.N)/spent.Seconds(), "rows/s")
	// The machine is shared: rows per second of this process's CPU time
	// (which includes an in-process FerretDB's) tells cost from waiting.
	b.ReportMetric(float64(n*b.N)/(cpuTime()-cpu0).Seconds(), "rows/cpu-s")
}

// BenchmarkLookup measures single lookups among the purchases: by natural
// key, and the first page (20) of a buyer's purchases, newest first.
func BenchmarkLookup(b *testing.B) {
	srv := mongotest.Start(b)
	n := benchRows(b, srv)
	s := benchOpen(b, srv)
	all, _ := fill(b, s, n)
	rnd := rand.New(rand.NewPCG(7, 7))
	ctx := context.Background()
	b.Run("ByNaturalKey", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		for b.Loop() {
			k := all[rnd.IntN(len(all))]
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
			buyer := all[rnd.IntN(len(all))].BuyerNIT
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
