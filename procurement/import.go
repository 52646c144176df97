package procurement

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/acervo-co/acervo/registry"
)

// Sink is where an import writes: *registry.Service is one.
type Sink interface {
	ImportPurchases(ctx context.Context, runID string, ps []registry.Purchase) ([]registry.UpsertOutcome, error)
	ImportEntity(ctx context.Context, e registry.Entity) (bool, error)
	PurchaseByKey(ctx context.Context, source, contractID string) (registry.Purchase, error)
	StartImportRun(ctx context.Context, r *registry.ImportRun) error
	SaveImportRun(ctx context.Context, r *registry.ImportRun) error
	ResumableImportRun(ctx context.Context, format, source string) (registry.ImportRun, error)
}

// Options tune an import.
type Options struct {
	// Family restricts the input: "auto" (default), "secop2", "secop1",
	// "tvec", "ocds", "integrado".
	Family string
	// DryRun reads, checks and counts against the store without writing.
	DryRun bool
	// DataDir is the data directory: rejects go to DataDir/rejects/<run>.csv.
	DataDir string
	// BatchSize is the number of purchases per store batch (default 2000).
	BatchSize int
	// Detector scores software purchases (default NewDetector()).
	Detector *Detector
	// OnFormat is told the detected format before the first row.
	OnFormat func(Format)
	// OnReject is told each rejected row, in input order.
	OnReject func(RowError)
	// OnProgress is told the progress now and then (and at the end).
	OnProgress func(Progress)
	// NoResume starts afresh even when an unfinished run of the same input
	// exists.
	NoResume bool
	Log      *slog.Logger
}

// Progress is how far an import is.
type Progress struct {
	Rows       int64 // input rows read
	Bytes      int64 // input bytes read
	TotalBytes int64 // -1 when unknown
	Done       bool
}

// Summary counts what an import did: every input row is in exactly one of
// New, Updated, Unchanged and Rejected. A row repeated in the input with the
// same content counts as unchanged the second time; with different content,
// as rejected (the first one stands).
type Summary struct {
	Format      string `json:"format"`
	New         int64  `json:"new"`
	Updated     int64  `json:"updated"`
	Unchanged   int64  `json:"unchanged"`
	Rejected    int64  `json:"rejected"`
	RunID       string `json:"-"`
	RejectsPath string `json:"-"`
	Entities    int64  `json:"-"` // entities created or merged
	// Compiled counts OCDS releases merged into an earlier release of the
	// same process (one purchase per process stage would count a contract
	// two or three times).
	Compiled int64 `json:"-"`
	Resumed  bool  `json:"-"`
}

// Rows is the number of input rows the summary accounts for.
func (s Summary) Rows() int64 { return s.New + s.Updated + s.Unchanged + s.Rejected }

// Importer imports purchase records through a Sink.
type Importer struct {
	sink   Sink
	tables *Tables
	opts   Options
	log    *slog.Logger
}

// NewImporter returns an importer writing to sink.
func NewImporter(sink Sink, opts Options) (*Importer, error) {
	t, err := LoadTables()
	if err != nil {
		return nil, err
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 2000
	}
	if opts.Detector == nil {
		opts.Detector = NewDetector()
	}
	if opts.Family == "" {
		opts.Family = "auto"
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Importer{sink: sink, tables: t, opts: opts, log: log}, nil
}

// checkpoint is the resumable position of a run, stored in ImportRun.Checkpoint.
type checkpoint struct {
	Rows        int64  `json:"rows"`                  // input rows done (written or rejected)
	RejectsSize int64  `json:"rejectsSize"`           // bytes of the rejects file at that point
	Fingerprint string `json:"fingerprint,omitempty"` // of a file input
	SODAOffset  int64  `json:"sodaOffset,omitempty"`  // next $offset of a remote input
}

// ImportFile imports a local file. An unfinished earlier run of the same
// file (same path and content) is resumed from its checkpoint.
func (im *Importer) ImportFile(ctx context.Context, path string) (Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return Summary{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Summary{}, err
	}
	fp, err := fingerprint(f, st)
	if err != nil {
		return Summary{}, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return Summary{}, err
	}
	abs, _ := filepath.Abs(path)
	src, err := openSource(f, im.opts.Family, im.tables)
	if err != nil {
		return Summary{}, err
	}
	defer src.close()
	return im.run(ctx, src, abs, fp, st.Size())
}

// ImportReader imports a stream (name identifies it in the run record; a
// stream is never resumed).
func (im *Importer) ImportReader(ctx context.Context, name string, rd io.Reader) (Summary, error) {
	src, err := openSource(rd, im.opts.Family, im.tables)
	if err != nil {
		return Summary{}, err
	}
	defer src.close()
	return im.run(ctx, src, name, "", -1)
}

func fingerprint(f *os.File, st os.FileInfo) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%d|", st.Size())
	if _, err := io.CopyN(h, f, 1<<20); err != nil && err != io.EOF {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)[:16]), nil
}

// batch is what the reader hands the writer.
type batch struct {
	ps          []registry.Purchase
	rowsThrough int64 // input rows consumed once this batch is written
	rejected    int64 // rows rejected since the previous batch
	dups        int64 // repeated rows (same content) since the previous batch
	rejectsSize int64 // bytes of the rejects file once this batch is written
	sodaOffset  int64
	// fillOnly: the rows come from a consolidated dataset (SECOP
	// Integrado) that carries fewer fields than the source datasets; they
	// fill what the stored purchase lacks and never erase it.
	fillOnly bool
}

type seenRow struct {
	hash uint64
	line int32
}

// run is the pipeline: this goroutine reads, maps and checks; a writer
// goroutine writes batches and checkpoints.
func (im *Importer) run(ctx context.Context, src source, name, fp string, total int64) (Summary, error) {
	f := src.format()
	if im.opts.OnFormat != nil {
		im.opts.OnFormat(f)
	}
	sum := Summary{Format: f.String()}
	var run registry.ImportRun
	var cp checkpoint
	if !im.opts.DryRun {
		if err := im.openRun(ctx, &run, &cp, &sum, f, name, fp); err != nil {
			return sum, err
		}
	}
	rej, err := im.openRejects(&run, &cp, &sum)
	if err != nil {
		return sum, err
	}
	defer rej.close()

	// The writer owns cp from here; the reader skips what the checkpoint covers.
	skipUntil := cp.Rows
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan *batch, 2)
	werr := make(chan error, 1)
	go func() { werr <- im.write(ctx, cancel, batches, &run, &cp, &sum) }()

	seen := map[[2]uint64]seenRow{}
	keys := newKeyHasher()
	var hasher rowHasher
	one := make([]Mapped, 1)
	buyers := newBuyerSet()
	fillOnly := f.Dataset == Integrado
	cur := &batch{ps: make([]registry.Purchase, 0, im.opts.BatchSize), fillOnly: fillOnly}
	var rows int64
	if r, ok := src.(interface{ setContext(context.Context) }); ok {
		r.setContext(ctx)
	}
	if r, ok := src.(interface{ startAt(int64) }); ok && skipUntil > 0 {
		r.startAt(skipUntil) // a remote source starts where the checkpoint is
		rows = skipUntil
	}
	lastProgress := time.Now()
	send := func() bool {
		cur.rowsThrough = rows
		cur.rejectsSize = rej.size()
		select {
		case batches <- cur:
		case <-ctx.Done():
			return false
		}
		cur = &batch{ps: make([]registry.Purchase, 0, im.opts.BatchSize), fillOnly: fillOnly}
		return true
	}
	reject := func(e RowError) {
		if rows > skipUntil { // rows before the checkpoint were reported by the earlier run
			rej.add(e)
			if im.opts.OnReject != nil {
				im.opts.OnReject(e)
			}
		}
		cur.rejected++
	}
	var readErr error
	for {
		if ctx.Err() != nil {
			break
		}
		it, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			readErr = err
			break
		}
		skipping := rows < skipUntil
		mapped, rerr := im.mapItemInto(it, f.Dataset, one)
		if rerr != nil {
			rows++
			if !skipping {
				reject(*rerr)
			}
		}
		for i := range mapped {
			m := &mapped[i]
			p := &m.Purchase
			p.SoftwareScore, p.SoftwareReasons = im.opts.Detector.Score(p)
			p.RowHash = hasher.sum(p)
			rows++
			if err := p.Validate(); err != nil {
				if !skipping {
					reject(RowError{Line: it.line, Column: 1, Reason: "invalid purchase: " + err.Error()})
				}
				continue
			}
			k := keys.of(p)
			h := hashPrefix(p.RowHash)
			if prev, dup := seen[k]; dup {
				if skipping {
					continue
				}
				if prev.hash == h {
					cur.dups++
				} else {
					reject(RowError{Line: it.line, Column: 1, Reason: fmt.Sprintf(
						"contract %s %s repeats line %d with different content; the first one was kept", p.Source, p.ContractID, prev.line)})
				}
				continue
			}
			seen[k] = seenRow{hash: h, line: int32(it.line)}
			buyers.add(m.Buyer)
			if skipping {
				continue
			}
			cur.ps = append(cur.ps, *p)
		}
		if rows < skipUntil {
			continue
		}
		if len(cur.ps) >= im.opts.BatchSize {
			if !send() {
				break
			}
		}
		if im.opts.OnProgress != nil && time.Since(lastProgress) > 200*time.Millisecond {
			lastProgress = time.Now()
			im.opts.OnProgress(Progress{Rows: rows, Bytes: src.offset(), TotalBytes: total})
		}
	}
	if readErr == nil && ctx.Err() == nil {
		send()
	}
	close(batches)
	if err := <-werr; err != nil {
		return im.fail(ctx, &run, sum, err)
	}
	if readErr != nil {
		return im.fail(ctx, &run, sum, readErr)
	}
	if err := ctx.Err(); err != nil {
		return im.fail(ctx, &run, sum, err)
	}
	if err := rej.close(); err != nil {
		return im.fail(ctx, &run, sum, err)
	}
	if g, ok := src.(interface{ compiled() int64 }); ok {
		sum.Compiled = g.compiled()
	}
	if !im.opts.DryRun {
		n, err := im.writeEntities(ctx, buyers)
		sum.Entities = n
		if err != nil {
			return im.fail(ctx, &run, sum, err)
		}
	}
	if im.opts.OnProgress != nil {
		im.opts.OnProgress(Progress{Rows: rows, Bytes: src.offset(), TotalBytes: total, Done: true})
	}
	if sum.Rejected == 0 && rej.path != "" && !sum.Resumed {
		_ = os.Remove(rej.path)
		sum.RejectsPath = ""
		run.RejectsPath = ""
	}
	if !im.opts.DryRun {
		now := time.Now().UTC()
		run.Status, run.FinishedAt = registry.ImportDone, &now
		im.countsInto(&run, sum)
		if err := im.sink.SaveImportRun(context.WithoutCancel(ctx), &run); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

func (im *Importer) fail(ctx context.Context, run *registry.ImportRun, sum Summary, err error) (Summary, error) {
	if !im.opts.DryRun && run.ID != "" {
		run.Status, run.Error = registry.ImportFailed, err.Error()
		im.countsInto(run, sum)
		if serr := im.sink.SaveImportRun(context.WithoutCancel(ctx), run); serr != nil {
			im.log.Error("import: saving the failed run", "run", run.ID, "err", serr)
		}
	}
	return sum, err
}

func (im *Importer) countsInto(run *registry.ImportRun, sum Summary) {
	run.New, run.Updated, run.Unchanged, run.Rejected = sum.New, sum.Updated, sum.Unchanged, sum.Rejected
}

// openRun starts a run or resumes the unfinished one of the same input.
func (im *Importer) openRun(ctx context.Context, run *registry.ImportRun, cp *checkpoint, sum *Summary, f Format, name, fp string) error {
	if !im.opts.NoResume && fp != "" {
		prev, err := im.sink.ResumableImportRun(ctx, f.String(), name)
		if err == nil {
			var pc checkpoint
			if json.Unmarshal([]byte(prev.Checkpoint), &pc) == nil && pc.Fingerprint == fp {
				*run, *cp = prev, pc
				run.Status, run.Error = registry.ImportRunning, ""
				sum.New, sum.Updated, sum.Unchanged, sum.Rejected = prev.New, prev.Updated, prev.Unchanged, prev.Rejected
				sum.RunID, sum.RejectsPath, sum.Resumed = prev.ID, prev.RejectsPath, true
				im.log.Info("import: resuming", "run", prev.ID, "rows", pc.Rows)
				return im.sink.SaveImportRun(ctx, run)
			}
		} else if !errors.Is(err, registry.ErrNotFound) {
			return err
		}
	}
	*cp = checkpoint{Fingerprint: fp}
	*run = registry.ImportRun{Format: f.String(), Source: name, Status: registry.ImportRunning}
	b, _ := json.Marshal(cp)
	run.Checkpoint = string(b)
	if err := im.sink.StartImportRun(ctx, run); err != nil {
		return err
	}
	sum.RunID = run.ID
	return nil
}

// write is the writer goroutine: entities, purchases, counts, checkpoint.
func (im *Importer) write(ctx context.Context, cancel func(), batches <-chan *batch, run *registry.ImportRun, cp *checkpoint, sum *Summary) error {
	var failed error
	for b := range batches {
		if failed != nil {
			continue // drain
		}
		if err := im.writeBatch(ctx, b, run, cp, sum); err != nil {
			failed = err
			cancel()
		}
	}
	return failed
}

func (im *Importer) writeBatch(ctx context.Context, b *batch, run *registry.ImportRun, cp *checkpoint, sum *Summary) error {
	sum.Rejected += b.rejected
	sum.Unchanged += b.dups
	if b.fillOnly {
		if err := im.fillFromStored(ctx, b.ps); err != nil {
			return err
		}
	}
	if im.opts.DryRun {
		for i := range b.ps {
			p := &b.ps[i]
			cur, err := im.sink.PurchaseByKey(ctx, p.Source, p.ContractID)
			switch {
			case errors.Is(err, registry.ErrNotFound):
				sum.New++
			case err != nil:
				return err
			case cur.RowHash == p.RowHash:
				sum.Unchanged++
			default:
				sum.Updated++
			}
		}
		return nil
	}
	if len(b.ps) > 0 {
		out, err := im.sink.ImportPurchases(ctx, run.ID, b.ps)
		if err != nil {
			return err
		}
		for _, o := range out {
			switch o {
			case registry.OutcomeNew:
				sum.New++
			case registry.OutcomeUpdated:
				sum.Updated++
			default:
				sum.Unchanged++
			}
		}
	}
	cp.Rows, cp.RejectsSize = b.rowsThrough, b.rejectsSize
	if b.sodaOffset > 0 {
		cp.SODAOffset = b.sodaOffset
	}
	cb, _ := json.Marshal(cp)
	run.Checkpoint = string(cb)
	im.countsInto(run, *sum)
	return im.sink.SaveImportRun(ctx, run)
}

// fillFromStored completes each purchase of a consolidated dataset with
// what the stored purchase of the same key already holds: a field the row
// leaves empty keeps the stored value (a SECOP II contract's UNSPSC codes,
// legal representative or framework agreement are not in SECOP Integrado),
// and a field the row gives replaces it. The software score and the row
// hash are computed again over the result, so a row that adds nothing is
// unchanged.
func (im *Importer) fillFromStored(ctx context.Context, ps []registry.Purchase) error {
	var hasher rowHasher
	for i := range ps {
		p := &ps[i]
		cur, err := im.sink.PurchaseByKey(ctx, p.Source, p.ContractID)
		if errors.Is(err, registry.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		fillGaps(p, &cur)
		p.SoftwareScore, p.SoftwareReasons = im.opts.Detector.Score(p)
		p.RowHash = hasher.sum(p)
	}
	return nil
}

// fillGaps sets every empty field of p that describes the purchase to
// old's value. Keys, bookkeeping (id, revision, times, row hash) and the
// derived software score are left alone.
func fillGaps(p, old *registry.Purchase) {
	str := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	party := func(dst *registry.Party, v registry.Party) {
		switch {
		case dst.DocNumber == "" && dst.Name == "":
			*dst = v
		case dst.DocNumber == v.DocNumber || dst.DocNumber == "" && fold(dst.Name) == fold(v.Name):
			// The same party: complete it, and a natural person by either
			// account stays one (their document is never shown).
			str(&dst.DocType, v.DocType)
			str(&dst.DocNumber, v.DocNumber)
			str(&dst.Name, v.Name)
			dst.NaturalPerson = dst.NaturalPerson || v.NaturalPerson
		}
	}
	date := func(dst **time.Time, v *time.Time) {
		if *dst == nil {
			*dst = v
		}
	}
	str(&p.ProcessID, old.ProcessID)
	str(&p.URL, old.URL)
	str(&p.BuyerNIT, old.BuyerNIT)
	str(&p.BuyerName, old.BuyerName)
	party(&p.Supplier, old.Supplier)
	party(&p.LegalRep, old.LegalRep)
	str(&p.Description, old.Description)
	if p.Object == "" && old.Object != "" && fold(old.Object) != fold(p.Description) {
		p.Object = old.Object
	}
	if len(p.UNSPSC) == 0 {
		p.UNSPSC = old.UNSPSC
	}
	str(&p.Modality, old.Modality)
	str(&p.ContractType, old.ContractType)
	str(&p.Status, old.Status)
	if p.Value == 0 {
		p.Value = old.Value
	}
	date(&p.SignedAt, old.SignedAt)
	date(&p.StartAt, old.StartAt)
	date(&p.EndAt, old.EndAt)
	if p.Year == 0 {
		p.Year = old.Year
	}
	str(&p.DepartmentCode, old.DepartmentCode)
	str(&p.MunicipalityCode, old.MunicipalityCode)
	str(&p.FrameworkAgreement, old.FrameworkAgreement)
}

// buyerSet gathers what the rows say about each buyer: the first name seen
// is the entity's name, the other spellings its aliases, and each field the
// first non-empty value.
type buyerSet struct {
	order []string
	by    map[string]*registry.Entity
	names map[string]map[string]bool
}

func newBuyerSet() *buyerSet {
	return &buyerSet{by: map[string]*registry.Entity{}, names: map[string]map[string]bool{}}
}

func (b *buyerSet) add(e registry.Entity) {
	if e.NIT == "" {
		return
	}
	cur, ok := b.by[e.NIT]
	if !ok {
		c := e
		c.Aliases = nil
		b.by[e.NIT] = &c
		b.names[e.NIT] = map[string]bool{fold(e.Name): true}
		b.order = append(b.order, e.NIT)
		return
	}
	if k := fold(e.Name); !b.names[e.NIT][k] {
		b.names[e.NIT][k] = true
		cur.Aliases = append(cur.Aliases, e.Name)
	}
	fill := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	fill(&cur.Orden, e.Orden)
	fill(&cur.Sector, e.Sector)
	fill(&cur.Rama, e.Rama)
	if cur.DepartmentCode == "" {
		cur.DepartmentCode, cur.MunicipalityCode = e.DepartmentCode, e.MunicipalityCode
	} else if cur.MunicipalityCode == "" && e.DepartmentCode == cur.DepartmentCode {
		cur.MunicipalityCode = e.MunicipalityCode
	}
}

// writeEntities creates or merges the entity of every buyer seen; an entity
// the store refuses (an odd NIT) is logged and skipped.
func (im *Importer) writeEntities(ctx context.Context, b *buyerSet) (int64, error) {
	var n int64
	for _, nit := range b.order {
		wrote, err := im.sink.ImportEntity(ctx, *b.by[nit])
		if err != nil {
			if errors.Is(err, registry.ErrInvalid) {
				im.log.Warn("import: entity not recorded", "nit", nit, "err", err)
				continue
			}
			return n, fmt.Errorf("entity %s: %w", nit, err)
		}
		if wrote {
			n++
		}
	}
	return n, nil
}

func (im *Importer) mapItem(it item, d Dataset) ([]Mapped, *RowError) {
	if it.err != nil {
		return nil, it.err
	}
	if it.ocds != nil {
		ms, oe := mapOCDS(it.ocds, im.tables)
		if oe != nil {
			l, c := it.line, 1
			if oe.key != "" && it.locate != nil {
				if l2, c2 := it.locate(oe.key); l2 > 0 {
					l, c = l2, c2
				}
			}
			return nil, &RowError{Line: l, Column: c, Field: oe.key, Reason: oe.msg}
		}
		return ms, nil
	}
	return im.mapItemInto(it, d, make([]Mapped, 1))
}

// mapItemInto is mapItem writing a tabular row's purchase into one[0] (a
// buffer the caller reuses row after row) instead of allocating.
func (im *Importer) mapItemInto(it item, d Dataset, one []Mapped) ([]Mapped, *RowError) {
	if it.err != nil || it.ocds != nil {
		return im.mapItem(it, d)
	}
	m, rerr := mapperOf(d)(it.row, im.tables)
	if rerr != nil {
		return nil, rerr
	}
	one[0] = m
	return one[:1], nil
}

// keyHasher gives a (source, contract id) its 128-bit key in the seen set:
// two seeded hashes, without allocating (the key lives only for a run).
type keyHasher struct{ a, b maphash.Seed }

func newKeyHasher() keyHasher { return keyHasher{maphash.MakeSeed(), maphash.MakeSeed()} }

func (k keyHasher) of(p *registry.Purchase) [2]uint64 {
	var h maphash.Hash
	h.SetSeed(k.a)
	_, _ = h.WriteString(p.Source)
	_ = h.WriteByte(0)
	_, _ = h.WriteString(p.ContractID)
	a := h.Sum64()
	h.SetSeed(k.b)
	_, _ = h.WriteString(p.Source)
	_ = h.WriteByte(0)
	_, _ = h.WriteString(p.ContractID)
	return [2]uint64{a, h.Sum64()}
}

func hashPrefix(h string) uint64 {
	v, _ := strconv.ParseUint(h[:16], 16, 64)
	return v
}

// rejects writes rejected rows to a CSV file: line, column, reason.
type rejects struct {
	path string
	f    *os.File
	w    *bufio.Writer
	cw   *csv.Writer
	n    int64
	base int64
}

func (im *Importer) openRejects(run *registry.ImportRun, cp *checkpoint, sum *Summary) (*rejects, error) {
	r := &rejects{}
	if im.opts.DryRun || im.opts.DataDir == "" || run.ID == "" {
		return r, nil
	}
	dir := filepath.Join(im.opts.DataDir, "rejects")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	r.path = filepath.Join(dir, run.ID+".csv")
	f, err := os.OpenFile(r.path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	// A resumed run drops what the killed run wrote after its checkpoint.
	if err := f.Truncate(cp.RejectsSize); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(cp.RejectsSize, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	r.f, r.base = f, cp.RejectsSize
	r.w = bufio.NewWriter(f)
	r.cw = csv.NewWriter(r.w)
	if cp.RejectsSize == 0 {
		_ = r.cw.Write([]string{"line", "column", "reason"})
	}
	run.RejectsPath = r.path
	sum.RejectsPath = r.path
	return r, nil
}

func (r *rejects) add(e RowError) {
	if r.cw == nil {
		return
	}
	_ = r.cw.Write([]string{strconv.Itoa(e.Line), strconv.Itoa(e.Column), e.Reason})
}

// size flushes and returns the file's size.
func (r *rejects) size() int64 {
	if r.cw == nil {
		return 0
	}
	r.cw.Flush()
	_ = r.w.Flush()
	off, _ := r.f.Seek(0, io.SeekCurrent)
	return off
}

func (r *rejects) close() error {
	if r.f == nil {
		return nil
	}
	r.cw.Flush()
	err := r.w.Flush()
	if cerr := r.f.Close(); err == nil {
		err = cerr
	}
	r.f = nil
	return err
}
