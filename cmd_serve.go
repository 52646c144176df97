package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/storemetrics"
)

type serveFlags struct {
	storeFlags
	addr string
	demo bool
}

func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	var f serveFlags
	fs := newFlags("serve", stderr)
	f.storeFlags.register(fs)
	fs.StringVar(&f.addr, "addr", ":8080", "address to listen on (127.0.0.1:0 picks a free port)")
	fs.BoolVar(&f.demo, "demo", false, "start with the demo registry")
	if err := parseFlags(fs, args, getenv); err != nil {
		return 2
	}
	log := newLogger(stderr, getenv)

	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		fmt.Fprintf(stderr, "acervo: cannot listen on %s: %v\n", f.addr, unwrapNet(err))
		return 2
	}
	defer ln.Close()

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
	svc := newService(st, log)

	if f.demo {
		fmt.Fprintln(stdout, "acervo: --demo: the demo registry is not built yet; starting an empty registry")
	}

	h := newServer(serverDeps{Store: st, Service: svc, Log: log, Metrics: reg})
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "acervo: listening on http://%s\n", displayAddr(ln.Addr()))

	select {
	case err := <-errc:
		log.Error("server stopped", "err", err)
		return 1
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("shutdown", "err", err)
	}
	return 0
}

// serverDeps is what the HTTP server is built from.
type serverDeps struct {
	Store   registry.Store
	Service *registry.Service
	Log     *slog.Logger
	Metrics *prometheus.Registry
}

// newServer routes every HTTP interface of Acervo.
func newServer(d serverDeps) http.Handler {
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
	return r
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
