package gitsync

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/acervo-co/acervo/gitsync/egress"
	"github.com/acervo-co/acervo/gitsync/publiccode"
	"github.com/acervo-co/acervo/registry"
)

// Fetchers.
const (
	FetchAuto = "" // the git CLI when installed, go-git otherwise
	// FetchCLI: over http(s), packs asked for through the egress policy's
	// client and indexed, checked and referenced by the git CLI; local
	// repositories cloned and fetched by git itself.
	FetchCLI   = "cli"
	FetchGoGit = "gogit" // go-git through the egress proxy
)

// Result statuses (acervo sync --json).
const (
	StatusNew       = "new"
	StatusUpdated   = "updated"
	StatusUnchanged = "unchanged"
	StatusFailed    = "failed"
	StatusSkipped   = "skipped" // another process holds the lease, or no longer due
)

// CodeBusy is reported when another process is syncing the repository.
const CodeBusy = "MIRROR_BUSY"

// Config tunes a Syncer. Zero values take the defaults.
type Config struct {
	MirrorsDir string         // where bare mirrors live: <MirrorsDir>/<host>/<path>.git
	Policy     *egress.Policy // egress policy (https to public hosts when nil)
	Fetcher    string         // FetchAuto, FetchCLI or FetchGoGit
	GitPath    string         // the git binary ("git")

	FirstTimeout  time.Duration // first mirror (600 s)
	Timeout       time.Duration // later syncs (300 s)
	MaxBytes      int64         // transferred per sync (2 GiB)
	MaxRefs       int           // branches and tags (10,000)
	MaxPubliccode int64         // publiccode.yml size (1 MiB)

	Interval    time.Duration // between successful syncs (6 h)
	Backoff     time.Duration // after the first failure (5 min), doubling
	MaxBackoff  time.Duration // (24 h)
	Concurrency int           // syncs at once (4)
	PerHost     int           // syncs at once against one host (2)
	Poll        time.Duration // how often the scheduler looks for due mirrors (30 s)

	// Holder names this process in leases (host name, pid and a random
	// suffix when empty).
	Holder string
}

func (c *Config) defaults() {
	if c.Policy == nil {
		c.Policy = &egress.Policy{}
	}
	if c.GitPath == "" {
		c.GitPath = "git"
	}
	setDur := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	setDur(&c.FirstTimeout, 600*time.Second)
	setDur(&c.Timeout, 300*time.Second)
	setDur(&c.Interval, 6*time.Hour)
	setDur(&c.Backoff, 5*time.Minute)
	setDur(&c.MaxBackoff, 24*time.Hour)
	setDur(&c.Poll, 30*time.Second)
	if c.MaxBytes <= 0 {
		c.MaxBytes = 2 << 30
	}
	if c.MaxRefs <= 0 {
		c.MaxRefs = 10_000
	}
	if c.MaxPubliccode <= 0 {
		c.MaxPubliccode = publiccode.DefaultMaxSize
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 4
	}
	if c.PerHost <= 0 {
		c.PerHost = 2
	}
	if c.Holder == "" {
		h, _ := os.Hostname()
		var b [4]byte
		_, _ = rand.Read(b[:])
		c.Holder = fmt.Sprintf("%s/%d/%s", h, os.Getpid(), hex.EncodeToString(b[:]))
	}
}

// Syncer mirrors repositories and records what it finds through the
// Service.
type Syncer struct {
	cfg   Config
	svc   *registry.Service
	log   *slog.Logger
	useGo bool

	licenses *licenseScanner
	// twoReaders reads a mirror's new releases with two readers. Only
	// worth its memory when releases are written in batches (the Service
	// has RecordReleases): one at a time, the store is slower than one
	// reader.
	twoReaders bool

	mu    sync.Mutex
	hosts map[string]chan struct{} // a slot per sync running against a host (PerHost of them)
}

// New returns a Syncer. The mirrors directory is created.
func New(cfg Config, svc *registry.Service, log *slog.Logger) (*Syncer, error) {
	cfg.defaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.MirrorsDir == "" {
		return nil, errors.New("gitsync: no mirrors directory")
	}
	abs, err := filepath.Abs(cfg.MirrorsDir)
	if err != nil {
		return nil, err
	}
	cfg.MirrorsDir = abs
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return nil, fmt.Errorf("gitsync: mirrors directory: %w", err)
	}
	s := &Syncer{cfg: cfg, svc: svc, log: log, hosts: map[string]chan struct{}{}, licenses: newLicenseScanner()}
	_, s.twoReaders = any(svc).(releaseBatcher)
	switch cfg.Fetcher {
	case FetchGoGit:
		s.useGo = true
	case FetchCLI:
		if _, err := exec.LookPath(cfg.GitPath); err != nil {
			return nil, fmt.Errorf("gitsync: git CLI chosen but not found: %w", err)
		}
	case FetchAuto:
		if _, err := exec.LookPath(cfg.GitPath); err != nil {
			s.useGo = true
		}
	default:
		return nil, fmt.Errorf("gitsync: unknown fetcher %q", cfg.Fetcher)
	}
	return s, nil
}

// CheckRepository validates a repository URL against the egress policy
// (registry.RepositoryChecker, for Service.RegisterRepository).
func (s *Syncer) CheckRepository(ctx context.Context, raw string) (registry.RepositoryLocation, error) {
	return CheckRepository(ctx, s.cfg.Policy, raw)
}

// CheckRepository validates a repository URL with policy; refusals are
// registry invalid errors on field "url" carrying the code.
func CheckRepository(ctx context.Context, policy *egress.Policy, raw string) (registry.RepositoryLocation, error) {
	t, err := policy.CheckURL(ctx, raw)
	if err != nil {
		var pe *egress.Error
		if errors.As(err, &pe) {
			return registry.RepositoryLocation{}, &registry.InvalidError{Fields: []registry.FieldError{{Field: "url", Message: pe.Msg, Code: pe.Code}}}
		}
		return registry.RepositoryLocation{}, err
	}
	return registry.RepositoryLocation{URL: t.URL, Path: t.MirrorPath}, nil
}

// MirrorDir is the directory of a mirror.
func (s *Syncer) MirrorDir(m registry.Mirror) string {
	return filepath.Join(s.cfg.MirrorsDir, filepath.FromSlash(m.Path))
}

// Result is the outcome of syncing one repository.
type Result struct {
	URL       string        `json:"url"`
	Status    string        `json:"status"`
	Releases  []string      `json:"releases"` // new semver releases
	ErrorCode string        `json:"error_code,omitempty"`
	Error     string        `json:"error,omitempty"`
	MirrorID  string        `json:"-"`
	AssetID   string        `json:"-"`
	Withdrawn []string      `json:"-"`
	Moved     []string      `json:"-"`
	Bytes     int64         `json:"-"`
	Duration  time.Duration `json:"-"`
}

// Event reports progress: Done is false when a repository starts.
type Event struct {
	URL    string
	Done   bool
	Result Result
}

// Progress receives events; it may be nil.
type Progress func(Event)

func systemCtx(ctx context.Context) context.Context {
	if registry.ActorFrom(ctx).Anonymous() {
		return registry.WithActor(ctx, registry.SystemActor("sync"))
	}
	return ctx
}

// SyncURLs registers each URL (when new) and syncs it now, whether due or
// not. Results come in the order of urls.
func (s *Syncer) SyncURLs(ctx context.Context, urls []string, progress Progress) []Result {
	ctx = systemCtx(ctx)
	ms := make([]*registry.Mirror, len(urls))
	out := make([]Result, len(urls))
	for i, u := range urls {
		_, m, err := s.svc.RegisterRepository(ctx, u)
		if err != nil {
			out[i] = Result{URL: u, Status: StatusFailed, ErrorCode: errorCode(err), Error: err.Error()}
			continue
		}
		ms[i] = &m
	}
	s.runAll(ctx, ms, out, true, progress)
	return out
}

// SyncDue syncs every mirror due now.
func (s *Syncer) SyncDue(ctx context.Context, progress Progress) ([]Result, error) {
	ctx = systemCtx(ctx)
	due, err := s.svc.DueMirrors(ctx, s.svc.Now(), 0)
	if err != nil {
		return nil, err
	}
	ms := make([]*registry.Mirror, len(due))
	for i := range due {
		ms[i] = &due[i]
	}
	out := make([]Result, len(due))
	s.runAll(ctx, ms, out, false, progress)
	return out, nil
}

// runAll syncs the mirrors with bounded concurrency and a limit per host;
// out[i] receives mirror i's result (nil mirrors keep theirs).
func (s *Syncer) runAll(ctx context.Context, ms []*registry.Mirror, out []Result, force bool, progress Progress) {
	sem := make(chan struct{}, s.cfg.Concurrency)
	var wg sync.WaitGroup
	var pmu sync.Mutex
	report := func(ev Event) {
		if progress != nil {
			pmu.Lock()
			progress(ev)
			pmu.Unlock()
		}
	}
	for i, m := range ms {
		if m == nil {
			report(Event{URL: out[i].URL, Done: true, Result: out[i]})
			continue
		}
		host := mirrorHost(*m)
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			out[i] = Result{URL: m.URL, MirrorID: m.ID, Status: StatusFailed, ErrorCode: registry.CodeTimeout, Error: ctx.Err().Error()}
			continue
		}
		if !s.waitHost(ctx, host) {
			<-sem
			out[i] = Result{URL: m.URL, MirrorID: m.ID, Status: StatusFailed, ErrorCode: registry.CodeTimeout, Error: ctx.Err().Error()}
			continue
		}
		wg.Add(1)
		go func(i int, m registry.Mirror) {
			defer wg.Done()
			defer func() { <-sem }()
			defer s.doneHost(host)
			report(Event{URL: m.URL})
			out[i] = s.SyncMirror(ctx, m, force)
			report(Event{URL: m.URL, Done: true, Result: out[i]})
		}(i, *m)
	}
	wg.Wait()
}

func mirrorHost(m registry.Mirror) string {
	h, _, _ := strings.Cut(m.Path, "/")
	return h
}

// hostSlots is the semaphore of host's syncs.
func (s *Syncer) hostSlots(host string) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.hosts[host]
	if !ok {
		ch = make(chan struct{}, s.cfg.PerHost)
		s.hosts[host] = ch
	}
	return ch
}

// waitHost waits until fewer than PerHost syncs run against host and takes
// a slot; it returns false when ctx ends first. A slot given back wakes a
// waiter at once (waiting by polling held a sync of many repositories on
// one host to the polling period).
func (s *Syncer) waitHost(ctx context.Context, host string) bool {
	select {
	case s.hostSlots(host) <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

// tryHost takes a slot for host when one is free.
func (s *Syncer) tryHost(host string) bool {
	select {
	case s.hostSlots(host) <- struct{}{}:
		return true
	default:
		return false
	}
}

// doneHost gives back a slot taken by waitHost or tryHost.
func (s *Syncer) doneHost(host string) {
	<-s.hostSlots(host)
}

// errorCode maps an error to the code kept on the Mirror.
func errorCode(err error) string {
	if err == nil {
		return ""
	}
	if c := egress.CodeOf(err); c != "" {
		return c
	}
	for _, f := range registry.FieldsOf(err) {
		if f.Code != "" {
			return f.Code
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return registry.CodeTimeout
	}
	return registry.CodeFetchFailed
}

// backoff is the wait after the n-th failure in a row, with ±50% jitter.
func (s *Syncer) backoff(n int) time.Duration {
	d := s.cfg.Backoff
	for i := 1; i < n && d < s.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, s.cfg.MaxBackoff)
	return time.Duration(float64(d) * (0.5 + mrand.Float64()))
}

// interval is the wait after a success, with ±10% jitter so mirrors
// registered together spread out.
func (s *Syncer) interval() time.Duration {
	return time.Duration(float64(s.cfg.Interval) * (0.9 + 0.2*mrand.Float64()))
}
