package match

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/acervo-co/acervo/registry"
)

// Checkpoint keeps the change sequence number up to which the matcher has
// caught up, so a restarted process goes on from there.
type Checkpoint interface {
	Load() (int64, error)
	Save(seq int64) error
}

// FileCheckpoint keeps the checkpoint in a file (<data>/link.seq).
type FileCheckpoint struct{ Path string }

// Load reads the checkpoint; a missing file is 0.
func (f FileCheckpoint) Load() (int64, error) {
	b, err := os.ReadFile(f.Path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", f.Path, err)
	}
	return n, nil
}

// Save writes the checkpoint atomically (write then rename).
func (f FileCheckpoint) Save(seq int64) error {
	tmp := f.Path + ".tmp"
	if err := os.MkdirAll(filepath.Dir(f.Path), 0o750); err != nil {
		return err
	}
	if err := os.WriteFile(tmp, []byte(strconv.FormatInt(seq, 10)+"\n"), 0o640); err != nil {
		return err
	}
	return os.Rename(tmp, f.Path)
}

// MemCheckpoint keeps the checkpoint in memory (tests, one-off runs).
type MemCheckpoint struct {
	mu  sync.Mutex
	seq int64
}

// Load returns the checkpoint.
func (m *MemCheckpoint) Load() (int64, error) { m.mu.Lock(); defer m.mu.Unlock(); return m.seq, nil }

// Save stores the checkpoint.
func (m *MemCheckpoint) Save(seq int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seq = seq
	return nil
}

// Result is the matcher's verdict on one purchase, as `acervo link --json`
// prints it.
type Result struct {
	PurchaseID string      `json:"purchaseId"`
	Source     string      `json:"source"`
	ContractID string      `json:"contractId"`
	Candidates []Candidate `json:"candidates"`
}

// Stats count what a run did.
type Stats struct {
	Assets      int           `json:"assets"`
	Purchases   int           `json:"purchases"`
	Matched     int           `json:"matched"`     // purchases with at least one candidate
	Uses        int           `json:"uses"`        // candidates with the USE verdict (not stored)
	Suggested   int           `json:"suggested"`   // new suggestions
	Updated     int           `json:"updated"`     // suggestions whose relation, score or reasons changed
	Unchanged   int           `json:"unchanged"`   // suggestions already stored as they are
	Withdrawn   int           `json:"withdrawn"`   // stale suggestions removed
	ChangedSeq  int64         `json:"seq"`         // checkpoint after the run
	AssetsReRun int           `json:"assetsReRun"` // changed assets matched against every purchase
	Duration    time.Duration `json:"durationNs"`
}

// Runner runs the matcher over the store through the Service: a full run
// over every purchase, or an incremental run over what changed since the
// checkpoint (changed purchases against every asset, changed assets
// against every purchase). Suggestions are written with SuggestLink under
// the system actor "link"; decided links keep their state.
type Runner struct {
	svc     *registry.Service
	opt     Options
	cp      Checkpoint
	log     *slog.Logger
	workers int

	mu sync.Mutex
	m  *Matcher

	// run serialises runs (the serve loop and an administrator's
	// runMatcher may ask at once).
	run sync.Mutex
}

// RunnerOption configures a Runner.
type RunnerOption func(*Runner)

// WithRunnerLogger sets the logger.
func WithRunnerLogger(l *slog.Logger) RunnerOption { return func(r *Runner) { r.log = l } }

// WithWorkers sets the number of matching goroutines (default GOMAXPROCS).
func WithWorkers(n int) RunnerOption { return func(r *Runner) { r.workers = n } }

// NewRunner returns a runner over svc. cp may be nil (in memory).
func NewRunner(svc *registry.Service, opt Options, cp Checkpoint, opts ...RunnerOption) *Runner {
	if cp == nil {
		cp = &MemCheckpoint{}
	}
	r := &Runner{svc: svc, opt: opt.withDefaults(), cp: cp, log: slog.New(slog.DiscardHandler), workers: runtime.GOMAXPROCS(0)}
	for _, o := range opts {
		o(r)
	}
	return r
}

func (r *Runner) sys(ctx context.Context) context.Context {
	return registry.WithActor(ctx, registry.SystemActor("link"))
}

// LoadIndex reads every asset (and how many entities adopted each) and
// builds the matcher.
func (r *Runner) LoadIndex(ctx context.Context) (*Matcher, error) {
	st := r.svc.Store()
	var assets []registry.Asset
	after := ""
	for {
		l, err := st.Assets().List(ctx, registry.AssetFilter{Page: registry.Page{First: registry.MaxPageSize, After: after}})
		if err != nil {
			return nil, err
		}
		assets = append(assets, l.Items...)
		if !l.PageInfo.HasNextPage || len(l.Items) == 0 {
			break
		}
		after = l.PageInfo.EndCursor
	}
	adopters := map[string]map[string]bool{}
	for i := 0; i < len(assets); i += 500 {
		ids := make([]string, 0, 500)
		for _, a := range assets[i:min(i+500, len(assets))] {
			ids = append(ids, a.ID)
		}
		ads, err := st.Adoptions().ForAssets(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, ad := range ads {
			if ad.Status == registry.AdoptionRetired {
				continue
			}
			if adopters[ad.AssetID] == nil {
				adopters[ad.AssetID] = map[string]bool{}
			}
			adopters[ad.AssetID][ad.EntityNIT] = true
		}
	}
	infos := make([]AssetInfo, len(assets))
	for i, a := range assets {
		a.Readme = ""
		infos[i] = AssetInfo{Asset: a, Adopters: len(adopters[a.ID])}
	}
	m := New(Build(infos), r.opt)
	r.mu.Lock()
	r.m = m
	r.mu.Unlock()
	return m, nil
}

// Matcher returns the current matcher, loading the index on first use.
func (r *Runner) Matcher(ctx context.Context) (*Matcher, error) { return r.matcher(r.sys(ctx)) }

// Threshold is the score from which candidates become suggestions.
func (r *Runner) Threshold() float64 { return r.opt.Threshold }

func (r *Runner) matcher(ctx context.Context) (*Matcher, error) {
	r.mu.Lock()
	m := r.m
	r.mu.Unlock()
	if m != nil {
		return m, nil
	}
	return r.LoadIndex(ctx)
}

// head returns the store's latest change sequence number at or after
// from, with the changes read on the way when collect is true.
func (r *Runner) head(ctx context.Context, from int64, collect func([]registry.Change)) (int64, error) {
	seq := from
	for {
		cs, err := r.svc.Store().Changes(ctx, seq, 10000)
		if err != nil {
			return 0, err
		}
		if len(cs) == 0 {
			return seq, nil
		}
		if collect != nil {
			collect(cs)
		}
		seq = cs[len(cs)-1].Seq
	}
}

// Full matches every purchase against every asset, records suggestions
// and calls emit (when not nil) with the verdict on every purchase that
// has candidates. It moves the checkpoint to the head of the change
// sequence read before the run.
func (r *Runner) Full(ctx context.Context, emit func(Result) error) (Stats, error) {
	r.run.Lock()
	defer r.run.Unlock()
	return r.full(ctx, emit)
}

func (r *Runner) full(ctx context.Context, emit func(Result) error) (Stats, error) {
	start := time.Now()
	ctx = r.sys(ctx)
	from, err := r.cp.Load()
	if err != nil {
		return Stats{}, err
	}
	headSeq, err := r.head(ctx, from, nil)
	if err != nil {
		return Stats{}, err
	}
	m, err := r.LoadIndex(ctx)
	if err != nil {
		return Stats{}, err
	}
	st := Stats{Assets: m.ix.Len()}
	err = r.svc.Store().Purchases().Scan(ctx, registry.PurchaseFilter{}, func(ps []registry.Purchase) error {
		return r.process(ctx, m, ps, &st, emit, false)
	})
	if err != nil {
		return st, err
	}
	if err := r.cp.Save(headSeq); err != nil {
		return st, err
	}
	st.ChangedSeq, st.Duration = headSeq, time.Since(start)
	r.log.Info("matcher: full run", "purchases", st.Purchases, "suggested", st.Suggested, "updated", st.Updated, "duration", st.Duration)
	return st, nil
}

// Incremental matches what changed since the checkpoint: purchases written
// since then against every asset, and — when assets changed — those assets
// against every purchase (after rebuilding the index). It moves the
// checkpoint to the last change it read.
func (r *Runner) Incremental(ctx context.Context, emit func(Result) error) (Stats, error) {
	r.run.Lock()
	defer r.run.Unlock()
	start := time.Now()
	ctx = r.sys(ctx)
	from, err := r.cp.Load()
	if err != nil {
		return Stats{}, err
	}
	if from == 0 {
		// Never ran: everything changed.
		return r.full(ctx, emit)
	}
	purchaseIDs := map[string]bool{}
	assetIDs := map[string]bool{}
	adoptionsChanged := false
	headSeq, err := r.head(ctx, from, func(cs []registry.Change) {
		for _, c := range cs {
			switch c.Kind {
			case registry.KindPurchase:
				if !c.Deleted {
					purchaseIDs[c.ID] = true
				}
			case registry.KindAsset:
				assetIDs[c.ID] = true
			case registry.KindAdoption:
				adoptionsChanged = true
			}
		}
	})
	if err != nil {
		return Stats{}, err
	}
	var m *Matcher
	if len(assetIDs) > 0 || adoptionsChanged {
		m, err = r.LoadIndex(ctx)
	} else {
		m, err = r.matcher(ctx)
	}
	if err != nil {
		return Stats{}, err
	}
	st := Stats{Assets: m.ix.Len()}
	ids := make([]string, 0, len(purchaseIDs))
	for id := range purchaseIDs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for i := 0; i < len(ids); i += 500 {
		ps, err := r.svc.Store().Purchases().GetMany(ctx, ids[i:min(i+500, len(ids))])
		if err != nil {
			return st, err
		}
		if err := r.process(ctx, m, ps, &st, emit, true); err != nil {
			return st, err
		}
	}
	if len(assetIDs) > 0 {
		if err := r.rerunAssets(ctx, m, assetIDs, purchaseIDs, &st, emit); err != nil {
			return st, err
		}
	}
	if err := r.cp.Save(headSeq); err != nil {
		return st, err
	}
	st.ChangedSeq, st.Duration = headSeq, time.Since(start)
	if st.Purchases > 0 || st.AssetsReRun > 0 {
		r.log.Info("matcher: incremental run", "purchases", st.Purchases, "assets", st.AssetsReRun, "suggested", st.Suggested, "duration", st.Duration)
	}
	return st, nil
}

// rerunAssets matches changed assets against every purchase (skipping the
// purchases already matched in this run) with an index of those assets
// only, and withdraws their stale suggestions.
func (r *Runner) rerunAssets(ctx context.Context, full *Matcher, assetIDs, done map[string]bool, st *Stats, emit func(Result) error) error {
	var infos []AssetInfo
	for id := range assetIDs {
		idx, ok := full.ix.byID[id]
		if !ok {
			continue // deleted
		}
		a, err := r.svc.Store().Assets().Get(ctx, full.ix.assets[idx].id)
		if err != nil {
			if errors.Is(err, registry.ErrNotFound) {
				continue
			}
			return err
		}
		infos = append(infos, AssetInfo{Asset: a, Adopters: full.ix.assets[idx].adopters})
	}
	st.AssetsReRun = len(infos)
	if len(infos) == 0 {
		return nil
	}
	// Alternatives need the whole category list, so the small index only
	// names candidates; ALTERNATIVE links of new assets come with the next
	// full run.
	small := New(Build(infos), r.opt)
	small.ix.byCategory = map[string][]int32{}
	keep := map[[2]string]bool{}
	err := r.svc.Store().Purchases().Scan(ctx, registry.PurchaseFilter{}, func(ps []registry.Purchase) error {
		rest := ps[:0:0]
		for _, p := range ps {
			if !done[p.ID] {
				rest = append(rest, p)
			}
		}
		return r.processInto(ctx, small, rest, st, emit, keep)
	})
	if err != nil {
		return err
	}
	// Withdraw suggestions of these assets the new aliases no longer
	// support (decided links stay).
	for _, in := range infos {
		links, err := r.svc.Store().Links().ForAssets(ctx, []string{in.Asset.ID}, registry.LinkSuggested)
		if err != nil {
			return err
		}
		for _, l := range links {
			if keep[[2]string{l.PurchaseID, l.AssetID}] || done[l.PurchaseID] || l.Relation == registry.RelAlternative {
				continue
			}
			if err := r.svc.WithdrawSuggestion(ctx, l.ID); err != nil && !errors.Is(err, registry.ErrNotFound) {
				return err
			}
			st.Withdrawn++
		}
	}
	return nil
}

func (r *Runner) process(ctx context.Context, m *Matcher, ps []registry.Purchase, st *Stats, emit func(Result) error, withdraw bool) error {
	keep := map[[2]string]bool{}
	if err := r.processInto(ctx, m, ps, st, emit, keep); err != nil {
		return err
	}
	if !withdraw {
		return nil
	}
	// A changed purchase may no longer support an earlier suggestion (a
	// purchase just created has none).
	ids := make([]string, 0, len(ps))
	for _, p := range ps {
		if p.Rev > 1 || !p.UpdatedAt.Equal(p.CreatedAt) {
			ids = append(ids, p.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	l, err := r.svc.Store().Links().List(ctx, registry.LinkFilter{PurchaseIDs: ids, State: registry.LinkSuggested, Page: registry.Page{First: registry.MaxPageSize}})
	for err == nil {
		for _, x := range l.Items {
			if !keep[[2]string{x.PurchaseID, x.AssetID}] {
				if werr := r.svc.WithdrawSuggestion(ctx, x.ID); werr != nil && !errors.Is(werr, registry.ErrNotFound) {
					return werr
				}
				st.Withdrawn++
			}
		}
		if !l.PageInfo.HasNextPage {
			return nil
		}
		l, err = r.svc.Store().Links().List(ctx, registry.LinkFilter{PurchaseIDs: ids, State: registry.LinkSuggested, Page: registry.Page{First: registry.MaxPageSize, After: l.PageInfo.EndCursor}})
	}
	return err
}

// processInto matches a batch in parallel, then writes its suggestions in
// order (the store has one writer) and records which (purchase, asset)
// pairs are still suggested in keep.
func (r *Runner) processInto(ctx context.Context, m *Matcher, ps []registry.Purchase, st *Stats, emit func(Result) error, keep map[[2]string]bool) error {
	results := make([][]Candidate, len(ps))
	workers := max(1, min(r.workers, len(ps)/32+1))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var s Scratch
			for i := w; i < len(ps); i += workers {
				results[i] = m.MatchInto(&ps[i], &s, nil)
			}
		}(w)
	}
	wg.Wait()
	for i := range ps {
		st.Purchases++
		cs := results[i]
		if len(cs) == 0 {
			continue
		}
		st.Matched++
		for _, c := range cs {
			if c.Relation == RelUse {
				st.Uses++
				continue
			}
			if c.Score < m.opt.Threshold {
				continue
			}
			keep[[2]string{ps[i].ID, c.AssetID}] = true
			l := &registry.PurchaseLink{PurchaseID: ps[i].ID, AssetID: c.AssetID, Relation: c.Relation, Score: c.Score, Reasons: c.Reasons}
			o, err := r.svc.SuggestLink(ctx, l)
			if err != nil {
				return fmt.Errorf("suggesting %s → %s: %w", ps[i].ContractID, c.Asset, err)
			}
			switch o {
			case registry.OutcomeNew:
				st.Suggested++
			case registry.OutcomeUpdated:
				st.Updated++
			default:
				st.Unchanged++
			}
		}
		if emit != nil {
			if err := emit(Result{PurchaseID: ps[i].ID, Source: ps[i].Source, ContractID: ps[i].ContractID, Candidates: cs}); err != nil {
				return err
			}
		}
	}
	return nil
}

// Watch runs Incremental every interval until ctx ends (the matcher of
// `acervo serve`). Errors are logged and retried at the next tick.
func (r *Runner) Watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := r.Incremental(ctx, nil); err != nil && ctx.Err() == nil {
			r.log.Warn("matcher: incremental run failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
