package gitsync

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/acervo-co/acervo/gitsync/egress"
	"github.com/acervo-co/acervo/gitsync/publiccode"
	"github.com/acervo-co/acervo/registry"
)

// SyncMirror syncs one mirror under a lease: list the remote's branches and
// tags; when they are unchanged, record the check and stop; otherwise fetch
// them, record the releases and the head's metadata, and record the
// result. Without force, a mirror that is no longer due (another process
// synced it meanwhile) is skipped.
func (s *Syncer) SyncMirror(ctx context.Context, m registry.Mirror, force bool) Result {
	ctx = systemCtx(ctx)
	start := time.Now()
	res := Result{URL: m.URL, MirrorID: m.ID, AssetID: m.AssetID, Releases: []string{}}
	holder := s.cfg.Holder + "/" + randomSuffix()
	lease := s.cfg.FirstTimeout + 2*time.Minute
	got, err := s.svc.AcquireMirrorLease(ctx, m.ID, holder, lease)
	if err != nil {
		res.Status = StatusSkipped
		res.ErrorCode = CodeBusy
		if !errors.Is(err, registry.ErrConflict) {
			res.Status, res.ErrorCode = StatusFailed, registry.CodeFetchFailed
		}
		res.Error = err.Error()
		return res
	}
	m = got
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := s.svc.ReleaseMirrorLease(rctx, m.ID, holder); err != nil {
			s.log.Warn("release mirror lease", "mirror", m.ID, "err", err)
		}
	}()
	// The lease divides the work between processes; a lock file on the
	// shared mirrors volume keeps a second writer out even where the store
	// cannot make the lease atomic (FerretDB). Under both, the mirror is
	// read again: another process may have synced it meanwhile.
	unlock, err := lockMirror(s.MirrorDir(m))
	if err != nil {
		res.Status, res.ErrorCode, res.Error = StatusSkipped, CodeBusy, err.Error()
		return res
	}
	defer unlock()
	fresh, err := s.svc.Store().Mirrors().Get(ctx, m.ID)
	// A store whose conditional update is not atomic (FerretDB) can give
	// the lease to two acquirers; the one holding the lock file takes it
	// back once the other has let go.
	for try := 0; err == nil && fresh.LeaseHolder != holder && try < 10; try++ {
		time.Sleep(50 * time.Millisecond)
		fresh, err = s.svc.AcquireMirrorLease(ctx, m.ID, holder, lease)
		if errors.Is(err, registry.ErrConflict) {
			err = nil
			fresh.LeaseHolder = ""
		}
	}
	if err != nil {
		res.Status, res.ErrorCode, res.Error = StatusFailed, registry.CodeFetchFailed, err.Error()
		return res
	}
	if fresh.LeaseHolder != holder {
		res.Status, res.ErrorCode, res.Error = StatusSkipped, CodeBusy, "another process holds the lease"
		return res
	}
	m = fresh
	s.log.Debug("leased", "url", m.URL, "elapsed", time.Since(start))
	if !force && m.NextDueAt.After(s.svc.Now()) {
		res.Status = StatusSkipped
		return res
	}
	err = s.syncLeased(ctx, &m, &res)
	res.Duration = time.Since(start)
	if err != nil {
		res.Status = StatusFailed
		res.ErrorCode = errorCode(err)
		res.Error = err.Error()
		s.recordFailure(ctx, &m, res)
		s.log.Warn("sync failed", "url", m.URL, "code", res.ErrorCode, "err", err)
		return res
	}
	s.log.Info("synced", "url", m.URL, "status", res.Status, "releases", len(res.Releases), "bytes", res.Bytes, "duration", res.Duration)
	return res
}

func randomSuffix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// saveCtx outlives a cancelled sync long enough to record its outcome.
func saveCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
}

func (s *Syncer) recordFailure(ctx context.Context, m *registry.Mirror, res Result) {
	sctx, cancel := saveCtx(ctx)
	defer cancel()
	now := s.svc.Now()
	m.Status = registry.MirrorFailed
	m.ErrorCode = res.ErrorCode
	m.ErrorMessage = truncate(res.Error, 1000)
	m.Failures++
	m.LastSyncAt = &now
	m.NextDueAt = now.Add(s.backoff(m.Failures))
	if err := s.saveState(sctx, m); err != nil {
		s.log.Error("record sync failure", "mirror", m.ID, "err", err)
	}
}

// saveState records a sync's outcome. Only the holder of the mirror's lock
// file writes these fields, but lease bookkeeping by other processes can
// move the revision meanwhile: on a conflict the outcome is applied again
// to the stored mirror.
func (s *Syncer) saveState(ctx context.Context, m *registry.Mirror) error {
	for attempt := 0; ; attempt++ {
		err := s.svc.SaveMirrorState(ctx, m)
		if err == nil || !errors.Is(err, registry.ErrConflict) || attempt == 4 {
			return err
		}
		fresh, gerr := s.svc.Store().Mirrors().Get(ctx, m.ID)
		if gerr != nil {
			return err
		}
		fresh.RefsHash, fresh.Status, fresh.ErrorCode, fresh.ErrorMessage = m.RefsHash, m.Status, m.ErrorCode, m.ErrorMessage
		fresh.Failures, fresh.LastSyncAt, fresh.LastSuccessAt, fresh.NextDueAt = m.Failures, m.LastSyncAt, m.LastSuccessAt, m.NextDueAt
		// We hold the lock file, so the lease is ours whatever a racing
		// acquirer wrote (stores whose conditional update is not atomic);
		// it is released when the sync ends.
		fresh.LeaseHolder, fresh.LeaseUntil = m.LeaseHolder, m.LeaseUntil
		*m = fresh
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func (s *Syncer) syncLeased(ctx context.Context, m *registry.Mirror, res *Result) error {
	started := time.Now()
	t, err := s.cfg.Policy.CheckURL(ctx, m.URL)
	if err != nil {
		return err
	}
	dir := s.MirrorDir(*m)
	first := !mirrorExists(dir)
	timeout := s.cfg.Timeout
	if first {
		timeout = s.cfg.FirstTimeout
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, &egress.Error{Code: registry.CodeTimeout, Msg: fmt.Sprintf("the sync took longer than %s", timeout)})
	defer cancel()
	counter := egress.NewCounter(s.cfg.MaxBytes)
	defer func() { res.Bytes = counter.Bytes() }()

	refs, err := s.listRefs(ctx, t, counter)
	if err != nil {
		return s.cause(ctx, counter, nil, fmt.Errorf("list refs: %w", err))
	}
	defer refs.close()
	if len(refs.Refs) > s.cfg.MaxRefs {
		return &egress.Error{Code: registry.CodeTooManyRefs, Msg: fmt.Sprintf("the repository has %d branches and tags, more than %d", len(refs.Refs), s.cfg.MaxRefs)}
	}
	hash := refs.hash()
	if !first && hash == m.RefsHash && m.Status != registry.MirrorNew {
		res.Status = StatusUnchanged
		refs.close()
		now := s.svc.Now()
		m.LastSyncAt, m.LastSuccessAt = &now, &now
		m.NextDueAt = now.Add(s.interval())
		m.Failures = 0
		if m.Status == registry.MirrorFailed {
			m.Status, m.ErrorCode, m.ErrorMessage = registry.MirrorOK, "", ""
		}
		sctx, c := saveCtx(ctx)
		defer c()
		return s.saveState(sctx, m)
	}

	s.log.Debug("listed refs", "url", m.URL, "refs", len(refs.Refs), "changed", true, "elapsed", time.Since(started))
	// The stored releases are read during the fetch (the lease keeps
	// other syncs of this mirror from writing them meanwhile).
	type storedReleases struct {
		rs  []registry.Release
		err error
	}
	storedCh := make(chan storedReleases, 1)
	go func() {
		rs, err := s.svc.Store().Releases().ForAssets(ctx, []string{m.AssetID})
		storedCh <- storedReleases{rs, err}
	}()
	// An existing mirror's reader starts while the fetch runs too, on a
	// goroutine of its own: starting two processes takes a few
	// milliseconds the fetch need not wait for.
	preCh := make(chan *catFileProcs, 1)
	if !first && !s.useGo {
		go func() {
			p, err := s.startCatFileProcs(ctx, dir)
			if err != nil {
				p = nil
			}
			preCh <- p
		}()
	} else {
		preCh <- nil
	}
	err = s.fetch(ctx, dir, first, t, refs, counter)
	refs.close()
	pre := <-preCh
	defer pre.close()
	if err != nil {
		<-storedCh
		return err
	}
	s.log.Debug("fetched", "url", m.URL, "bytes", counter.Bytes(), "elapsed", time.Since(started))
	res.Status = StatusUpdated
	if first || m.Status == registry.MirrorNew {
		res.Status = StatusNew
	}
	st := <-storedCh
	if st.err != nil {
		return s.cause(ctx, counter, nil, fmt.Errorf("read stored releases: %w", st.err))
	}
	if err := s.record(ctx, m, dir, refs, st.rs, pre, res); err != nil {
		return s.cause(ctx, counter, nil, err)
	}
	s.log.Debug("recorded", "url", m.URL, "releases", len(res.Releases), "elapsed", time.Since(started))
	now := s.svc.Now()
	m.RefsHash = hash
	m.Status = registry.MirrorOK
	m.LastSyncAt, m.LastSuccessAt = &now, &now
	m.NextDueAt = now.Add(s.interval())
	m.Failures = 0
	m.ErrorCode, m.ErrorMessage = "", ""
	if res.ErrorCode != "" {
		m.ErrorCode, m.ErrorMessage = res.ErrorCode, truncate(res.Error, 1000)
	}
	sctx, c := saveCtx(ctx)
	defer c()
	if err := s.saveState(sctx, m); err != nil {
		return err
	}
	if !s.useGo {
		s.compactPacks(ctx, dir)
	}
	return nil
}

// maxPacks is how many pack files a mirror may gather before a sync
// combines them (each changed sync adds one; fetches run without git's
// automatic maintenance).
const maxPacks = 16

// compactPacks combines a mirror's packs when it has more than maxPacks,
// with a geometric repack (the small packs are rolled into larger ones; a
// large pack is rewritten rarely), after the sync's outcome is recorded.
// git writes the new pack before deleting the old ones, so a repack killed
// at any moment leaves every object readable. A failure is logged: the
// mirror stays as the fetch left it.
func (s *Syncer) compactPacks(ctx context.Context, dir string) {
	packs, _ := filepath.Glob(filepath.Join(dir, "objects", "pack", "pack-*.pack"))
	if len(packs) <= maxPacks {
		return
	}
	started := time.Now()
	if _, err := s.runGit(ctx, dir, "repack", "-d", "-q", "--geometric=2", "--no-write-bitmap-index"); err != nil {
		s.log.Warn("combine the mirror's packs", "dir", dir, "packs", len(packs), "err", err)
		return
	}
	s.log.Debug("combined packs", "dir", dir, "packs", len(packs), "elapsed", time.Since(started))
}

// cause turns a failure into the refusal behind it: the proxy's, the byte
// limit, the time limit.
func (s *Syncer) cause(ctx context.Context, c *egress.Counter, px *egress.Proxy, err error) error {
	if c.Exceeded() {
		return &egress.Error{Code: registry.CodeTooLarge, Msg: fmt.Sprintf("the transfer went over %d bytes", s.cfg.MaxBytes)}
	}
	if egress.CodeOf(err) != "" {
		return err
	}
	if px != nil {
		if perr := px.Err(); perr != nil && egress.CodeOf(perr) != registry.CodeFetchFailed {
			return fmt.Errorf("%w: %v", perr, err)
		}
	}
	if ctx.Err() != nil {
		if c := context.Cause(ctx); egress.CodeOf(c) != "" {
			return c
		}
		return &egress.Error{Code: registry.CodeTimeout, Msg: ctx.Err().Error()}
	}
	return err
}

// fetch brings the mirror up to date. A first mirror is fetched into a
// temporary directory renamed into place when complete, so a killed first
// sync leaves nothing half-made where the mirror belongs.
func (s *Syncer) fetch(ctx context.Context, dir string, first bool, t egress.Target, refs remoteRefs, c *egress.Counter) error {
	// Over http(s) with the git CLI, the pack is asked for on the
	// listing's session (no second listing) through the same policy
	// client, and git only indexes it.
	onSession := !s.useGo && refs.conn != nil && refs.conn.hc != nil
	if !first && onSession {
		if err := s.fetchPack(ctx, dir, refs, c); err != nil {
			return s.cause(ctx, c, nil, fmt.Errorf("fetch: %w", err))
		}
		if err := setHead(dir, refs.Head); err != nil {
			return fmt.Errorf("set HEAD: %w", err)
		}
		return nil
	}
	var px *egress.Proxy
	if !t.Local() && !onSession {
		var err error
		px, err = s.cfg.Policy.StartProxy(t.Scheme, t.Host, c, s.log)
		if err != nil {
			return err
		}
		defer px.Close()
	}
	target := dir
	if first {
		if err := os.MkdirAll(filepath.Dir(dir), 0o750); err != nil {
			return err
		}
		removeStale(dir)
		target = dir + ".tmp-" + randomSuffix()
		defer os.RemoveAll(target) // after a successful rename there is nothing left
	}
	proxyURL := ""
	if px != nil {
		proxyURL = px.URL()
	}
	var err error
	switch {
	case len(refs.Refs) == 0:
		if first {
			err = initBare(target)
		}
	case first && onSession:
		err = s.clonePack(ctx, target, refs, c)
	case first && !s.useGo:
		// A bare clone takes exactly the branches and tags, and skips the
		// connectivity walk a fetch into an empty repository would do.
		err = s.cloneCLI(ctx, target, t, proxyURL)
	default:
		if first {
			if err := initBare(target); err != nil {
				return err
			}
		}
		if s.useGo {
			err = s.fetchGoGit(ctx, target, t, px)
		} else {
			err = s.fetchCLI(ctx, target, t, proxyURL)
		}
	}
	if err != nil {
		return s.cause(ctx, c, px, fmt.Errorf("fetch: %w", err))
	}
	if c.Exceeded() {
		return s.cause(ctx, c, px, errors.New("fetch"))
	}
	if err := setHead(target, refs.Head); err != nil {
		return fmt.Errorf("set HEAD: %w", err)
	}
	if first {
		if err := os.Rename(target, dir); err != nil {
			return fmt.Errorf("move the new mirror into place: %w", err)
		}
	}
	return nil
}

// lockMirror takes an exclusive, non-blocking lock on <dir>.lock; it fails
// when another process (or goroutine) holds it. The lock goes with the
// process if it dies.
func lockMirror(dir string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(dir), 0o750); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(dir+".lock", os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("another sync holds %s.lock", filepath.Base(dir))
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// removeStale deletes temporary directories left by killed first syncs of
// the mirror at dir (we hold its lease).
func removeStale(dir string) {
	matches, _ := filepath.Glob(dir + ".tmp-*")
	for _, m := range matches {
		os.RemoveAll(m)
	}
}

// record reads the mirror and records releases (stored: those the store
// holds for the asset) and the head's metadata (pre: cat-file processes
// started during the fetch, or nil).
func (s *Syncer) record(ctx context.Context, m *registry.Mirror, dir string, refs remoteRefs, stored []registry.Release, pre *catFileProcs, res *Result) error {
	started := time.Now()
	repo, closeRepo, err := s.openReader(ctx, dir, pre)
	if err != nil {
		return fmt.Errorf("open mirror: %w", err)
	}
	defer closeRepo()
	opts := publiccode.Options{EntityLookup: func(nit string) bool {
		_, err := s.svc.Store().Entities().GetByNIT(ctx, nit)
		return err == nil
	}}
	cache := loadLicenseCache(dir)
	defer func() {
		if err := cache.save(); err != nil {
			s.log.Warn("save licence cache", "mirror", m.ID, "err", err)
		}
	}()
	x := newExtractor(repo, opts, s.cfg.MaxPubliccode, s.licenses, cache)
	x.langs = loadLanguageCache(dir)
	defer func() {
		if err := x.langs.save(); err != nil {
			s.log.Warn("save languages cache", "mirror", m.ID, "err", err)
		}
	}()
	more := func() (*extractor, func(), error) {
		r, closeR, err := s.openReader(ctx, dir, nil)
		if err != nil {
			return nil, nil, err
		}
		return newExtractor(r, opts, s.cfg.MaxPubliccode, s.licenses, cache), closeR, nil
	}
	byTag := make(map[string]registry.Release, len(stored))
	for _, r := range stored {
		byTag[r.Tag] = r
	}
	// A tag whose advertised target (peeled for annotated tags) is the
	// stored release's commit is not read again.
	known := func(tag, hash string) string {
		r, ok := byTag[tag]
		if !ok || r.Withdrawn || refs.Refs["refs/tags/"+tag] != hash {
			return ""
		}
		c := hash
		if p, ok := refs.Peeled["refs/tags/"+tag]; ok {
			c = p
		}
		if c != r.Commit {
			return ""
		}
		return c
	}
	// Tags to peel are listed with one for-each-ref (through the git CLI);
	// when every advertised tag is known, go-git reads the references
	// alone, sooner than a process starts.
	allKnown := true
	for name, hash := range refs.Refs {
		if tag, ok := strings.CutPrefix(name, "refs/tags/"); ok && known(tag, hash) == "" {
			allKnown = false
			break
		}
	}
	var tags []tagInfo
	if _, ok := repo.Storer.(*catFileStorage); ok && !allKnown {
		tags, err = s.readTagsCLI(ctx, dir, repo, known)
	} else {
		tags, err = readTags(repo, known)
	}
	if err != nil {
		return fmt.Errorf("read tags: %w", err)
	}
	s.log.Debug("read tags", "url", m.URL, "tags", len(tags), "elapsed", time.Since(started))
	if err := s.recordReleases(ctx, m.AssetID, stored, x, more, tags, res); err != nil {
		return err
	}
	s.log.Debug("recorded releases", "url", m.URL, "elapsed", time.Since(started))
	md := registry.RepositoryMetadata{Publiccode: registry.PubliccodeSnapshot{}, Languages: []registry.LanguageShare{}}
	if head, err := repo.Head(); err == nil {
		md.Commit = head.Hash().String()
		snap, err := x.at(md.Commit, true)
		if err != nil {
			return err
		}
		md.Publiccode, md.License, md.Readme, md.Languages = snap.Publiccode, snap.License, snap.Readme, snap.Languages
		md.Fields, md.FieldNames = assetFields(snap.File)
	}
	s.log.Debug("read head", "url", m.URL, "elapsed", time.Since(started))
	if md.Publiccode.Present && !md.Publiccode.Valid {
		res.ErrorCode = registry.CodeMetadataInvalid
		res.Error = "publiccode.yml is invalid"
		for _, f := range md.Publiccode.Findings {
			if f.Severity == "error" {
				res.Error += ": " + strings.TrimSpace(f.Key+" "+f.Message)
				break
			}
		}
	}
	sctx, cancel := saveCtx(ctx)
	defer cancel()
	if _, _, err := s.svc.ApplyRepositoryMetadata(sctx, m.AssetID, md); err != nil {
		return fmt.Errorf("update asset: %w", err)
	}
	return nil
}

// recordReleases reconciles the stored releases with the mirror's tags:
// new tags become releases (or plain tags), a moved tag keeps its history
// in Moves, a deleted tag withdraws its release (kept), a tag that comes
// back is no longer withdrawn.
func (s *Syncer) recordReleases(ctx context.Context, assetID string, stored []registry.Release, x *extractor, more func() (*extractor, func(), error), tags []tagInfo, res *Result) error {
	byTag := make(map[string]registry.Release, len(stored))
	for _, r := range stored {
		byTag[r.Tag] = r
	}
	now := s.svc.Now()
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		seen[t.Tag] = true
	}
	// Readers read the mirror while this goroutine writes to the store:
	// the two overlap. go-git is not safe for concurrent use: a second
	// reader, when there are many tags to read and a second processor,
	// opens the mirror again (s.twoReaders: only where the store writes
	// keep up with it).
	type prepared struct {
		r      registry.Release
		exists bool
		moved  bool
		err    error
	}
	type job struct {
		t      tagInfo
		r      registry.Release
		exists bool
		moved  bool
	}
	var jobs []job
	for _, t := range tags {
		r, exists := byTag[t.Tag]
		moved := false
		switch {
		case !exists:
			r = registry.Release{AssetID: assetID, Tag: t.Tag}
		case r.Commit != t.Commit:
			r.Moves = append(r.Moves, registry.TagMove{From: r.Commit, To: t.Commit, At: now})
			moved = true
		case r.Withdrawn:
		default:
			continue // unchanged
		}
		jobs = append(jobs, job{t: t, r: r, exists: exists, moved: moved})
	}
	readers := []*extractor{x}
	if s.twoReaders && len(jobs) >= parallelReadMin && runtime.GOMAXPROCS(0) > 1 && more != nil {
		if x2, closeX2, err := more(); err == nil {
			defer closeX2()
			readers = append(readers, x2)
		}
	}
	s.log.Debug("reading releases", "asset", assetID, "tags", len(jobs), "readers", len(readers))
	pctx, stop := context.WithCancel(ctx)
	ch := make(chan prepared, 16)
	var next atomic.Int64
	var rwg sync.WaitGroup
	for _, x := range readers {
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(jobs) || pctx.Err() != nil {
					return
				}
				j := jobs[i]
				r, t := j.r, j.t
				r.Withdrawn, r.WithdrawnAt = false, nil
				r.Commit, r.Date = t.Commit, t.Date
				if v, ok := registry.ParseSemver(t.Tag); ok {
					r.IsRelease, r.Version, r.Prerelease = true, v.String(), v.Pre != ""
				}
				snap, err := x.atTree(t.Commit, t.Tree, false)
				if err == nil {
					r.Publiccode, r.License = snap.Publiccode, snap.License
					if r.License == "" {
						r.License = snap.FileLicense
					}
				}
				select {
				case ch <- prepared{r: r, exists: j.exists, moved: j.moved, err: err}:
				case <-pctx.Done():
					return
				}
				if err != nil {
					return
				}
			}
		}()
	}
	go func() {
		rwg.Wait()
		close(ch)
	}()
	fail := func(err error) error {
		stop()
		for range ch { // wait for the reader to finish with the mirror
		}
		return err
	}
	// Releases are written in batches of what the reader has ready: one
	// transaction each when the Service can write many releases at once
	// (releaseBatcher), else one write per release.
	batcher, _ := any(s.svc).(releaseBatcher)
	write := func(batch []prepared) error {
		if err := writeReleases(ctx, s.svc, batcher, batch, func(p *prepared) *registry.Release { return &p.r }); err != nil {
			return err
		}
		for _, p := range batch {
			if !p.exists && p.r.IsRelease {
				res.Releases = append(res.Releases, p.r.Tag)
			}
			if p.moved {
				res.Moved = append(res.Moved, p.r.Tag)
			}
		}
		return nil
	}
	var batch []prepared
	for p := range ch {
		batch = append(batch[:0], p)
	drain:
		for len(batch) < maxReleaseBatch {
			select {
			case q, ok := <-ch:
				if !ok {
					break drain
				}
				batch = append(batch, q)
			default:
				break drain
			}
		}
		for i, q := range batch {
			if q.err != nil {
				if err := write(batch[:i]); err != nil {
					return fail(err)
				}
				return fail(q.err)
			}
		}
		if err := write(batch); err != nil {
			return fail(err)
		}
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
	}
	stop()
	// Readers finish in any order; results are reported in tag order.
	sort.Strings(res.Releases)
	sort.Strings(res.Moved)
	var gone []registry.Release
	for _, r := range stored {
		if seen[r.Tag] || r.Withdrawn {
			continue
		}
		r.Withdrawn, r.WithdrawnAt = true, &now
		gone = append(gone, r)
	}
	for chunk := range slices.Chunk(gone, maxReleaseBatch) {
		if err := writeReleases(ctx, s.svc, batcher, chunk, func(r *registry.Release) *registry.Release { return r }); err != nil {
			return err
		}
		for _, r := range chunk {
			res.Withdrawn = append(res.Withdrawn, r.Tag)
		}
	}
	return nil
}

// maxReleaseBatch bounds the releases written in one transaction.
const maxReleaseBatch = 100

// parallelReadMin is how many tags to read make a second reader worth
// opening the mirror again (its pack indexes are read again, about 3.5 MiB
// more for 10,000 objects).
const parallelReadMin = 32

// releaseBatcher is a Service that records many releases in one write
// (each with its audit event, as RecordRelease).
type releaseBatcher interface {
	RecordReleases(ctx context.Context, rs []*registry.Release) (created []bool, err error)
}

// writeReleases records the release of each element of batch (rel gives
// it; the store writes its id and revision back), in one write when b is
// not nil, else one by one through svc.
func writeReleases[T any](ctx context.Context, svc *registry.Service, b releaseBatcher, batch []T, rel func(*T) *registry.Release) error {
	if len(batch) == 0 {
		return nil
	}
	if b != nil {
		rs := make([]*registry.Release, len(batch))
		for i := range batch {
			rs[i] = rel(&batch[i])
		}
		sctx, cancel := saveCtx(ctx)
		defer cancel()
		if _, err := b.RecordReleases(sctx, rs); err != nil {
			return fmt.Errorf("record releases %s to %s: %w", rs[0].Tag, rs[len(rs)-1].Tag, err)
		}
		return nil
	}
	for i := range batch {
		r := rel(&batch[i])
		verb := "record"
		if r.Withdrawn {
			verb = "withdraw"
		}
		sctx, cancel := saveCtx(ctx)
		_, err := svc.RecordRelease(sctx, r)
		cancel()
		if err != nil {
			return fmt.Errorf("%s release %s: %w", verb, r.Tag, err)
		}
	}
	return nil
}

// assetFields maps a publiccode.yml to asset fields and the names of the
// fields it sets.
func assetFields(f *publiccode.File) (*registry.Asset, []string) {
	if f == nil {
		return nil, nil
	}
	a := &registry.Asset{}
	names := f.FillAsset(a, registry.Provenance{Source: registry.ProvPubliccode})
	return a, names
}
