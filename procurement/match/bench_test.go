package match_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/acervo-co/acervo/procurement/match"
	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/sqlite"
)

// Scale benchmarks (the matcher part of scripts/bench):
//
//	go test ./procurement/match -run '^$' -bench 'BenchmarkMatchScale' -benchtime 1x -timeout 30m
//	go test ./procurement/match -run '^$' -bench 'BenchmarkIncremental' -benchtime 1x -timeout 30m
//
// Sizes come from the environment: ACERVO_BENCH_PURCHASES (default
// 1,000,000), ACERVO_BENCH_ASSETS (10,000), ACERVO_BENCH_ALIASES (5),
// ACERVO_BENCH_BASE (purchases already in the store for the incremental
// run, default 100,000), ACERVO_BENCH_IMPORT (rows of the import, 10,000).
// Each benchmark reports seconds and peak resident memory as metrics.

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// peakRSSMB reads the process's peak resident set (VmHWM) in MiB.
func peakRSSMB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

// cpuTime is the process's user plus system CPU time: on a shared machine
// it measures the work, where wall time also measures the neighbours.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

var syllables = []string{"ta", "ri", "po", "gal", "mex", "so", "fi", "lu", "dor", "ven", "qui", "ra", "zen", "bel", "cor", "nu", "ga", "tes", "mon", "pla", "xi", "dra", "vel", "sur"}

// productName makes a pronounceable, unique product name from an integer.
func productName(i int) string {
	var b strings.Builder
	for n, k := i+len(syllables)*len(syllables), 0; k < 4 && (n > 0 || k < 3); k++ {
		b.WriteString(syllables[n%len(syllables)])
		n /= len(syllables)
	}
	s := b.String()
	return strings.ToUpper(s[:1]) + s[1:]
}

// genAssets makes n assets with aliases names each: the name, "NAME WEB",
// "Sistema NAME", an acronym and "NAME ERP"; half are public with a
// repository and a category.
func genAssets(n, aliases int) []match.AssetInfo {
	cats := []string{"document-management", "accounting", "erp", "hr", "learning-management-system", "geographic-information-systems"}
	out := make([]match.AssetInfo, n)
	for i := range out {
		name := productName(i)
		al := []string{name, name + " Web", "Sistema " + name, strings.ToUpper(name[:3]) + strconv.Itoa(i%97), name + " ERP", name + " Nube", name + " Plus"}
		a := registry.Asset{ID: "asset-" + strconv.Itoa(i), Slug: strings.ToLower(name), Name: name, Aliases: al[:min(aliases, len(al))], Active: true}
		if i%2 == 0 {
			a.Kind, a.RepositoryURL, a.Categories = registry.AssetPublic, "https://git.example.gov.co/entidad/"+strings.ToLower(name), []string{cats[i%len(cats)]}
		} else {
			a.Kind = registry.AssetCommercial
		}
		out[i] = match.AssetInfo{Asset: a, Adopters: i % 7}
	}
	return out
}

// Description fragments in the style of SECOP contracts.
var (
	personalOpen = []string{
		"PRESTACIÓN DE SERVICIOS PROFESIONALES PARA", "PRESTAR LOS SERVICIOS DE APOYO A LA GESTIÓN EN", "PRESTACIÓN DE SERVICIOS PERSONALES DE CARÁCTER TEMPORAL PARA",
		"CONTRATAR LA PRESTACIÓN DE SERVICIOS DE APOYO ASISTENCIAL PARA",
	}
	personalTask = []string{
		"EL REGISTRO Y CONCILIACIÓN DE PAGOS EN EL APLICATIVO %s", "LA RADICACIÓN Y ORGANIZACIÓN DEL ARCHIVO DOCUMENTAL EN %s",
		"EL CARGUE DE INFORMACIÓN Y REPORTES EN LA PLATAFORMA %s", "LA GESTIÓN CONTABLE Y FINANCIERA DE LA ENTIDAD",
		"APOYAR LA SECRETARÍA DE PLANEACIÓN EN LA ACTUALIZACIÓN DE LA BASE DE DATOS", "LA ATENCIÓN AL CIUDADANO EN LOS PUNTOS DE SERVICIO",
	}
	firmTask = []string{
		"SOPORTE TÉCNICO; ACTUALIZACIÓN Y MANTENIMIENTO DEL SOFTWARE %s", "RENOVACIÓN DEL LICENCIAMIENTO DE %s POR UN AÑO",
		"DESARROLLO E IMPLEMENTACIÓN DE NUEVAS FUNCIONALIDADES DEL SISTEMA %s", "SERVICIO DE HOSTING Y COMPUTACIÓN EN LA NUBE DE LA APLICACIÓN %s",
		"ADQUISICIÓN DE EQUIPOS DE CÓMPUTO Y PERIFÉRICOS", "SUMINISTRO DE PAPELERÍA Y ÚTILES DE OFICINA", "MANTENIMIENTO PREVENTIVO Y CORRECTIVO DE VEHÍCULOS",
		"SERVICIO DE INTERNET DEDICADO Y CANAL DE DATOS", "ADQUISICIÓN DE LICENCIAS DE ANTIVIRUS PARA LOS EQUIPOS",
	}
	tail = []string{
		"DE LA ALCALDÍA MUNICIPAL", "EN EL MARCO DEL PLAN DE DESARROLLO VIGENTE", "PARA LA VIGENCIA 2025", "DE LA SECRETARÍA DE HACIENDA",
		"CON EL FIN DE FORTALECER LA GESTIÓN INSTITUCIONAL", "CONFORME A LAS ESPECIFICACIONES TÉCNICAS", "DEL INSTITUTO DEPARTAMENTAL DE SALUD",
	}
	unspscs = []string{"80111600", "80111700", "81112200", "81111500", "43231500", "43232300", "81112500", "44121700", "43211500", "81161700"}
)

// genPurchase fills p with a generated purchase; one in mentionEvery names
// an alias of a random asset.
func genPurchase(i int, assets []match.AssetInfo, mentionEvery int, p *registry.Purchase, b *strings.Builder) {
	r := rand.New(rand.NewPCG(uint64(i), 0x5eed))
	b.Reset()
	personal := r.IntN(10) < 4
	product := "EL SISTEMA DE INFORMACIÓN"
	if r.IntN(mentionEvery) == 0 {
		a := assets[r.IntN(len(assets))].Asset
		product = strings.ToUpper(a.Aliases[r.IntN(len(a.Aliases))])
	}
	if personal {
		b.WriteString(personalOpen[r.IntN(len(personalOpen))])
		b.WriteByte(' ')
		fmt.Fprintf(b, personalTask[r.IntN(len(personalTask))], product)
	} else {
		fmt.Fprintf(b, firmTask[r.IntN(len(firmTask))], product)
	}
	for k := 1 + r.IntN(3); k > 0; k-- {
		b.WriteString("; ")
		b.WriteString(tail[r.IntN(len(tail))])
	}
	*p = registry.Purchase{
		ID: "p" + strconv.Itoa(i), Source: registry.SourceSECOPII, ContractID: "CO1.PCCNTR." + strconv.Itoa(i),
		BuyerNIT: strconv.Itoa(800000000 + r.IntN(9000)), Description: b.String(), Value: int64(1_000_000 + r.IntN(500_000_000)),
		UNSPSC: []string{unspscs[r.IntN(len(unspscs))]}, Year: 2023 + r.IntN(4), ContractType: "Prestación de servicios",
	}
	if personal {
		p.Supplier = registry.Party{DocType: "CC", DocNumber: strconv.Itoa(10000000 + r.IntN(90000000)), Name: "CONTRATISTA " + strconv.Itoa(i), NaturalPerson: true}
	} else {
		p.Supplier = registry.Party{DocType: "NIT", DocNumber: strconv.Itoa(900000000 + r.IntN(99999)), Name: "SOLUCIONES " + strconv.Itoa(i%5000) + " S.A.S."}
	}
	p.RowHash = strconv.Itoa(i)
}

// BenchmarkMatchScale matches ACERVO_BENCH_PURCHASES generated purchases
// (streamed, as a store scan would deliver them) against ACERVO_BENCH_ASSETS
// assets with ACERVO_BENCH_ALIASES aliases each, on every core.
func BenchmarkMatchScale(b *testing.B) {
	nP := envInt("ACERVO_BENCH_PURCHASES", 1_000_000)
	nA := envInt("ACERVO_BENCH_ASSETS", 10_000)
	nAl := envInt("ACERVO_BENCH_ALIASES", 5)
	assets := genAssets(nA, nAl)
	t0 := time.Now()
	m := match.New(match.Build(assets), match.Options{})
	build := time.Since(t0)
	workers := runtime.GOMAXPROCS(0)
	var cpu time.Duration
	run := func(doMatch bool) (time.Duration, int64, int64) {
		var next, candidates, suggestions atomic.Int64
		var wg sync.WaitGroup
		start, cpu0 := time.Now(), cpuTime()
		defer func() { cpu = cpuTime() - cpu0 }()
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var s match.Scratch
				var p registry.Purchase
				var sb strings.Builder
				out := make([]match.Candidate, 0, 8)
				for {
					lo := int(next.Add(1000)) - 1000
					if lo >= nP {
						return
					}
					for i := lo; i < min(lo+1000, nP); i++ {
						genPurchase(i, assets, 20, &p, &sb)
						if !doMatch {
							continue
						}
						out = m.MatchInto(&p, &s, out[:0])
						candidates.Add(int64(len(out)))
						for _, c := range out {
							if c.Relation != match.RelUse && c.Score >= m.Threshold() {
								suggestions.Add(1)
							}
						}
					}
				}
			}()
		}
		wg.Wait()
		return time.Since(start), candidates.Load(), suggestions.Load()
	}
	b.ResetTimer()
	var total, gen, cpuAll, cpuGen time.Duration
	var cands, sugg int64
	for range b.N {
		total, cands, sugg = run(true)
		cpuAll = cpu
	}
	b.StopTimer()
	gen, _, _ = run(false)
	cpuGen = cpu
	b.ReportMetric(total.Seconds(), "s/run")
	b.ReportMetric(gen.Seconds(), "s-generation-only")
	b.ReportMetric(cpuAll.Seconds(), "cpu-s/run")
	b.ReportMetric(cpuGen.Seconds(), "cpu-s-generation-only")
	b.ReportMetric(float64(nP)/total.Seconds(), "purchases/s")
	b.ReportMetric(build.Seconds(), "s-index-build")
	b.ReportMetric(peakRSSMB(), "peak-RSS-MiB")
	b.ReportMetric(float64(cands), "candidates")
	b.ReportMetric(float64(sugg), "suggestions")
	b.Logf("%d purchases × %d assets × %d aliases on %d workers: %.1f s wall, %.1f s CPU (generation alone %.1f s wall, %.1f s CPU), index built in %.2f s, peak RSS %.0f MiB, %d candidates, %d suggestions",
		nP, nA, nAl, workers, total.Seconds(), cpuAll.Seconds(), gen.Seconds(), cpuGen.Seconds(), build.Seconds(), peakRSSMB(), cands, sugg)
}

// BenchmarkIncremental measures the matcher's incremental run after an
// import of ACERVO_BENCH_IMPORT rows into a real SQLite store that already
// holds ACERVO_BENCH_BASE purchases and ACERVO_BENCH_ASSETS assets. Only
// the incremental run is timed (reading the changes, loading the new rows,
// matching, writing their suggestions).
func BenchmarkIncremental(b *testing.B) {
	nBase := envInt("ACERVO_BENCH_BASE", 100_000)
	nImport := envInt("ACERVO_BENCH_IMPORT", 10_000)
	nA := envInt("ACERVO_BENCH_ASSETS", 10_000)
	nAl := envInt("ACERVO_BENCH_ALIASES", 5)
	ctx := b.Context()
	st, err := sqlite.Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	svc := registry.NewService(st)
	sys := registry.WithActor(ctx, registry.SystemActor("bench"))
	assets := genAssets(nA, nAl)
	for i := range assets {
		a := assets[i].Asset
		a.ID = ""
		if err := svc.CreateAsset(sys, &a); err != nil {
			b.Fatal(err)
		}
		assets[i].Asset.ID = a.ID
	}
	seq := 0
	load := func(n int) {
		batch := make([]registry.Purchase, 0, 500)
		var sb strings.Builder
		for i := 0; i < n; i++ {
			var p registry.Purchase
			genPurchase(seq, assets, 20, &p, &sb)
			p.ID = ""
			seq++
			batch = append(batch, p)
			if len(batch) == cap(batch) || i == n-1 {
				if _, err := svc.ImportPurchases(sys, "bench", batch); err != nil {
					b.Fatal(err)
				}
				batch = batch[:0]
			}
		}
	}
	load(nBase)
	r := match.NewRunner(svc, match.Options{}, nil)
	t0 := time.Now()
	if _, err := r.Full(ctx, nil); err != nil {
		b.Fatal(err)
	}
	full := time.Since(t0)
	b.ResetTimer()
	var last match.Stats
	var took, tookCPU time.Duration
	for range b.N {
		b.StopTimer()
		load(nImport)
		b.StartTimer()
		t, c := time.Now(), cpuTime()
		last, err = r.Incremental(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		took, tookCPU = time.Since(t), cpuTime()-c
	}
	b.StopTimer()
	b.ReportMetric(took.Seconds(), "s-incremental")
	b.ReportMetric(tookCPU.Seconds(), "cpu-s-incremental")
	b.ReportMetric(full.Seconds(), "s-full-run-of-base")
	b.ReportMetric(float64(last.Purchases), "purchases-matched")
	b.ReportMetric(float64(last.Suggested+last.Updated), "suggestions-written")
	b.ReportMetric(peakRSSMB(), "peak-RSS-MiB")
	b.Logf("incremental after importing %d rows into %d purchases and %d assets: %.2f s wall, %.2f s CPU (%d purchases matched, %d suggestions written); full run of the base took %.1f s",
		nImport, nBase, nA, took.Seconds(), tookCPU.Seconds(), last.Purchases, last.Suggested+last.Updated, full.Seconds())
}
