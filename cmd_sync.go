package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/acervo-co/acervo/gitsync"
	"github.com/acervo-co/acervo/gitsync/egress"
	"github.com/acervo-co/acervo/registry"
)

// mirrorFlags are the flags of the mirrors (acervo sync, acervo serve).
type mirrorFlags struct {
	mirrors     string
	allowLocal  multiFlag
	allowNets   string
	allowedDoms string
	blockedDoms string
	fetcher     string
	concurrency int
}

func (mf *mirrorFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&mf.mirrors, "mirrors", "", "mirrors directory (default <data>/mirrors)")
	fs.Var(&mf.allowLocal, "mirror-allow-local", "directory whose local repositories may be mirrored (repeatable; env colon-separated)")
	fs.StringVar(&mf.allowNets, "mirror-allow-nets", "", "comma-separated CIDRs of private networks mirrors may reach (127.0.0.1/32 in tests)")
	fs.StringVar(&mf.allowedDoms, "mirror-allowed-domains", "", "comma-separated host names that may be mirrored (*.gov.co); empty: any public host")
	fs.StringVar(&mf.blockedDoms, "mirror-blocked-domains", "", "comma-separated host names that may never be mirrored")
	fs.StringVar(&mf.fetcher, "mirror-fetcher", "", "how to fetch: cli (git), gogit (pure Go); empty: git when installed")
	fs.IntVar(&mf.concurrency, "sync-concurrency", 4, "repositories synced at once")
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// policy builds the egress policy of the flags.
func (mf *mirrorFlags) policy() (*egress.Policy, error) {
	nets, err := egress.ParseNets(mf.allowNets)
	if err != nil {
		return nil, fmt.Errorf("%w: --mirror-allow-nets: %v", errSetup, err)
	}
	var local []string
	for _, d := range mf.allowLocal {
		abs, err := filepath.Abs(d)
		if err != nil {
			return nil, fmt.Errorf("%w: --mirror-allow-local %s: %v", errSetup, d, err)
		}
		local = append(local, abs)
	}
	return &egress.Policy{AllowNets: nets, AllowLocal: local,
		AllowedDomains: splitList(mf.allowedDoms), BlockedDomains: splitList(mf.blockedDoms)}, nil
}

// syncConfig is the gitsync configuration of the flags.
func (mf *mirrorFlags) syncConfig(sf storeFlags) (gitsync.Config, error) {
	p, err := mf.policy()
	if err != nil {
		return gitsync.Config{}, err
	}
	dir := mf.mirrors
	if dir == "" {
		dir = dataPath(sf, "mirrors")
	}
	return gitsync.Config{MirrorsDir: dir, Policy: p, Fetcher: mf.fetcher, Concurrency: mf.concurrency}, nil
}

// repositoryChecker is the Service's check of repository URLs (register).
func repositoryChecker(p *egress.Policy) registry.RepositoryChecker {
	return registry.RepositoryCheckerFunc(func(ctx context.Context, u string) (registry.RepositoryLocation, error) {
		return gitsync.CheckRepository(ctx, p, u)
	})
}

type syncFlags struct {
	storeFlags
	mirrorFlags
	urls multiFlag
	json bool
}

// syncLine is one line of `acervo sync --json`.
type syncLine struct {
	URL       string   `json:"url"`
	Status    string   `json:"status"`
	Releases  []string `json:"releases"`
	ErrorCode string   `json:"error_code,omitempty"`
	Error     string   `json:"error,omitempty"`
}

func cmdSync(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	var f syncFlags
	fs := newFlags("sync", stderr)
	f.storeFlags.register(fs)
	f.mirrorFlags.register(fs)
	fs.Var(&f.urls, "url", "repository URL to register and sync now (repeatable); without it, every due mirror")
	fs.BoolVar(&f.json, "json", false, "print one JSON object per repository")
	if err := parseFlags(fs, args, getenv); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "acervo sync: unexpected argument %q (use --url URL)\n", fs.Arg(0))
		return 2
	}
	defer gitsync.OneShotGC(getenv)()
	log := newLogger(stderr, getenv)
	if !f.json && isTerminal(stderr) {
		// The progress bar owns the terminal; only warnings and errors are logged.
		log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	}
	cfg, err := f.mirrorFlags.syncConfig(f.storeFlags)
	if err != nil {
		fmt.Fprintf(stderr, "acervo: %v\n", trimSetup(err))
		return 2
	}
	st, err := openStore(ctx, f.storeFlags, log)
	if err != nil {
		fmt.Fprintf(stderr, "acervo: %v\n", trimSetup(err))
		return 2
	}
	defer st.Close()
	svc := registry.NewService(st, registry.WithLogger(log), registry.WithRepositoryChecker(repositoryChecker(cfg.Policy)))
	syncer, err := gitsync.New(cfg, svc, log)
	if err != nil {
		fmt.Fprintf(stderr, "acervo: %v\n", err)
		return 2
	}
	ctx = registry.WithActor(ctx, registry.SystemActor("sync"))

	var bar *progressbar.ProgressBar
	newBar := func(total int) {
		if f.json || !isTerminal(stderr) || total == 0 {
			return
		}
		bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(stderr),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("repos"),
			progressbar.OptionSetPredictTime(true), progressbar.OptionFullWidth(),
			progressbar.OptionSetDescription("sincronizando / syncing"), progressbar.OptionClearOnFinish())
	}
	enc := json.NewEncoder(stdout)
	progress := func(ev gitsync.Event) {
		if !ev.Done {
			if bar != nil {
				bar.Describe(shortURL(ev.URL))
			}
			return
		}
		if f.json {
			_ = enc.Encode(lineOf(ev.Result))
		}
		if bar != nil {
			_ = bar.Add(1)
		}
	}
	var results []gitsync.Result
	if len(f.urls) > 0 {
		newBar(len(f.urls))
		results = syncer.SyncURLs(ctx, f.urls, progress)
	} else {
		due, err := svc.DueMirrors(ctx, svc.Now(), 0)
		if err != nil {
			fmt.Fprintf(stderr, "acervo: %v\n", err)
			return 2
		}
		newBar(len(due))
		results, err = syncer.SyncDue(ctx, progress)
		if err != nil {
			fmt.Fprintf(stderr, "acervo: %v\n", err)
			return 2
		}
	}
	if bar != nil {
		_ = bar.Finish()
	}
	failed := 0
	for _, r := range results {
		if lineOf(r).Status == gitsync.StatusFailed {
			failed++
		}
	}
	if !f.json {
		printSyncSummary(stdout, results)
	}
	if failed > 0 {
		return 1
	}
	return 0
}

// lineOf is a result as printed: a repository busy elsewhere failed this
// time; one no longer due was synced by another process.
func lineOf(r gitsync.Result) syncLine {
	l := syncLine{URL: r.URL, Status: r.Status, Releases: r.Releases, ErrorCode: r.ErrorCode, Error: r.Error}
	if l.Releases == nil {
		l.Releases = []string{}
	}
	if r.Status == gitsync.StatusSkipped {
		l.Status = gitsync.StatusUnchanged
		if r.ErrorCode == gitsync.CodeBusy {
			l.Status = gitsync.StatusFailed
		}
	}
	return l
}

func shortURL(u string) string {
	if len(u) > 60 {
		return "…" + u[len(u)-59:]
	}
	return u
}

// printSyncSummary prints the failures, then one line of totals.
func printSyncSummary(w io.Writer, results []gitsync.Result) {
	var unchanged, updated, created, releases int
	byCode := map[string]int{}
	for _, r := range results {
		l := lineOf(r)
		releases += len(l.Releases)
		switch l.Status {
		case gitsync.StatusUnchanged:
			unchanged++
		case gitsync.StatusUpdated:
			updated++
		case gitsync.StatusNew:
			created++
		case gitsync.StatusFailed:
			byCode[l.ErrorCode]++
			fmt.Fprintf(w, "falló / failed: %s: %s: %s\n", l.URL, l.ErrorCode, l.Error)
		}
		if l.Status != gitsync.StatusFailed && l.ErrorCode != "" {
			fmt.Fprintf(w, "aviso / warning: %s: %s: %s\n", l.URL, l.ErrorCode, l.Error)
		}
	}
	codes := make([]string, 0, len(byCode))
	failed := 0
	for c, n := range byCode {
		codes = append(codes, fmt.Sprintf("%s %d", c, n))
		failed += n
	}
	sort.Strings(codes)
	fmt.Fprintf(w, "%d repositorios: %d nuevos, %d actualizados, %d sin cambios, %d nuevas versiones, %d fallidos",
		len(results), created, updated, unchanged, releases, failed)
	if len(codes) > 0 {
		fmt.Fprintf(w, " (%s)", strings.Join(codes, ", "))
	}
	fmt.Fprintf(w, "\n%d repositories: %d new, %d updated, %d unchanged, %d new releases, %d failed\n",
		len(results), created, updated, unchanged, releases, failed)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
