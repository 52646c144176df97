// Command bench measures Acervo's GraphQL API on the embedded store at the
// scale of the whole Colombian State (issue 5, item 8): 10,000 assets,
// 10,000 entities, 100,000 adoptions and 1,000,000 purchases, generated
// once into a data directory (reused by later runs), with the bleve index
// built over them. Eight concurrent clients then run, over loopback HTTP,
// four queries — asset search with facets, the asset page, a buyer's
// purchases of a year, an entity's outdated adoptions — and the same reads
// made by calling registry.Service, the store and the index directly. It
// prints p50, p99 and throughput of each, and GraphQL's cost as a ratio of
// the direct calls' mean latency: the handler called in-process (the cost
// of the GraphQL layer) and over HTTP (with the transport).
//
//	go run ./graphql/bench                      # full scale, data in $TMPDIR/acervo-bench
//	go run ./graphql/bench -data DIR -duration 20s -json
//	go run ./graphql/bench -purchases 100000    # a smaller run
//
// Targets: p99 ≤ 50 ms for each query, ratio ≤ 2×. Exit status 1 when a
// target is missed, 2 on a setup error.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/acervo-co/acervo/graphql"
	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/search"
	"github.com/acervo-co/acervo/registry/sqlite"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

type sizes struct {
	Assets, Entities, Adoptions, Purchases, Links int
}

type options struct {
	data     string
	sz       sizes
	clients  int
	duration time.Duration
	warmup   time.Duration
	json     bool
	// uncachedSearch makes every asset search new to the index's caches.
	uncachedSearch bool
	// next numbers the calls of every measure, so that no two calls of
	// a run share a number (and, with uncachedSearch, a search).
	next *atomic.Int64
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o := options{next: new(atomic.Int64)}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.data, "data", filepath.Join(os.TempDir(), "acervo-bench"), "data directory (generated once, reused)")
	fs.IntVar(&o.sz.Assets, "assets", 10_000, "assets")
	fs.IntVar(&o.sz.Entities, "entities", 10_000, "entities")
	fs.IntVar(&o.sz.Adoptions, "adoptions", 100_000, "adoptions")
	fs.IntVar(&o.sz.Purchases, "purchases", 1_000_000, "purchases")
	fs.IntVar(&o.sz.Links, "links", 20_000, "purchase links")
	fs.IntVar(&o.clients, "clients", 8, "concurrent clients")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "measuring time per query and mode")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "warm-up per query and mode")
	fs.BoolVar(&o.json, "json", false, "print one JSON object per query instead of a table")
	fs.BoolVar(&o.uncachedSearch, "uncached-search", false, "write each asset search differently (same meaning) so the index's kept searches never answer it")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the measuring phase to this file")
	prepare := fs.Bool("prepare", false, "only generate the data and build the index, then exit")
	only := fs.String("only", "", "comma-separated words: run only the queries whose name contains one (e.g. search,page)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.sz.Adoptions > o.sz.Entities*10 || o.sz.Assets < 10 || o.sz.Entities < 1 {
		fmt.Fprintln(stderr, "bench: need at most 10 adoptions per entity and at least 10 assets")
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := sqlite.Open(ctx, o.data)
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 2
	}
	defer st.Close()
	if err := generate(ctx, st, o, stderr); err != nil {
		fmt.Fprintf(stderr, "bench: generating: %v\n", err)
		return 2
	}
	start := time.Now()
	ix, err := search.Open(ctx, st, search.Options{Dir: filepath.Join(o.data, "search"), Logger: log})
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 2
	}
	defer ix.Close()
	if ix.Rebuilds() > 0 {
		fmt.Fprintf(stderr, "bench: search index built in %s\n", time.Since(start).Round(time.Second))
	}
	if *prepare {
		docs, _ := ix.DocCount()
		fmt.Fprintf(stdout, "bench: %s holds the data and an index of %d documents\n", o.data, docs)
		return 0
	}
	svc := registry.NewService(st, registry.WithLogger(log))
	h, err := graphql.NewHandler(graphql.Config{Service: svc, Search: ix, Logger: log,
		RateLimits: graphql.RateLimits{AnonymousPoints: math.MaxInt32, TokenPoints: math.MaxInt32, Concurrent: 1024}})
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 2
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.clients * 2}}

	scenarios, err := buildScenarios(ctx, st, ix, o)
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 2
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 2
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 2
		}
		defer pprof.StopCPUProfile()
	}
	var rows []row
	failed := false
	for _, sc := range scenarios {
		if !wanted(*only, sc.name) {
			continue
		}
		load0 := loadAvg()
		gq := measure(ctx, o, func(ctx context.Context, i int) error { return post(ctx, client, srv.URL, sc.query, sc.vars(i)) })
		inproc := measure(ctx, o, func(ctx context.Context, i int) error { return serve(ctx, h, sc.query, sc.vars(i)) })
		direct := measure(ctx, o, sc.direct)
		r := row{Name: sc.name, GraphQL: gq, InProcess: inproc, Direct: direct, Ratio: inproc.Mean / direct.Mean, RatioHTTP: gq.Mean / direct.Mean,
			RatioCPU: inproc.CPUPerReq / direct.CPUPerReq, Load: load0 + " → " + loadAvg()}
		rows = append(rows, r)
		if gq.P99 > 50 || r.Ratio > 2 || gq.Errors > 0 || direct.Errors > 0 || inproc.Errors > 0 {
			failed = true
		}
		if o.json {
			_ = json.NewEncoder(stdout).Encode(r)
			// The same, flat, for scripts/benchtable.
			name := "graphql " + sc.name
			if o.uncachedSearch && strings.Contains(sc.name, "search") {
				name += " (every search new)"
			}
			_ = json.NewEncoder(stdout).Encode(map[string]any{"bench": name,
				"HTTP p50 ms": r.GraphQL.P50, "HTTP p99 ms": r.GraphQL.P99, "HTTP req/s": math.Round(r.GraphQL.Throughput),
				"in-process p99 ms": r.InProcess.P99, "direct p50 ms": r.Direct.P50, "direct p99 ms": r.Direct.P99,
				"ratio (mean latency)": r.Ratio, "ratio (CPU per request)": r.RatioCPU, "load average": r.Load,
				"errors": r.GraphQL.Errors + r.InProcess.Errors + r.Direct.Errors})
		}
		if ctx.Err() != nil {
			return 2
		}
	}
	if !o.json {
		printTable(stdout, o, rows)
	}
	if failed {
		return 1
	}
	return 0
}

// wanted reports whether name contains one of the comma-separated words
// of only (or only is empty).
func wanted(only, name string) bool {
	if only == "" {
		return true
	}
	for _, w := range strings.Split(only, ",") {
		if w = strings.TrimSpace(w); w != "" && strings.Contains(name, w) {
			return true
		}
	}
	return false
}

// stats are the latencies (ms) of one query in one mode.
type stats struct {
	Requests   int     `json:"requests"`
	Errors     int     `json:"errors"`
	P50        float64 `json:"p50Ms"`
	P99        float64 `json:"p99Ms"`
	Mean       float64 `json:"meanMs"`
	Throughput float64 `json:"perSecond"`
	// CPUPerReq is the process's CPU time (user and system, all threads)
	// per request while measuring: unlike latency it hardly moves when
	// other processes load the machine. Over HTTP it includes the client.
	CPUPerReq  float64 `json:"cpuMsPerRequest"`
	FirstError string  `json:"firstError,omitempty"`
}

type row struct {
	Name      string  `json:"query"`
	GraphQL   stats   `json:"graphql"`     // over loopback HTTP
	InProcess stats   `json:"inProcess"`   // the handler called in-process (no transport)
	Direct    stats   `json:"direct"`      // Service, store and index called directly
	Ratio     float64 `json:"ratio"`       // in-process GraphQL mean / direct mean
	RatioCPU  float64 `json:"ratioCpu"`    // in-process GraphQL CPU per request / direct's
	RatioHTTP float64 `json:"ratioHttp"`   // HTTP GraphQL mean / direct mean
	Load      string  `json:"loadAverage"` // 1-minute load average before → after
}

func printTable(w io.Writer, o options, rows []row) {
	fmt.Fprintf(w, "\n%d assets, %d entities, %d adoptions, %d purchases; %d clients, %s per query and mode, loopback HTTP\n\n",
		o.sz.Assets, o.sz.Entities, o.sz.Adoptions, o.sz.Purchases, o.clients, o.duration)
	fmt.Fprintln(w, "| query | HTTP p50 | HTTP p99 | HTTP req/s | in-process p50 | in-process p99 | direct p50 | direct p99 | direct req/s | ratio | ratio with HTTP | CPU/req HTTP, in-process, direct | CPU ratio | load average |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %.2f ms | %.2f ms | %.0f | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.0f | %.2f× | %.2f× | %.2f, %.2f, %.2f ms | %.2f× | %s |\n", r.Name,
			r.GraphQL.P50, r.GraphQL.P99, r.GraphQL.Throughput, r.InProcess.P50, r.InProcess.P99,
			r.Direct.P50, r.Direct.P99, r.Direct.Throughput, r.Ratio, r.RatioHTTP,
			r.GraphQL.CPUPerReq, r.InProcess.CPUPerReq, r.Direct.CPUPerReq, r.RatioCPU, r.Load)
		if r.GraphQL.Errors > 0 || r.Direct.Errors > 0 || r.InProcess.Errors > 0 {
			fmt.Fprintf(w, "|  errors: HTTP %d, in-process %d, direct %d: %s%s%s |\n", r.GraphQL.Errors, r.InProcess.Errors, r.Direct.Errors,
				r.GraphQL.FirstError, r.InProcess.FirstError, r.Direct.FirstError)
		}
	}
	fmt.Fprintln(w, "\nratio: mean latency of the GraphQL handler called in-process over that of the same reads made directly; targets p99 (HTTP) ≤ 50 ms, ratio ≤ 2×.")
}

// measure runs fn from o.clients goroutines for o.warmup, then for
// o.duration, recording each call's latency.
func measure(ctx context.Context, o options, fn func(ctx context.Context, i int) error) stats {
	loop := func(d time.Duration, record bool) ([]float64, int, string) {
		var mu sync.Mutex
		var lat []float64
		var errs atomic.Int64
		var first atomic.Value
		deadline := time.Now().Add(d)
		var wg sync.WaitGroup
		for c := 0; c < o.clients; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var mine []float64
				for time.Now().Before(deadline) && ctx.Err() == nil {
					i := int(o.next.Add(1))
					t := time.Now()
					err := fn(ctx, i)
					ms := float64(time.Since(t).Microseconds()) / 1000
					if err != nil {
						errs.Add(1)
						first.CompareAndSwap(nil, err.Error())
						continue
					}
					mine = append(mine, ms)
				}
				if record {
					mu.Lock()
					lat = append(lat, mine...)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		fe, _ := first.Load().(string)
		return lat, int(errs.Load()), fe
	}
	loop(o.warmup, false)
	cpu0 := cpuTime()
	lat, errs, fe := loop(o.duration, true)
	cpu := cpuTime() - cpu0
	s := stats{Requests: len(lat), Errors: errs, FirstError: fe}
	if len(lat) == 0 {
		return s
	}
	sort.Float64s(lat)
	sum := 0.0
	for _, v := range lat {
		sum += v
	}
	s.Mean = sum / float64(len(lat))
	s.P50 = lat[len(lat)/2]
	s.P99 = lat[min(len(lat)-1, int(math.Ceil(float64(len(lat))*0.99))-1)]
	s.Throughput = float64(len(lat)) / o.duration.Seconds()
	s.CPUPerReq = float64(cpu.Microseconds()) / 1000 / float64(len(lat)+errs)
	return s
}

// loadAvg is the machine's 1-minute load average ("?" when unknown): the
// other processes that share the cores make every latency here.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

// cpuTime is the CPU time the process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// serve runs one GraphQL request through the handler in-process.
func serve(ctx context.Context, h http.Handler, query string, vars map[string]any) error {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/graphql", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = "127.0.0.1:1"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || bytes.Contains(rec.Body.Bytes(), []byte(`"errors"`)) {
		return fmt.Errorf("%d %.300s", rec.Code, rec.Body.Bytes())
	}
	return nil
}

// post sends one GraphQL request and checks the answer has no errors.
func post(ctx context.Context, c *http.Client, url, query string, vars map[string]any) error {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 || bytes.Contains(body, []byte(`"errors"`)) {
		return fmt.Errorf("%d %.300s", resp.StatusCode, body)
	}
	return nil
}

type scenario struct {
	name   string
	query  string
	vars   func(i int) map[string]any
	direct func(ctx context.Context, i int) error
}

const (
	searchQuery = `query($q: String!) {
  assets(first: 20, query: $q) {
    totalCount
    edges { cursor score highlights { field snippets } node { id name slug license developmentStatus } }
    facets { field values { value count } }
  }
}`
	assetPageQuery = `query($slug: String!) {
  asset(slug: $slug) {
    id name slug kind license categories developmentStatus repositoryUrl
    description { shortDescription }
    publisher { name nit }
    latestRelease { tag version date }
    releases(first: 10) { totalCount edges { node { tag version date } } }
    adopterCount
    adoptions(first: 20) { totalCount edges { node { status releaseTag outdated entity { name departmentCode } } } }
    purchaseTotals { count total suggestedCount suggestedTotal }
  }
}`
	buyerYearQuery = `query($buyer: String!, $year: Int!) {
  purchases(first: 20, buyer: $buyer, year: $year) {
    totalCount
    edges { cursor node { id contractId source value signedAt description supplier { name docType docNumber } } }
    pageInfo { hasNextPage endCursor }
  }
}`
	outdatedQuery = `query($nit: String!) {
  adoptions(first: 20, entity: $nit, outdatedOnly: true) {
    edges { node { id status releaseTag asset { name slug } release { tag } } }
    pageInfo { hasNextPage }
  }
}`
)

func buildScenarios(ctx context.Context, st registry.Store, ix *search.Index, o options) ([]scenario, error) {
	svc := registry.NewService(st)
	words := []string{"gestión documental", "expedientes", "contratación", "notificaciones", "salud", "educación", "tributario",
		"catastro", "nómina", "ciudadano", "trámites", "interoperabilidad", "archivo", "presupuesto", "inventarios",
		"geográfico", "transparencia", "peticiones", "movilidad", "licencias", "datos abiertos", "firma electrónica"}
	slugs := make([]string, 200)
	for i := range slugs {
		slugs[i] = fmt.Sprintf("activo-%05d", (i*4099)%o.sz.Assets)
	}
	nits := make([]string, 200)
	for i := range nits {
		nits[i] = entityNIT((i * 37) % o.sz.Entities)
	}
	// The year each buyer bought in: generate gives purchase p to buyer
	// (p*31) mod entities in year 2018 + p mod 8, so (entities being a
	// multiple of 8 at the default sizes) all of a buyer's purchases fall
	// in the year of its first one. Asking other years would time empty
	// answers.
	buyerYear := make([]int, len(nits))
	for j := range nits {
		b := (j * 37) % o.sz.Entities
		buyerYear[j] = 2018
		for p := 0; p < min(o.sz.Purchases, 31*o.sz.Entities); p++ {
			if (p*31)%o.sz.Entities == b {
				buyerYear[j] = 2018 + p%8
				break
			}
		}
	}
	// searchText is the i-th search. With -uncached-search each is
	// written differently (trailing stop words, which match nothing) so
	// that the index's kept searches and facet counts never answer it.
	searchText := func(i int) string {
		w := words[i%len(words)]
		if o.uncachedSearch {
			stop := []string{"de", "la", "el", "y", "en", "del", "los", "las"}
			for n := i/len(words) + 1; n > 0; n /= len(stop) {
				w += " " + stop[n%len(stop)]
			}
		}
		return w
	}

	searchDirect := func(ctx context.Context, i int) error {
		// The same data as the GraphQL query, highlights included.
		r, err := ix.SearchAssets(ctx, search.AssetQuery{Text: searchText(i), FacetSize: 10, Highlight: true, Page: registry.Page{First: 20, WantTotal: true}})
		if err != nil {
			return err
		}
		ids := make([]string, len(r.Hits))
		for j, h := range r.Hits {
			ids[j] = h.ID
		}
		_, err = st.Assets().GetMany(ctx, ids)
		return err
	}
	pageDirect := func(ctx context.Context, i int) error {
		a, err := svc.AssetBySlug(ctx, slugs[i%len(slugs)])
		if err != nil {
			return err
		}
		ids := []string{a.ID}
		if _, err := st.Entities().GetMany(ctx, []string{a.PublisherNIT}); err != nil {
			return err
		}
		rs, err := st.Releases().ForAssets(ctx, ids)
		if err != nil {
			return err
		}
		registry.LatestRelease(rs)
		if _, err := st.Releases().List(ctx, registry.ReleaseFilter{AssetID: a.ID, Page: registry.Page{First: 10, WantTotal: true}}); err != nil {
			return err
		}
		ads, err := st.Adoptions().ForAssets(ctx, ids)
		if err != nil {
			return err
		}
		var ens []string
		for _, ad := range ads {
			ens = append(ens, ad.EntityNIT)
		}
		if _, err := st.Entities().GetMany(ctx, ens); err != nil {
			return err
		}
		ls, err := st.Links().ForAssets(ctx, ids, registry.LinkConfirmed, registry.LinkSuggested)
		if err != nil {
			return err
		}
		var pids []string
		for _, l := range ls {
			pids = append(pids, l.PurchaseID)
		}
		if len(pids) > 0 {
			_, err = st.Purchases().GetMany(ctx, pids)
		}
		return err
	}
	buyerDirect := func(ctx context.Context, i int) error {
		l, err := svc.Purchases(ctx, registry.PurchaseFilter{BuyerNIT: nits[i%len(nits)], Year: buyerYear[i%len(nits)], Page: registry.Page{First: 20, WantTotal: true}})
		if err == nil && len(l.Items) == 0 {
			err = fmt.Errorf("buyer %s bought nothing in %d: the benchmark would time empty answers", nits[i%len(nits)], buyerYear[i%len(nits)])
		}
		return err
	}
	outdatedDirect := func(ctx context.Context, i int) error {
		l, err := st.Adoptions().List(ctx, registry.AdoptionFilter{EntityNIT: nits[i%len(nits)], Page: registry.Page{First: 100}})
		if err != nil {
			return err
		}
		var ids []string
		for _, ad := range l.Items {
			ids = append(ids, ad.AssetID)
		}
		rs, err := st.Releases().ForAssets(ctx, ids)
		if err != nil {
			return err
		}
		by := map[string][]registry.Release{}
		for _, r := range rs {
			by[r.AssetID] = append(by[r.AssetID], r)
		}
		var keep []string
		for _, ad := range l.Items {
			latest, ok := registry.LatestRelease(by[ad.AssetID])
			if ok && ad.ReleaseTag != latest.Tag {
				keep = append(keep, ad.AssetID)
			}
		}
		_, err = st.Assets().GetMany(ctx, keep)
		return err
	}
	return []scenario{
		{"asset search with facets", searchQuery, func(i int) map[string]any { return map[string]any{"q": searchText(i)} }, searchDirect},
		{"asset page", assetPageQuery, func(i int) map[string]any { return map[string]any{"slug": slugs[i%len(slugs)]} }, pageDirect},
		{"buyer's purchases by year", buyerYearQuery, func(i int) map[string]any {
			return map[string]any{"buyer": nits[i%len(nits)], "year": buyerYear[i%len(nits)]}
		}, buyerDirect},
		{"outdated adoptions of an entity", outdatedQuery, func(i int) map[string]any { return map[string]any{"nit": nits[i%len(nits)]} }, outdatedDirect},
	}, nil
}

// ---- generation ----

var (
	sectors  = []string{"Salud", "Educación", "Hacienda", "Justicia", "Transporte", "TIC", "Ambiente", "Agricultura", "Cultura", "Defensa"}
	depts    = []string{"05", "08", "11", "13", "15", "17", "18", "19", "20", "23", "25", "27", "41", "44", "47", "50", "52", "54", "63", "66", "68", "70", "73", "76", "81", "85", "86", "88", "91", "94", "95", "97", "99"}
	nouns    = []string{"sistema", "plataforma", "portal", "aplicación", "módulo", "servicio", "herramienta", "solución", "gestor", "visor"}
	topics   = []string{"gestión documental", "expedientes electrónicos", "contratación pública", "notificaciones ciudadanas", "historia clínica", "matrícula escolar", "impuesto predial", "catastro multipropósito", "nómina", "peticiones quejas y reclamos", "trámites en línea", "interoperabilidad", "archivo digital", "presupuesto", "inventarios", "información geográfica", "transparencia", "movilidad", "licencias de construcción", "datos abiertos", "firma electrónica", "ventanilla única", "tesorería", "talento humano", "planeación"}
	extra    = []string{"para entidades territoriales", "del orden nacional", "con servicios web", "en la nube", "con tablero de control", "para la ciudadanía", "con firma digital", "y reportes", "móvil", "de código abierto"}
	licenses = []string{"GPL-3.0-or-later", "MIT", "Apache-2.0", "AGPL-3.0-or-later", "EUPL-1.2", "LGPL-3.0-only", "BSD-3-Clause"}
	langs    = []string{"Java", "PHP", "Python", "JavaScript", "TypeScript", "C#", "Go", "Kotlin"}
	cats     = []string{"document-management", "e-government", "health", "education", "finance", "gis", "hr", "procurement", "open-data", "citizen-engagement"}
	statuses = []string{registry.StatusStable, registry.StatusBeta, registry.StatusDevelopment, registry.StatusStable, registry.StatusObsolete}
	unspsc   = []string{"81112200", "81111500", "43231500", "81112100", "43232300", "81111800", "81161700", "43233200"}
	verbs    = []string{"Prestación de servicios de", "Soporte y mantenimiento de", "Adquisición de licencias de", "Desarrollo e implementación de", "Renovación del", "Suministro de", "Actualización de", "Consultoría para"}
)

func entityNIT(i int) string { return fmt.Sprintf("%d", 800_000_000+i) }

func assetName(r *rand.Rand, i int) string {
	return fmt.Sprintf("%s de %s %s %d", strings.ToUpper(nouns[i%len(nouns)][:1])+nouns[i%len(nouns)][1:], topics[r.IntN(len(topics))], extra[r.IntN(len(extra))], i)
}

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// generate fills the store unless a marker says it already holds o.sz.
func generate(ctx context.Context, st registry.Store, o options, log io.Writer) error {
	marker := filepath.Join(o.data, "bench-sizes.json")
	want, _ := json.Marshal(o.sz)
	if b, err := os.ReadFile(marker); err == nil && bytes.Equal(b, want) {
		return nil
	}
	if l, err := st.Assets().List(ctx, registry.AssetFilter{Page: registry.Page{First: 1}}); err == nil && len(l.Items) > 0 {
		return fmt.Errorf("%s holds other data; give an empty -data directory", o.data)
	}
	r := rand.New(rand.NewPCG(1, 2))
	ev := func(action string) *registry.AuditEvent {
		return &registry.AuditEvent{At: t0, Actor: "system:bench", Action: action, TargetKind: "bench", TargetID: "bench"}
	}
	step := func(what string, n int, fn func(i int) error) error {
		start := time.Now()
		for i := 0; i < n; i++ {
			if err := fn(i); err != nil {
				return fmt.Errorf("%s %d: %w", what, i, err)
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
		fmt.Fprintf(log, "bench: %d %s in %s\n", n, what, time.Since(start).Round(time.Millisecond))
		return nil
	}
	err := step("entities", o.sz.Entities, func(i int) error {
		nit := entityNIT(i)
		e := registry.Entity{ID: fmt.Sprintf("ent-%05d", i), NIT: nit, CheckDigit: registry.NITCheckDigit(nit),
			Name: fmt.Sprintf("Entidad %s %d", sectors[i%len(sectors)], i), Orden: []string{registry.OrdenNacional, registry.OrdenTerritorial}[i%2],
			Sector: sectors[i%len(sectors)], DepartmentCode: depts[i%len(depts)], CreatedAt: t0, UpdatedAt: t0}
		return st.Entities().Create(ctx, &e, ev("entity.create"))
	})
	if err != nil {
		return err
	}
	err = step("assets and releases", o.sz.Assets, func(i int) error {
		name := assetName(r, i)
		a := registry.Asset{ID: fmt.Sprintf("asset-%05d", i), Kind: registry.AssetPublic, Slug: fmt.Sprintf("activo-%05d", i), Name: name,
			PublisherNIT: entityNIT(i % o.sz.Entities), RepositoryURL: fmt.Sprintf("https://git.example.gov.co/activos/%d", i),
			License: licenses[i%len(licenses)], Categories: []string{cats[i%len(cats)], cats[(i/3)%len(cats)]},
			DevelopmentStatus: statuses[i%len(statuses)], Languages: []registry.LanguageShare{{Name: langs[i%len(langs)], Share: 1}},
			Descriptions: map[string]registry.Description{"es": {ShortDescription: name + ": " + topics[r.IntN(len(topics))] + " " + extra[r.IntN(len(extra))] + "."}},
			Active:       i%20 != 0, CreatedAt: t0.Add(-time.Duration(i) * time.Hour), UpdatedAt: t0}
		if err := st.Assets().Create(ctx, &a, ev("asset.create")); err != nil {
			return err
		}
		for k, tag := range []string{"v1.0.0", "v1.1.0", "v2.0.0"} {
			rel := registry.Release{ID: fmt.Sprintf("rel-%05d-%d", i, k), AssetID: a.ID, Tag: tag, IsRelease: true, Version: tag[1:],
				Commit: fmt.Sprintf("%040d", i*10+k), Date: t0.AddDate(0, -12+4*k, 0), CreatedAt: t0, UpdatedAt: t0}
			if _, err := st.Releases().Upsert(ctx, &rel, ev("release.upsert")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = step("adoptions", o.sz.Adoptions, func(j int) error {
		e, k := j%o.sz.Entities, j/o.sz.Entities
		asset := (e*13 + k*997) % o.sz.Assets
		ad := registry.Adoption{ID: fmt.Sprintf("ad-%06d", j), EntityNIT: entityNIT(e), AssetID: fmt.Sprintf("asset-%05d", asset),
			ReleaseTag: []string{"v1.0.0", "v1.1.0", "v2.0.0"}[r.IntN(3)], Status: []string{registry.AdoptionProduction, registry.AdoptionPilot, registry.AdoptionProduction, registry.AdoptionEvaluating}[j%4],
			Verification: registry.VerificationSelfDeclared, CreatedAt: t0, UpdatedAt: t0}
		return st.Adoptions().Create(ctx, &ad, ev("adoption.create"))
	})
	if err != nil {
		return err
	}
	const batch = 2000
	err = step("batches of 2,000 purchases", (o.sz.Purchases+batch-1)/batch, func(b int) error {
		var ps []registry.Purchase
		for i := b * batch; i < min((b+1)*batch, o.sz.Purchases); i++ {
			year := 2018 + i%8
			signed := time.Date(year, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC)
			natural := i%5 == 0
			sup := registry.Party{DocType: "NIT", DocNumber: fmt.Sprintf("9%08d", i%50_000), Name: fmt.Sprintf("Proveedor %d S.A.S.", i%50_000)}
			if natural {
				sup = registry.Party{DocType: "CC", DocNumber: fmt.Sprintf("10%08d", i%80_000), Name: fmt.Sprintf("Persona %d", i%80_000), NaturalPerson: true}
			}
			buyer := (i * 31) % o.sz.Entities
			desc := verbs[r.IntN(len(verbs))] + " " + topics[r.IntN(len(topics))] + " " + extra[r.IntN(len(extra))] + " para la " + sectors[buyer%len(sectors)] + " " + topics[r.IntN(len(topics))]
			ps = append(ps, registry.Purchase{ID: fmt.Sprintf("p-%07d", i), Source: []string{registry.SourceSECOPII, registry.SourceSECOPI, registry.SourceTVEC}[i%3],
				ContractID: fmt.Sprintf("CO1.PCCNTR.%07d", i), BuyerNIT: entityNIT(buyer), BuyerName: fmt.Sprintf("ENTIDAD %d", buyer),
				Supplier: sup, LegalRep: registry.Party{DocType: "CC", DocNumber: fmt.Sprintf("7%07d", i%90_000), Name: "Representante", NaturalPerson: true},
				Description: desc, UNSPSC: []string{unspsc[i%len(unspsc)]}, Value: int64(1_000_000 + r.IntN(2_000_000_000)),
				SignedAt: &signed, Year: year, DepartmentCode: depts[buyer%len(depts)], SoftwareScore: 0.5 + float64(i%50)/100,
				RowHash: fmt.Sprintf("h%d", i), CreatedAt: t0, UpdatedAt: t0})
		}
		_, err := st.Purchases().UpsertBatch(ctx, ps, ev("purchase.import"))
		return err
	})
	if err != nil {
		return err
	}
	err = step("links", min(o.sz.Links, o.sz.Purchases), func(i int) error {
		p := (i * 48_271) % o.sz.Purchases
		l := registry.PurchaseLink{ID: fmt.Sprintf("l-%06d", i), PurchaseID: fmt.Sprintf("p-%07d", p), AssetID: fmt.Sprintf("asset-%05d", i%o.sz.Assets),
			Relation: registry.RelSupport, Score: 0.8, State: []string{registry.LinkConfirmed, registry.LinkSuggested}[i%2], CreatedAt: t0, UpdatedAt: t0}
		_, err := st.Links().Upsert(ctx, &l, ev("link.suggest"))
		return err
	})
	if err != nil {
		return err
	}
	return os.WriteFile(marker, want, 0o644)
}
