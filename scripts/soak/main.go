// Command soak runs Acervo's soak test (not part of the unit tests): the
// demo registry under mixed GraphQL and web traffic from 32 loopback
// connections for 10 minutes, while a repository sync and a 100,000-row
// import run. It reports requests served, errors, p50/p99 latency and the
// server's resident memory at the start and at the end, and prints one JSON
// line {"bench":"soak",…} for scripts/bench.
//
//	go run ./scripts/soak -acervo ./acervo -duration 10m
//
// Exit status 1 when a target is missed (errors > 0, memory growth > 10 %),
// 2 when it cannot run.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() { os.Exit(run()) }

type request struct {
	name   string
	method string
	path   string
	body   string
}

var listenRE = regexp.MustCompile(`acervo: listening on (http://\S+)`)

func run() int {
	bin := flag.String("acervo", "", "acervo binary (built from this checkout when empty)")
	duration := flag.Duration("duration", 10*time.Minute, "how long the traffic runs")
	conns := flag.Int("conns", 32, "loopback connections")
	rows := flag.Int("import-rows", 100000, "rows of the SECOP II file imported during the soak")
	work := flag.String("work", "", "work directory (a temporary one when empty)")
	flag.Parse()

	dir := *work
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "soak:", err)
			return 2
		}
	} else {
		d, err := os.MkdirTemp("", "acervo-soak-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "soak:", err)
			return 2
		}
		defer os.RemoveAll(d)
		dir = d
	}
	if *bin == "" {
		*bin = filepath.Join(dir, "acervo")
		if out, err := exec.Command("go", "build", "-o", *bin, ".").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "soak: go build: %v\n%s", err, out)
			return 2
		}
	}
	csvPath := filepath.Join(dir, "contratos.csv")
	if out, err := exec.Command("go", "run", "./procurement/internal/gencsv/cmd/gencsv", "-n", strconv.Itoa(*rows), "-o", csvPath).CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "soak: generating the import file: %v\n%s", err, out)
		return 2
	}
	repos := filepath.Join(dir, "repos")
	os.MkdirAll(repos, 0o755)
	// The repository synced during the soak: 300 commits, 30 releases.
	repo := filepath.Join(repos, "soak-repo")
	if err := makeRepo(repo, 300, 30); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 2
	}

	// The demo registry, with rate limits raised: the soak is one client
	// address making thousands of requests on purpose.
	data := filepath.Join(dir, "data")
	srv := exec.Command(*bin, "serve", "--demo", "--addr", "127.0.0.1:0", "--data", data, "--mirror-allow-local", repos,
		"--rate-anonymous", "100000000", "--rate-token", "100000000", "--rate-concurrent", "1000")
	srv.Env = append(os.Environ(), "ACERVO_LOG_LEVEL=WARN")
	stdout, _ := srv.StdoutPipe()
	var stderr bytes.Buffer
	srv.Stderr = &stderr
	if err := srv.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 2
	}
	defer func() { srv.Process.Signal(os.Interrupt); srv.Wait() }()
	base, err := waitReady(stdout, 5*time.Minute)
	if err != nil {
		fmt.Fprintf(os.Stderr, "soak: %v\n%s", err, stderr.String())
		return 2
	}
	token, err := adminToken(base)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 2
	}
	reqs, err := requestMix(base)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 2
	}
	pid := srv.Process.Pid

	// Warm up, then read the resident memory the growth is measured from.
	traffic(base, reqs, *conns, 20*time.Second)
	rssStart := rss(pid)

	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()
	var side sync.WaitGroup
	var importRes, syncRes string
	var rssAfterImport int64
	var afterImportAt time.Duration
	side.Add(2)
	go func() { // the import, through the server
		defer side.Done()
		f, err := os.Open(csvPath)
		if err != nil {
			importRes = err.Error()
			return
		}
		defer f.Close()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/import?format=secop2&name=soak.csv", f)
		req.Header.Set("Authorization", "Bearer "+token)
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			importRes = err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		importRes = fmt.Sprintf("%s in %s", lines[len(lines)-1], time.Since(start).Round(time.Second))
		// Once the import is in, the data stops growing: from here to the
		// end, growth is what the process keeps, not what the data needs.
		select {
		case <-ctx.Done():
		case <-time.After(30 * time.Second):
			rssAfterImport, afterImportAt = rss(pid), time.Since(start)
		}
	}()
	go func() { // a sync: a new repository registered and mirrored
		defer side.Done()
		start := time.Now()
		body := fmt.Sprintf(`{"query":"mutation($u:String!){registerAsset(input:{repositoryUrl:$u}){result{slug} userErrors{message}}}","variables":{"u":%q}}`, repo)
		b, err := post(base+"/graphql", token, body)
		if err != nil {
			syncRes = err.Error()
			return
		}
		m := regexp.MustCompile(`"slug":"([^"]+)"`).FindStringSubmatch(string(b))
		if m == nil {
			syncRes = "registerAsset: " + string(b)
			return
		}
		for ctx.Err() == nil {
			q, _ := json.Marshal(map[string]any{"query": `query($s:String!){asset(slug:$s){releases(first:1){totalCount}}}`, "variables": map[string]string{"s": m[1]}})
			b, _ := post(base+"/graphql", "", string(q))
			if strings.Contains(string(b), `"totalCount":30`) {
				syncRes = fmt.Sprintf("30 releases mirrored in %s", time.Since(start).Round(time.Second))
				return
			}
			time.Sleep(time.Second)
		}
		syncRes = "not mirrored before the end"
	}()
	stats := traffic(base, reqs, *conns, *duration)
	cancel()
	side.Wait()
	rssEnd := rss(pid)

	growth := 0.0
	if rssStart > 0 {
		growth = float64(rssEnd-rssStart) / float64(rssStart) * 100
	}
	fmt.Printf("soak: %d connections for %s: %d requests (%.0f/s), %d errors, p50 %.1f ms, p99 %.1f ms\n",
		*conns, *duration, stats.n, float64(stats.n)/duration.Seconds(), stats.errors, stats.p(0.50), stats.p(0.99))
	for _, name := range stats.names() {
		fmt.Printf("  %-28s %7d requests, p99 %6.1f ms, %d errors\n", name, stats.byName[name].n, stats.byName[name].p(0.99), stats.byName[name].errors)
	}
	for _, e := range stats.sampleErrors {
		fmt.Printf("  error: %s\n", e)
	}
	fmt.Printf("soak: resident memory %.1f MiB at start, %.1f MiB at end (%+.1f %%)\n", float64(rssStart)/1024, float64(rssEnd)/1024, growth)
	steady := 0.0
	if rssAfterImport > 0 {
		steady = float64(rssEnd-rssAfterImport) / float64(rssAfterImport) * 100
		fmt.Printf("soak: resident memory %.1f MiB 30 s after the import ended (%s into the soak), %.1f MiB at end (%+.1f %%)\n",
			float64(rssAfterImport)/1024, afterImportAt.Round(time.Second), float64(rssEnd)/1024, steady)
	}
	fmt.Printf("soak: at end, %s\n", memSplit(pid))
	fmt.Printf("soak: import during the soak: %s\n", importRes)
	fmt.Printf("soak: sync during the soak: %s\n", syncRes)
	out, _ := json.Marshal(map[string]any{"bench": "soak", "connections": *conns, "seconds": duration.Seconds(), "requests": stats.n,
		"errors": stats.errors, "p50_ms": stats.p(0.5), "p99_ms": stats.p(0.99), "rss_start_kb": rssStart, "rss_end_kb": rssEnd,
		"rss_growth_pct": growth, "rss_after_import_kb": rssAfterImport, "rss_growth_after_import_pct": steady, "import": importRes, "sync": syncRes})
	fmt.Println(string(out))
	if stats.errors > 0 || growth > 10 {
		return 1
	}
	return 0
}

func waitReady(r io.Reader, timeout time.Duration) (string, error) {
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	base := ""
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				return "", fmt.Errorf("acervo serve stopped")
			}
			if m := listenRE.FindStringSubmatch(l); m != nil {
				base = m[1]
			}
			if base != "" && strings.Contains(l, "editor.igac") {
				go func() {
					for range lines {
					}
				}()
				return base, nil
			}
		case <-deadline:
			return "", fmt.Errorf("the demo was not ready within %s", timeout)
		}
	}
}

func adminToken(base string) (string, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.PostForm(base+"/ingresar", url.Values{"usuario": {"admin"}, "clave": {"acervo-demo-2026"}, "volver": {"/admin/tokens"}})
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	resp, err = c.PostForm(base+"/admin/tokens", url.Values{"nombre": {"soak"}, "dias": {"1"}})
	if err != nil {
		return "", err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tok := regexp.MustCompile(`acv_[0-9A-Za-z]+`).FindString(string(b))
	if tok == "" {
		return "", fmt.Errorf("no token on the admin page (status %d)", resp.StatusCode)
	}
	return tok, nil
}

func post(u, token, body string) ([]byte, error) {
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// requestMix is the traffic: catalogue search, asset pages, a buyer's
// purchases, antes de comprar and the dashboard, over GraphQL and the web.
func requestMix(base string) ([]request, error) {
	b, err := post(base+"/graphql", "", `{"query":"{assets(first:30){edges{node{slug}}}}"}`)
	if err != nil {
		return nil, err
	}
	slugs := regexp.MustCompile(`"slug":"([^"]+)"`).FindAllStringSubmatch(string(b), -1)
	if len(slugs) == 0 {
		return nil, fmt.Errorf("no assets in the demo registry: %s", b)
	}
	gq := func(name, q string) request {
		body, _ := json.Marshal(map[string]string{"query": q})
		return request{name: "graphql " + name, method: http.MethodPost, path: "/graphql", body: string(body)}
	}
	var reqs []request
	for _, text := range []string{"gestión documental", "nomina", "historia clinica", "catastro", "firma electronica"} {
		reqs = append(reqs,
			gq("search", fmt.Sprintf(`{assets(first:20,query:%q,facetSize:10){totalCount facets{field values{value count}} edges{node{name slug license}}}}`, text)),
			request{name: "web search", method: http.MethodGet, path: "/?q=" + url.QueryEscape(text)},
			request{name: "web antes de comprar", method: http.MethodGet, path: "/antes-de-comprar?q=" + url.QueryEscape(text)},
		)
	}
	for _, m := range slugs {
		reqs = append(reqs,
			gq("asset page", fmt.Sprintf(`{asset(slug:%q){name license releases(first:10){edges{node{tag date}}} adoptions(first:20){totalCount edges{node{status entity{name}}}}}}`, m[1])),
			request{name: "web asset", method: http.MethodGet, path: "/activos/" + m[1]},
		)
	}
	for _, nit := range []string{"899999011", "890205176", "899999004", "800176089"} {
		reqs = append(reqs,
			gq("purchases by buyer", fmt.Sprintf(`{purchases(first:20,buyer:%q,year:2024){totalCount edges{node{contractId value}}}}`, nit)),
			request{name: "web entity", method: http.MethodGet, path: "/entidades/" + nit},
		)
	}
	reqs = append(reqs, request{name: "web dashboard", method: http.MethodGet, path: "/tablero"},
		request{name: "web home", method: http.MethodGet, path: "/"},
		gq("outdated adoptions", `{adoptions(first:50,outdatedOnly:true){totalCount edges{node{releaseTag entity{name}}}}}`))
	return reqs, nil
}

type series struct {
	n, errors int
	lat       []float64
}

func (s *series) p(q float64) float64 {
	if len(s.lat) == 0 {
		return 0
	}
	sort.Float64s(s.lat)
	return s.lat[min(len(s.lat)-1, int(q*float64(len(s.lat))))]
}

type result struct {
	series
	byName       map[string]*series
	sampleErrors []string
}

func (r *result) names() []string {
	var out []string
	for k := range r.byName {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// traffic sends requests from conns connections for d.
func traffic(base string, reqs []request, conns int, d time.Duration) *result {
	res := &result{byName: map[string]*series{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	stop := time.Now().Add(d)
	var seq atomic.Int64
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1}}
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			for time.Now().Before(stop) {
				rq := reqs[rng.IntN(len(reqs))]
				req, _ := http.NewRequest(rq.method, base+rq.path, strings.NewReader(rq.body))
				if rq.body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				start := time.Now()
				resp, err := client.Do(req)
				failed := ""
				if err != nil {
					failed = err.Error()
				} else {
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						failed = fmt.Sprintf("%s: HTTP %d", rq.path, resp.StatusCode)
					} else if rq.body != "" && bytes.Contains(b, []byte(`"errors"`)) {
						failed = fmt.Sprintf("%s: %.200s", rq.name, b)
					}
				}
				ms := float64(time.Since(start).Microseconds()) / 1000
				seq.Add(1)
				mu.Lock()
				s := res.byName[rq.name]
				if s == nil {
					s = &series{}
					res.byName[rq.name] = s
				}
				s.n++
				s.lat = append(s.lat, ms)
				res.n++
				res.lat = append(res.lat, ms)
				if failed != "" {
					s.errors++
					res.errors++
					if len(res.sampleErrors) < 5 {
						res.sampleErrors = append(res.sampleErrors, failed)
					}
				}
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	return res
}

// memSplit tells anonymous memory (heaps, caches) from file pages mapped
// by the process (the binary, the search index's segments).
func memSplit(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "memory split unavailable: " + err.Error()
	}
	var parts []string
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && (f[0] == "RssAnon:" || f[0] == "RssFile:") {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			parts = append(parts, fmt.Sprintf("%s %.1f MiB", strings.TrimSuffix(f[0], ":"), float64(kb)/1024))
		}
	}
	return strings.Join(parts, ", ")
}

// rss is the resident memory of a process in KiB.
func rss(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return 0
}

// makeRepo builds a repository with commits and semver tags.
func makeRepo(dir string, commits, tags int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	git := func(args ...string) error {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
			"GIT_AUTHOR_NAME=Soak", "GIT_AUTHOR_EMAIL=soak@acervo.invalid", "GIT_COMMITTER_NAME=Soak", "GIT_COMMITTER_EMAIL=soak@acervo.invalid")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("git %v: %v: %s", args, err, out)
		}
		return nil
	}
	if err := git("init", "-q", "-b", "main"); err != nil {
		return err
	}
	per := commits / tags
	for i := 0; i < commits; i++ {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%d.txt", i%50)), []byte(fmt.Sprintf("cambio %d\n", i)), 0o644)
		if err := git("add", "-A"); err != nil {
			return err
		}
		if err := git("commit", "-q", "-m", fmt.Sprintf("cambio %d", i)); err != nil {
			return err
		}
		if (i+1)%per == 0 {
			if err := git("tag", fmt.Sprintf("v1.%d.0", (i+1)/per-1)); err != nil {
				return err
			}
		}
	}
	return nil
}
