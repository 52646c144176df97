package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/acervo-co/acervo/gitsync"
	"github.com/acervo-co/acervo/graphql"
	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/search"
	"github.com/acervo-co/acervo/registry/storemetrics"
	"github.com/acervo-co/acervo/web"
)

type serveFlags struct {
	storeFlags
	mirrorFlags
	addr      string
	demo      bool
	baseURL   string
	secure    bool
	noSync    bool
	matchTick time.Duration
	rates     graphql.RateLimits
	debugAddr string
	brandDir  string
}

func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	var f serveFlags
	fs := newFlags("serve", stderr)
	f.storeFlags.register(fs)
	f.mirrorFlags.register(fs)
	fs.StringVar(&f.addr, "addr", ":8080", "address to listen on (127.0.0.1:0 picks a free port)")
	fs.BoolVar(&f.demo, "demo", false, "start with the demo registry (data in ./acervo-demo unless --data is given)")
	fs.StringVar(&f.baseURL, "base-url", "", "public URL of this Acervo, e.g. https://acervo.gov.co (clone URLs, OIDC); empty: from each request")
	fs.BoolVar(&f.secure, "secure-cookies", false, "mark cookies Secure and use the __Host- session cookie (needs HTTPS; on by default when --base-url is https)")
	fs.BoolVar(&f.noSync, "no-sync", false, "do not run the sync scheduler in this process")
	fs.DurationVar(&f.matchTick, "match-interval", 30*time.Second, "how often the matcher and the notifier look for new changes")
	fs.IntVar(&f.rates.AnonymousPoints, "rate-anonymous", 1000, "GraphQL points per client IP and window")
	fs.IntVar(&f.rates.TokenPoints, "rate-token", 5000, "GraphQL points per token or signed-in user and window")
	fs.DurationVar(&f.rates.Window, "rate-window", time.Hour, "GraphQL rate-limit window")
	fs.IntVar(&f.rates.Concurrent, "rate-concurrent", 10, "GraphQL requests in flight per caller")
	fs.StringVar(&f.brandDir, "brand-dir", "", "directory with the official govco.svg and co-colombia.svg (GOV.CO design system v5) to serve instead of the built-in stand-ins")
	fs.StringVar(&f.debugAddr, "debug-addr", "", "serve Go profiles (/debug/pprof/) on this loopback address, e.g. 127.0.0.1:6060; empty: off")
	if err := parseFlags(fs, args, getenv); err != nil {
		return 2
	}
	if f.demo && !flagGiven(fs, "data") && getenv(envName("data")) == "" {
		f.data = "./acervo-demo"
	}
	if strings.HasPrefix(f.baseURL, "https://") && !flagGiven(fs, "secure-cookies") {
		f.secure = true
	}
	if f.brandDir != "" {
		if err := web.CheckBrandDir(f.brandDir); err != nil {
			fmt.Fprintf(stderr, "acervo: --brand-dir: %v\n", err)
			return 2
		}
	}
	log := newLogger(stderr, getenv)

	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		fmt.Fprintf(stderr, "acervo: cannot listen on %s: %v\n", f.addr, unwrapNet(err))
		return 2
	}
	defer ln.Close()
	if f.debugAddr != "" {
		stop, err := startDebug(f.debugAddr, log)
		if err != nil {
			fmt.Fprintf(stderr, "acervo: %v\n", err)
			return 2
		}
		defer stop()
	}

	syncCfg, err := f.mirrorFlags.syncConfig(f.storeFlags)
	if err != nil {
		fmt.Fprintf(stderr, "acervo: %v\n", trimSetup(err))
		return 2
	}
	if f.demo {
		// The demo's generated repositories are local directories.
		syncCfg.Policy.AllowLocal = append(syncCfg.Policy.AllowLocal, demoReposDir(f.storeFlags))
	}

	st, err := openStore(ctx, f.storeFlags, log)
	if err != nil {
		fmt.Fprintf(stderr, "acervo: %v\n", trimSetup(err))
		return 2
	}
	defer st.Close()
	reg := prometheus.NewRegistry()
	storeOps := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "acervo_store_operation_duration_seconds", Help: "Store calls by operation and result.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}}, []string{"op", "result"})
	reg.MustRegister(storeOps)
	st = storemetrics.Wrap(st, func(op string, d time.Duration, err error) {
		result := "ok"
		if err != nil {
			result = "error"
		}
		storeOps.WithLabelValues(op, result).Observe(d.Seconds())
	})
	svc := newService(st, log, registry.WithRepositoryChecker(repositoryChecker(syncCfg.Policy)))

	ix, err := search.Open(ctx, st, search.Options{Dir: searchIndexDir(f.storeFlags), Logger: log})
	if err != nil {
		fmt.Fprintf(stderr, "acervo: search index in %s: %v\n", searchIndexDir(f.storeFlags), err)
		return 2
	}
	defer ix.Close()
	ix.Attach(svc)

	syncCfg.Poll = 5 * time.Second // a repository registered on the web is mirrored within seconds
	syncer, err := gitsync.New(syncCfg, svc, log)
	if err != nil {
		fmt.Fprintf(stderr, "acervo: %v\n", err)
		return 2
	}
	// Webhooks go to entities' endpoints: outside URLs, under the same
	// egress policy as mirrors (but not limited to the mirrors' domains).
	hookPolicy := *syncCfg.Policy
	hookPolicy.AllowedDomains, hookPolicy.AllowLocal = nil, nil
	workers, err := newMatchWorkers(svc, f.storeFlags, getenv, log, ix, hookPolicy.HTTPClient(nil))
	if err != nil {
		fmt.Fprintf(stderr, "acervo: %v\n", trimSetup(err))
		return 2
	}

	var demoInfo *demoResult
	if f.demo {
		fmt.Fprintf(stdout, "acervo: preparing the demo registry in %s …\n", f.data)
		start := time.Now()
		demoInfo, err = prepareDemo(ctx, svc, syncer, workers, ix, f.storeFlags, log)
		if err != nil {
			fmt.Fprintf(stderr, "acervo: demo: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "acervo: demo ready in %s\n", time.Since(start).Round(100*time.Millisecond))
	}

	bg, stopBG := context.WithCancel(ctx)
	defer stopBG()
	// The handler first: a configuration it refuses (a bad --brand-dir)
	// ends the command before any background work has started.
	h, err := newServer(serverDeps{Store: st, Service: svc, Log: log, Metrics: reg, Search: ix, Syncer: syncer,
		Extension: workers.Extension, BaseURL: f.baseURL, Secure: f.secure, BrandDir: f.brandDir, Data: f.storeFlags, Getenv: getenv, Background: bg, RateLimits: f.rates})
	if err != nil {
		fmt.Fprintf(stderr, "acervo: %v\n", err)
		return 2
	}
	// Background work ends before the command returns: a shutdown leaves
	// no sync, match or index catch-up running against a closed store.
	var bgWork sync.WaitGroup
	defer func() {
		stopBG()
		done := make(chan struct{})
		go func() { bgWork.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			log.Warn("background work still running at exit")
		}
	}()
	bgWork.Go(func() { ix.Watch(bg) })
	if !f.noSync {
		bgWork.Go(func() {
			if err := syncer.Run(registry.WithActor(bg, registry.SystemActor("sync"))); err != nil && bg.Err() == nil {
				log.Error("sync scheduler stopped", "err", err)
			}
		})
	}
	bgWork.Go(workers.Run(registry.WithActor(bg, registry.SystemActor("link")), f.matchTick))

	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	base := "http://" + displayAddr(ln.Addr())
	fmt.Fprintf(stdout, "acervo: listening on %s\n", base)
	if demoInfo != nil {
		demoInfo.print(stdout, base)
	}

	select {
	case err := <-errc:
		log.Error("server stopped", "err", err)
		return 1
	case <-ctx.Done():
	}
	log.Info("shutting down")
	stopBG()
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("shutdown", "err", err)
	}
	return 0
}

func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			given = true
		}
	})
	return given
}

// serverDeps is what the HTTP server is built from.
type serverDeps struct {
	Store      registry.Store
	Service    *registry.Service
	Log        *slog.Logger
	Metrics    *prometheus.Registry
	Search     *search.Index
	Syncer     *gitsync.Syncer
	Extension  graphql.Extension
	BaseURL    string
	Secure     bool
	BrandDir   string
	Data       storeFlags
	Getenv     func(string) string
	RateLimits graphql.RateLimits
	// Background is the context of work that outlives a request.
	Background context.Context
}

// newServer routes every HTTP interface of Acervo.
func newServer(d serverDeps) (http.Handler, error) {
	reg := d.Metrics
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "acervo_http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "code"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "acervo_http_request_duration_seconds", Help: "HTTP request latency by route.", Buckets: prometheus.DefBuckets}, []string{"route"})
	reg.MustRegister(requests, latency)

	r := mux.NewRouter()
	r.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	r.HandleFunc("/readyz", func(w http.ResponseWriter, req *http.Request) {
		ctx, cancel := context.WithTimeout(req.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := d.Store.Ping(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "store unreachable\n")
			return
		}
		io.WriteString(w, "ready\n")
	})
	r.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))

	if d.Search != nil {
		var exts []graphql.Extension
		if d.Extension != nil {
			exts = append(exts, d.Extension)
		}
		var register graphql.Registrar
		if d.Syncer != nil {
			// A registered repository is mirrored at once, in the background.
			register = func(ctx context.Context, u string) (registry.Asset, error) {
				a, m, err := d.Service.RegisterRepository(ctx, u)
				if err == nil && d.Background != nil {
					go d.Syncer.SyncMirror(registry.WithActor(d.Background, registry.SystemActor("sync")), m, false)
				}
				return a, err
			}
		}
		api, err := graphql.NewHandler(graphql.Config{Service: d.Service, Search: d.Search, Logger: d.Log, Extensions: exts, RegisterRepository: register, RateLimits: d.RateLimits})
		if err != nil {
			return nil, fmt.Errorf("graphql: %w", err)
		}
		r.Handle("/graphql", api)
		giql, err := graphql.GraphiQLHandler("/graphiql", "/graphql")
		if err != nil {
			return nil, fmt.Errorf("graphiql: %w", err)
		}
		r.PathPrefix("/graphiql").Handler(giql)
	}
	if d.Syncer != nil {
		r.PathPrefix("/git/").Handler(d.Syncer.Handler())
	}
	if d.Service != nil {
		r.Handle("/api/import", importHandler(d.Service, d.Data, d.Log))
	}
	od := newOpenData(d.Store, dataPath(d.Data, "datos"), d.Service.Now, d.Log)
	r.PathPrefix("/datos/").Handler(od)
	if d.Service != nil {
		var searcher web.Searcher
		var text registry.TextSearcher
		if d.Search != nil {
			searcher, text = webSearcher{d.Search}, textSearcher(d.Search)
		}
		ui, err := web.New(web.Config{Service: d.Service, Searcher: searcher, TextSearcher: text, Logger: d.Log,
			BaseURL: d.BaseURL, Secure: d.Secure, BrandDir: d.BrandDir, OIDC: oidcFromEnv(d.Getenv), OpenData: od.page()})
		if err != nil {
			return nil, fmt.Errorf("web: %w", err)
		}
		r.PathPrefix("/").Handler(ui)
	}

	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			start := time.Now()
			sw := &statusWriter{ResponseWriter: w, code: 200}
			next.ServeHTTP(sw, req)
			route := "other"
			if m := mux.CurrentRoute(req); m != nil {
				if tpl, err := m.GetPathTemplate(); err == nil {
					route = tpl
				}
			}
			requests.WithLabelValues(route, strconv.Itoa(sw.code)).Inc()
			latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
		})
	})
	return r, nil
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (s *statusWriter) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// displayAddr turns ":8080" or "[::]:8080" into a host a browser can open.
func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

func unwrapNet(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err
	}
	return err
}

func trimSetup(err error) string {
	s := err.Error()
	if p := errSetup.Error() + ": "; len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}
