// Command benchcmd measures Acervo's mirror syncs against the git CLI on the
// same repositories, served over loopback HTTP by git http-backend in the
// same run:
//
//   - a no-change sync of N repositories vs a `git ls-remote` loop;
//   - the first mirror of a repository with 5,000 commits and 200 tags vs
//     `git clone --mirror`;
//   - a fetch after 20 new commits vs `git fetch`;
//
// each with its wall time (median of -reps runs) and peak memory (the
// largest resident set of the measured process and its children, from
// getrusage). Every measured operation runs in a process of its own. The
// first mirror is made into a data directory whose store already exists,
// as in a running Acervo. The memory floor (the process with the store
// open and nothing to sync) is printed too: most of it is the executable's
// own pages.
//
// For profiling by hand, `benchcmd -work DIR` keeps its repositories,
// `benchcmd serve DIR` serves them again and `benchcmd child-sync -data D
// -urls FILE` syncs with ACERVO_LOG_LEVEL=debug (phase timings),
// ACERVO_BENCH_CPUPROFILE, ACERVO_BENCH_MEMPROFILE, ACERVO_BENCH_HEAPPROFILE
// (live heap at the end of the sync) or ACERVO_BENCH_MEMREPORT (resident
// memory by mapping).
//
// Run it with scripts/bench_gitsync.sh, or: go run ./gitsync/internal/benchcmd.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/acervo-co/acervo/gitsync"
	"github.com/acervo-co/acervo/gitsync/egress"
	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/sqlite"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "child-sync" {
		os.Exit(childSync(os.Args[2:]))
	}
	if len(os.Args) > 2 && os.Args[1] == "serve" {
		addr := "127.0.0.1:0"
		if len(os.Args) > 3 {
			addr = os.Args[3]
		}
		os.Exit(serveOnly(os.Args[2], addr))
	}
	os.Exit(orchestrate(os.Args[1:]))
}

// childSync is one measured `acervo sync --url …`: it opens the embedded
// store, syncs the URLs listed in a file and prints the outcome counts.
func childSync(args []string) int {
	fs := flag.NewFlagSet("child-sync", flag.ContinueOnError)
	data := fs.String("data", "", "data directory")
	urlsFile := fs.String("urls", "", "file with one URL a line")
	conc := fs.Int("concurrency", 1, "syncs at once")
	fetcher := fs.String("fetcher", "", "cli or gogit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	b, err := os.ReadFile(*urlsFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	urls := strings.Fields(string(b))
	if os.Getenv("ACERVO_BENCH_HEAPPROFILE") != "" {
		runtime.MemProfileRate = 4096
	}
	if p := os.Getenv("ACERVO_BENCH_CPUPROFILE"); p != "" {
		f, err := os.Create(p + "." + fmt.Sprint(os.Getpid()))
		if err == nil {
			_ = pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	// As acervo sync does.
	defer gitsync.OneShotGC(os.Getenv)()
	ctx := registry.WithActor(context.Background(), registry.SystemActor("sync"))
	log := logger()
	began := time.Now()
	if t0, err := strconv.ParseInt(os.Getenv("ACERVO_BENCH_T0"), 10, 64); err == nil {
		// The launcher's clock when it started this process (date +%s%N):
		// how long the process took to reach main.
		log.Debug("main reached", "since launch", began.Sub(time.Unix(0, t0)))
	}
	st, err := sqlite.Open(ctx, *data)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	log.Debug("store opened", "elapsed", time.Since(began))
	defer func() {
		st.Close()
		log.Debug("store closed", "elapsed", time.Since(began))
	}()
	policy := &egress.Policy{AllowNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	svc := registry.NewService(st, registry.WithRepositoryChecker(registry.RepositoryCheckerFunc(
		func(ctx context.Context, u string) (registry.RepositoryLocation, error) {
			return gitsync.CheckRepository(ctx, policy, u)
		})))
	s, err := gitsync.New(gitsync.Config{MirrorsDir: filepath.Join(*data, "mirrors"), Policy: policy,
		Fetcher: *fetcher, Concurrency: *conc, PerHost: *conc}, svc, log)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	counts := map[string]int{}
	releases := 0
	if p := os.Getenv("ACERVO_BENCH_MEMPROFILE"); p != "" {
		defer func() {
			if f, err := os.Create(p + "." + fmt.Sprint(os.Getpid())); err == nil {
				_ = pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
		}()
	}
	for _, r := range s.SyncURLs(ctx, urls, nil) {
		counts[r.Status]++
		releases += len(r.Releases)
		if r.Status == gitsync.StatusFailed {
			fmt.Fprintf(os.Stderr, "%s: %s %s\n", r.URL, r.ErrorCode, r.Error)
		}
	}
	log.Debug("synced", "elapsed", time.Since(began))
	if p := os.Getenv("ACERVO_BENCH_HEAPPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil {
			_ = pprof.Lookup("heap").WriteTo(f, 0)
			f.Close()
		}
	}
	if os.Getenv("ACERVO_BENCH_MEMREPORT") != "" {
		memReport(os.Stderr)
	}
	_ = json.NewEncoder(os.Stdout).Encode(map[string]any{"statuses": counts, "releases": releases})
	if counts[gitsync.StatusFailed] > 0 {
		return 1
	}
	return 0
}

// memReport prints where the process's resident memory is: by mapping
// (the executable's pages, anonymous memory, libraries) from
// /proc/self/smaps, and the Go runtime's own figures.
func memReport(w io.Writer) {
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		fmt.Fprintln(w, "memreport:", err)
		return
	}
	byMap := map[string]int64{}
	cur := ""
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 5 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":"):
			cur = "[anon]"
			if len(f) >= 6 {
				cur = f[5]
			}
			cur += " " + f[1]
			if cur == "[anon] rw-p" && os.Getenv("ACERVO_BENCH_MEMREPORT") == "maps" {
				cur += " " + f[0]
			}
		case len(f) >= 2 && f[0] == "Rss:":
			var kib int64
			fmt.Sscan(f[1], &kib)
			byMap[cur] += kib
		}
	}
	var total int64
	for k, v := range byMap {
		total += v
		if v >= 256 {
			fmt.Fprintf(w, "memreport: %6d KiB %s\n", v, k)
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(w, "memreport: %6d KiB resident in all; Go heap in use %d KiB, heap held %d KiB, GC metadata %d KiB, stacks %d KiB\n",
		total, ms.HeapInuse>>10, (ms.HeapSys-ms.HeapReleased)>>10, ms.GCSys>>10, ms.StackSys>>10)
	if st, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(st), "\n") {
			for _, k := range []string{"VmHWM:", "VmRSS:", "RssAnon:", "RssFile:", "Threads:"} {
				if strings.HasPrefix(line, k) {
					fmt.Fprintf(w, "memreport: %s\n", strings.Join(strings.Fields(line), " "))
				}
			}
		}
	}
	fmt.Fprintf(w, "memreport: Go heap objects %d KiB, free %d KiB, released %d KiB; span and cache metadata %d KiB, other GC metadata %d KiB, profiling buckets %d KiB, other %d KiB; %d GC cycles\n",
		ms.HeapAlloc>>10, (ms.HeapIdle-ms.HeapReleased)>>10, ms.HeapReleased>>10, (ms.MSpanSys+ms.MCacheSys)>>10, ms.GCSys>>10, ms.BuckHashSys>>10, ms.OtherSys>>10, ms.NumGC)
}

// logger logs to stderr at ACERVO_LOG_LEVEL (nothing when unset).
func logger() *slog.Logger {
	lv := os.Getenv("ACERVO_LOG_LEVEL")
	if lv == "" {
		return slog.New(slog.DiscardHandler)
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(lv))
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

type config struct {
	work        string
	repos       int
	commits     int
	tags        int
	reps        int
	concurrency int
	fetcher     string
	binary      string // an acervo executable whose sync is measured instead of child-sync
	jsonOut     string
}

func orchestrate(args []string) int {
	var c config
	fs := flag.NewFlagSet("benchcmd", flag.ContinueOnError)
	fs.StringVar(&c.work, "work", "", "work directory (a temporary one when empty; removed at the end)")
	fs.IntVar(&c.repos, "repos", 200, "repositories of the no-change sync")
	fs.IntVar(&c.commits, "commits", 5000, "commits of the big repository")
	fs.IntVar(&c.tags, "tags", 200, "tags of the big repository")
	fs.IntVar(&c.reps, "reps", 3, "runs of each measurement (median)")
	fs.IntVar(&c.concurrency, "concurrency", 1, "Acervo's syncs at once in the no-change sync (the ls-remote loop is sequential)")
	fs.StringVar(&c.fetcher, "fetcher", "", "Acervo's fetcher: cli or gogit (default: git when installed)")
	fs.StringVar(&c.jsonOut, "json", "", "also write the results as JSON to this file")
	fs.StringVar(&c.binary, "acervo", "", "measure `acervo sync` of this executable instead of this command's child-sync (same code, in the whole acervo binary)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "benchcmd:", err)
		return 1
	}
	return 0
}

// measurement is one operation's median time and peak memory.
type measurement struct {
	Name       string        `json:"name"`
	Seconds    float64       `json:"seconds"`
	CPUSeconds float64       `json:"cpuSeconds"`
	MaxRSS     int64         `json:"maxRssKiB"`
	Runs       []float64     `json:"runs"`
	d          time.Duration `json:"-"`
}

type comparison struct {
	What      string      `json:"what"`
	Acervo    measurement `json:"acervo"`
	Git       measurement `json:"git"`
	TimeRatio float64     `json:"timeRatio"`
	// PairedRatio is the median of each run's ratio to the git run just
	// before it: steadier than the ratio of medians when the machine's
	// load changes during the benchmark.
	PairedRatio float64 `json:"pairedTimeRatio"`
	Load        string  `json:"loadAverage"` // when the comparison ended
	CPURatio    float64 `json:"cpuRatio"`
	MemRatio    float64 `json:"memoryRatio"`
	TimeTarget  float64 `json:"timeTarget"`
	MemoryLimit float64 `json:"memoryTarget"`
}

// measure runs cmd under /usr/bin/time and returns its wall time, CPU
// time (user + system, the command and its children) and peak resident
// memory in KiB (the largest of the command and its children).
func measure(cmd *exec.Cmd) (time.Duration, time.Duration, int64, error) {
	out, err := os.CreateTemp("", "bench-time-")
	if err != nil {
		return 0, 0, 0, err
	}
	out.Close()
	defer os.Remove(out.Name())
	timed := exec.Command("/usr/bin/time", append([]string{"-o", out.Name(), "-f", "%e %U %S %M", cmd.Path}, cmd.Args[1:]...)...)
	timed.Dir, timed.Env, timed.Stdout = cmd.Dir, cmd.Env, cmd.Stdout
	var stderr bytes.Buffer
	timed.Stderr = &stderr
	if os.Getenv("ACERVO_LOG_LEVEL") != "" {
		timed.Stderr = io.MultiWriter(&stderr, os.Stderr)
	}
	if timed.Stdout == nil {
		timed.Stdout = io.Discard
	}
	start := time.Now()
	err = timed.Run()
	wall := time.Since(start)
	if err != nil {
		return wall, 0, 0, fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, stderr.String())
	}
	b, err := os.ReadFile(out.Name())
	if err != nil {
		return wall, 0, 0, err
	}
	f := strings.Fields(string(b))
	if len(f) < 4 {
		return wall, 0, 0, fmt.Errorf("/usr/bin/time wrote %q", b)
	}
	var user, sys float64
	var rss int64
	fmt.Sscan(f[1], &user)
	fmt.Sscan(f[2], &sys)
	fmt.Sscan(f[3], &rss)
	return wall, time.Duration((user + sys) * float64(time.Second)), rss, nil
}

func median(ds []time.Duration) time.Duration {
	sorted := append([]time.Duration(nil), ds...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	return sorted[len(sorted)/2]
}

func summarise(name string, ds, cpu []time.Duration, rss []int64) measurement {
	m := measurement{Name: name, d: median(ds)}
	m.Seconds = m.d.Seconds()
	m.CPUSeconds = median(cpu).Seconds()
	for _, d := range ds {
		m.Runs = append(m.Runs, d.Seconds())
	}
	for _, r := range rss {
		m.MaxRSS = max(m.MaxRSS, r)
	}
	return m
}

func gitEnv() []string {
	return append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_TERMINAL_PROMPT=0",
		"GIT_AUTHOR_NAME=Bench", "GIT_AUTHOR_EMAIL=bench@example.gov.co", "GIT_COMMITTER_NAME=Bench", "GIT_COMMITTER_EMAIL=bench@example.gov.co")
}

func git(dir string, args ...string) error {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = gitEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// fastImport builds a repository from a fast-import stream.
func fastImport(dir string, stream string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := git(dir, "init", "-q", "-b", "main"); err != nil {
		return err
	}
	cmd := exec.Command("git", "fast-import", "--quiet")
	cmd.Dir = dir
	cmd.Env = gitEnv()
	cmd.Stdin = strings.NewReader(stream)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("fast-import: %v\n%s", err, out)
	}
	return git(dir, "reset", "-q", "--hard", "main")
}

const publiccodeYML = `publiccodeYmlVersion: "0"
name: Bench
url: "https://git.example.gov.co/bench.git"
platforms: [web]
categories: [document-management]
developmentStatus: stable
softwareType: "standalone/web"
description:
  es:
    shortDescription: Repositorio de medición.
    longDescription: >
      Repositorio generado para medir la sincronización de réplicas de
      Acervo frente al cliente git, con miles de commits y cientos de
      etiquetas, servido por HTTP en la interfaz de bucle local del equipo.
      No contiene software real; solo archivos de texto que cambian.
    features: [Medir]
legal:
  license: MIT
maintenance:
  type: internal
  contacts:
    - name: Bench
localisation:
  localisationReady: false
  availableLanguages: [es]
`

// bigStream is a fast-import stream of commits commits over 100 files,
// with tags tags (half annotated) spread over the history.
func bigStream(commits, tags, from int, parent string) string {
	var b strings.Builder
	every := max(commits/max(tags, 1), 1)
	t0 := int64(1_700_000_000)
	for i := from; i < from+commits; i++ {
		when := t0 + int64(i)*600
		fmt.Fprintf(&b, "commit refs/heads/main\nmark :%d\ncommitter Bench <bench@example.gov.co> %d +0000\n", i+1, when)
		msg := fmt.Sprintf("change %d", i)
		fmt.Fprintf(&b, "data %d\n%s\n", len(msg), msg)
		if i == from && parent != "" {
			fmt.Fprintf(&b, "from %s\n", parent)
		}
		if i == 0 {
			for name, content := range map[string]string{"LICENSE": "MIT License\n\nPermission is hereby granted, free of charge, to any person obtaining a copy of this software.\n", "README.md": "# Bench\n", "publiccode.yml": publiccodeYML} {
				fmt.Fprintf(&b, "M 644 inline %s\ndata %d\n%s\n", name, len(content), content)
			}
		}
		content := fmt.Sprintf("package p%d\n\n// revision %d\nvar V = %d\n%s", i%100, i, i, strings.Repeat("// line of text that makes the file a bit larger\n", 20+i%7))
		fmt.Fprintf(&b, "M 644 inline src/p%02d/file.go\ndata %d\n%s\n", i%100, len(content), content)
		if parent == "" && tags > 0 && (i+1)%every == 0 && (i+1)/every <= tags {
			n := (i + 1) / every
			tag := fmt.Sprintf("v1.%d.0", n)
			if n%2 == 0 {
				tm := "release " + tag
				fmt.Fprintf(&b, "tag %s\nfrom :%d\ntagger Bench <bench@example.gov.co> %d +0000\ndata %d\n%s\n", tag, i+1, when+60, len(tm), tm)
			} else {
				fmt.Fprintf(&b, "reset refs/tags/%s\nfrom :%d\n\n", tag, i+1)
			}
		}
	}
	return b.String()
}

func run(c config) error {
	if _, err := exec.LookPath("git"); err != nil {
		return fmt.Errorf("git is needed for the comparison: %w", err)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if c.work == "" {
		d, err := os.MkdirTemp("", "acervo-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		c.work = d
	}
	startLoad := "?"
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		startLoad = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	src := filepath.Join(c.work, "src")
	logf := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...) }

	logf("building %d small repositories and one of %d commits and %d tags in %s", c.repos, c.commits, c.tags, c.work)
	for i := range c.repos {
		if err := fastImport(filepath.Join(src, fmt.Sprintf("small%03d", i)), bigStream(5, 2, 0, "")); err != nil {
			return err
		}
	}
	big := filepath.Join(src, "big")
	if err := fastImport(big, bigStream(c.commits, c.tags, 0, "")); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: repoHandler(src)}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	writeURLs := func(name string, urls []string) string {
		p := filepath.Join(c.work, name)
		_ = os.WriteFile(p, []byte(strings.Join(urls, "\n")+"\n"), 0o644)
		return p
	}
	var smallURLs []string
	for i := range c.repos {
		smallURLs = append(smallURLs, fmt.Sprintf("%s/small%03d", base, i))
	}
	smallFile := writeURLs("small.txt", smallURLs)
	bigURL := base + "/big"
	bigFile := writeURLs("big.txt", []string{bigURL})
	emptyFile := filepath.Join(c.work, "none.txt")
	if err := os.WriteFile(emptyFile, nil, 0o644); err != nil {
		return err
	}
	acervo := func(data, urls string, conc int) *exec.Cmd {
		if c.binary != "" {
			args := []string{"sync", "--data", data, "--mirror-allow-nets", "127.0.0.1/32", "--sync-concurrency", fmt.Sprint(conc), "--json"}
			if c.fetcher != "" {
				args = append(args, "--mirror-fetcher", c.fetcher)
			}
			b, _ := os.ReadFile(urls)
			for _, u := range strings.Fields(string(b)) {
				args = append(args, "--url", u)
			}
			return exec.Command(c.binary, args...)
		}
		args := []string{"child-sync", "-data", data, "-urls", urls, "-concurrency", fmt.Sprint(conc)}
		if c.fetcher != "" {
			args = append(args, "-fetcher", c.fetcher)
		}
		return exec.Command(self, args...)
	}
	gitCmd := func(dir string, args ...string) *exec.Cmd {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = gitEnv()
		return cmd
	}
	var results []comparison

	// 1. No-change sync of N repositories vs a git ls-remote loop.
	noChange := filepath.Join(c.work, "nochange")
	logf("first sync of the %d small repositories (not measured)", c.repos)
	if _, _, _, err := measure(acervo(noChange, smallFile, 4)); err != nil {
		return err
	}
	var ad, gd, ac, gc []time.Duration
	var ar, gr []int64
	script := `while read -r u; do git ls-remote "$u" >/dev/null || exit 1; done < "$1"`
	for i := range c.reps {
		logf("no-change sync, run %d", i+1)
		d, cpu, r, err := measure(exec.Command("/bin/bash", "-c", script, "bash", smallFile))
		if err != nil {
			return err
		}
		gd, gc, gr = append(gd, d), append(gc, cpu), append(gr, r)
		d, cpu, r, err = measure(acervo(noChange, smallFile, c.concurrency))
		if err != nil {
			return err
		}
		ad, ac, ar = append(ad, d), append(ac, cpu), append(ar, r)
	}
	results = append(results, compare(fmt.Sprintf("no-change sync of %d repositories", c.repos),
		summarise("acervo sync", ad, ac, ar), summarise("git ls-remote loop", gd, gc, gr), 1.2))

	// 2. First mirror of the big repository vs git clone --mirror.
	ad, gd, ac, gc, ar, gr = nil, nil, nil, nil, nil, nil
	var acervoData, gitMirror string
	for i := range c.reps {
		logf("first mirror, run %d", i+1)
		gitMirror = filepath.Join(c.work, fmt.Sprintf("git-mirror-%d", i))
		d, cpu, r, err := measure(gitCmd(c.work, "clone", "-q", "--mirror", bigURL, gitMirror))
		if err != nil {
			return err
		}
		gd, gc, gr = append(gd, d), append(gc, cpu), append(gr, r)
		acervoData = filepath.Join(c.work, fmt.Sprintf("first-%d", i))
		// The data directory exists before the first mirror, as in a
		// running Acervo: creating the store is not part of the sync.
		if _, _, _, err := measure(acervo(acervoData, emptyFile, 1)); err != nil {
			return err
		}
		d, cpu, r, err = measure(acervo(acervoData, bigFile, 1))
		if err != nil {
			return err
		}
		ad, ac, ar = append(ad, d), append(ac, cpu), append(ar, r)
	}
	results = append(results, compare(fmt.Sprintf("first mirror (%d commits, %d tags)", c.commits, c.tags),
		summarise("acervo sync", ad, ac, ar), summarise("git clone --mirror", gd, gc, gr), 1.3))

	// 3. Fetch after 20 new commits vs git fetch.
	ad, gd, ac, gc, ar, gr = nil, nil, nil, nil, nil, nil
	next := c.commits
	for i := range c.reps {
		logf("fetch after 20 commits, run %d", i+1)
		if err := appendCommits(big, next, 20); err != nil {
			return err
		}
		next += 20
		d, cpu, r, err := measure(gitCmd(gitMirror, "fetch", "-q", "--prune"))
		if err != nil {
			return err
		}
		gd, gc, gr = append(gd, d), append(gc, cpu), append(gr, r)
		d, cpu, r, err = measure(acervo(acervoData, bigFile, 1))
		if err != nil {
			return err
		}
		ad, ac, ar = append(ad, d), append(ac, cpu), append(ar, r)
	}
	results = append(results, compare("fetch after 20 new commits",
		summarise("acervo sync", ad, ac, ar), summarise("git fetch", gd, gc, gr), 1.3))

	// The floor of Acervo's memory: the process with the store open and
	// nothing to sync.
	var idle int64
	for range c.reps {
		_, _, r, err := measure(acervo(noChange, emptyFile, 1))
		if err != nil {
			return err
		}
		idle = max(idle, r)
	}

	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("load average at the start: %s, at the end: %s", startLoad, load)
	fmt.Printf("%-38s %9s %9s %7s %8s %9s %9s %7s %10s %9s %7s  %s\n", "operation", "acervo s", "git s", "time ×", "paired ×", "acervo cpu", "git cpu", "cpu ×", "acervo MiB", "git MiB", "mem ×", "load after")
	for _, r := range results {
		fmt.Printf("%-38s %9.3f %9.3f %6.2f%s %8.2f %10.3f %9.3f %7.2f %10.1f %9.1f %6.2f%s  %s\n", r.What, r.Acervo.Seconds, r.Git.Seconds, r.TimeRatio,
			mark(r.TimeRatio <= r.TimeTarget), r.PairedRatio, r.Acervo.CPUSeconds, r.Git.CPUSeconds, r.CPURatio,
			float64(r.Acervo.MaxRSS)/1024, float64(r.Git.MaxRSS)/1024, r.MemRatio, mark(r.MemRatio <= 2), r.Load)
		fmt.Printf("%-38s runs: acervo %s; git %s\n", "", fmtRuns(r.Acervo.Runs), fmtRuns(r.Git.Runs))
	}
	if c.binary != "" {
		fmt.Printf("measured: %s sync\n", c.binary)
	}
	fmt.Printf("acervo with the store open and nothing to sync: %.1f MiB\n", float64(idle)/1024)
	fmt.Println("targets: no-change ≤ 1.2×, first mirror ≤ 1.3×, fetch ≤ 1.3×, memory ≤ 2× (✓ met, ✗ missed)")
	if c.jsonOut != "" {
		b, _ := json.MarshalIndent(results, "", "  ")
		if err := os.WriteFile(c.jsonOut, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// repoHandler serves the repositories under src over smart HTTP (git
// http-backend), as /<name>.
func repoHandler(src string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := strings.TrimPrefix(r.URL.Path, "/")
		for _, sub := range []string{"info/refs", "git-upload-pack"} {
			if repoPath, ok := strings.CutSuffix(p, "/"+sub); ok {
				gitsync.ServeRepository(w, r, "git", src, repoPath, sub)
				return
			}
		}
		http.NotFound(w, r)
	})
}

// serveOnly serves <work>/src of an earlier run with -work until killed,
// printing its base URL, to profile single syncs by hand (on addr: the
// earlier run's address serves the mirrors it registered).
func serveOnly(work, addr string) int {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("http://" + ln.Addr().String())
	if err := http.Serve(ln, repoHandler(filepath.Join(work, "src"))); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func fmtRuns(rs []float64) string {
	var parts []string
	for _, r := range rs {
		parts = append(parts, fmt.Sprintf("%.3f", r))
	}
	return strings.Join(parts, " ")
}

func mark(ok bool) string {
	if ok {
		return "✓"
	}
	return "✗"
}

func compare(what string, a, g measurement, target float64) comparison {
	c := comparison{What: what, Acervo: a, Git: g, TimeTarget: target, MemoryLimit: 2}
	if g.Seconds > 0 {
		c.TimeRatio = a.Seconds / g.Seconds
	}
	var paired []time.Duration
	for i := range min(len(a.Runs), len(g.Runs)) {
		if g.Runs[i] > 0 {
			paired = append(paired, time.Duration(a.Runs[i]/g.Runs[i]*float64(time.Second)))
		}
	}
	if len(paired) > 0 {
		c.PairedRatio = median(paired).Seconds()
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		c.Load = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	if g.CPUSeconds > 0 {
		c.CPURatio = a.CPUSeconds / g.CPUSeconds
	}
	if g.MaxRSS > 0 {
		c.MemRatio = float64(a.MaxRSS) / float64(g.MaxRSS)
	}
	return c
}

// appendCommits adds n commits on main of the repository at dir.
func appendCommits(dir string, from, n int) error {
	head, err := exec.Command("git", "-C", dir, "rev-parse", "main").Output()
	if err != nil {
		return err
	}
	cmd := exec.Command("git", "fast-import", "--quiet")
	cmd.Dir = dir
	cmd.Env = gitEnv()
	cmd.Stdin = strings.NewReader(bigStream(n, 0, from, strings.TrimSpace(string(head))))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("fast-import: %v\n%s", err, out)
	}
	return git(dir, "reset", "-q", "--hard", "main")
}
