package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Import run statuses.
const (
	ImportRunning = "RUNNING"
	ImportDone    = "DONE"
	ImportFailed  = "FAILED"
)

// MaskPurchase hides what an anonymous reader must not see (Ley 1581 de
// 2012, habeas data): the document numbers of natural persons, supplier and
// legal representative. Signed-in readers see the purchase as stored.
func MaskPurchase(a Actor, p Purchase) Purchase {
	if !a.Anonymous() {
		return p
	}
	if p.Supplier.NaturalPerson {
		p.Supplier.DocNumber = ""
	}
	if p.LegalRep.NaturalPerson || p.LegalRep.DocType != "NIT" {
		p.LegalRep.DocNumber = ""
	}
	return p
}

// Purchase reads one purchase, masked for the context's actor.
func (s *Service) Purchase(ctx context.Context, id string) (Purchase, error) {
	p, err := s.store.Purchases().Get(ctx, id)
	if err != nil {
		return Purchase{}, err
	}
	return MaskPurchase(ActorFrom(ctx), p), nil
}

// PurchaseByKey reads the purchase of (source, contract id), masked.
func (s *Service) PurchaseByKey(ctx context.Context, source, contractID string) (Purchase, error) {
	p, err := s.store.Purchases().GetByKey(ctx, source, contractID)
	if err != nil {
		return Purchase{}, err
	}
	return MaskPurchase(ActorFrom(ctx), p), nil
}

// Purchases lists purchases, masked. An anonymous reader cannot filter by a
// natural person's document number (that would reveal it).
func (s *Service) Purchases(ctx context.Context, f PurchaseFilter) (List[Purchase], error) {
	if err := f.Page.Validate(); err != nil {
		return List[Purchase]{}, err
	}
	a := ActorFrom(ctx)
	l, err := s.store.Purchases().List(ctx, f)
	if err != nil {
		return l, err
	}
	items := make([]Purchase, 0, len(l.Items))
	cursors := make([]string, 0, len(l.Cursors))
	for i, p := range l.Items {
		if a.Anonymous() && f.SupplierDoc != "" && p.Supplier.NaturalPerson {
			continue
		}
		items = append(items, MaskPurchase(a, p))
		if i < len(l.Cursors) {
			cursors = append(cursors, l.Cursors[i])
		}
	}
	l.Items, l.Cursors = items, cursors
	return l, nil
}

// PurchasesByID reads several purchases (missing ids skipped), masked.
func (s *Service) PurchasesByID(ctx context.Context, ids []string) ([]Purchase, error) {
	ps, err := s.store.Purchases().GetMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	a := ActorFrom(ctx)
	for i := range ps {
		ps[i] = MaskPurchase(a, ps[i])
	}
	return ps, nil
}

// ImportPurchases upserts a batch of imported purchases by (source, contract
// id), comparing row hashes: one outcome per row, in order. Only
// administrators and the system import. Every row must be valid; one audit
// event ("purchase.import", target the import run) covers the batch.
func (s *Service) ImportPurchases(ctx context.Context, runID string, ps []Purchase) ([]UpsertOutcome, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, nil
	}
	var fe fieldErrors
	for i := range ps {
		if err := ps[i].Validate(); err != nil {
			for _, f := range FieldsOf(err) {
				fe.add(fmt.Sprintf("purchases[%d].%s", i, f.Field), "%s", f.Message)
			}
		}
		if ps[i].RowHash == "" {
			fe.add(fmt.Sprintf("purchases[%d].rowHash", i), "is required")
		}
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	now := s.Now()
	for i := range ps {
		if ps[i].ID == "" {
			ps[i].ID = NewID(now)
		}
		ps[i].CreatedAt, ps[i].UpdatedAt = now, now
	}
	ev := s.audit(ctx, "purchase.import", "import", runID, "", nil, map[string]any{"rows": len(ps)})
	out, err := s.store.Purchases().UpsertBatch(ctx, ps, ev)
	if err != nil {
		return nil, err
	}
	for i, o := range out {
		if o == OutcomeNew || o == OutcomeUpdated {
			s.notify(ctx, KindPurchase, ps[i].ID, false)
		}
	}
	return out, nil
}

// ImportEntity creates the entity of e.NIT from an imported buyer, or merges
// e into it: empty fields take e's values and a different name becomes an
// alias. Nothing is written when the merge would change nothing. It reports
// whether it wrote.
func (s *Service) ImportEntity(ctx context.Context, e Entity) (bool, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return false, err
	}
	cur, err := s.store.Entities().GetByNIT(ctx, e.NIT)
	switch {
	case errors.Is(err, ErrNotFound):
		_, err := s.UpsertEntity(ctx, &e)
		return err == nil, err
	case err != nil:
		return false, err
	}
	if !mergeChanges(cur, e) {
		return false, nil
	}
	e.ID = cur.ID
	_, err = s.UpsertEntity(ctx, &e)
	return err == nil, err
}

// mergeChanges reports whether merging e into cur would change cur.
func mergeChanges(cur, e Entity) bool {
	fill := func(have, give string) bool { return have == "" && give != "" }
	if fill(cur.Sigla, e.Sigla) || fill(cur.Orden, e.Orden) || fill(cur.Sector, e.Sector) || fill(cur.Rama, e.Rama) ||
		fill(cur.DepartmentCode, e.DepartmentCode) || fill(cur.ParentNIT, e.ParentNIT) || fill(cur.Website, e.Website) {
		return true
	}
	if cur.MunicipalityCode == "" && e.MunicipalityCode != "" && (cur.DepartmentCode == "" || cur.DepartmentCode == e.DepartmentCode) {
		return true
	}
	for _, name := range append([]string{e.Name}, e.Aliases...) {
		name = strings.TrimSpace(name)
		if name == "" || Fold(name) == Fold(cur.Name) {
			continue
		}
		if !slices.ContainsFunc(cur.Aliases, func(a string) bool { return Fold(a) == Fold(name) }) {
			return true
		}
	}
	return false
}

// StartImportRun records the start of an import (administrators and the
// system).
func (s *Service) StartImportRun(ctx context.Context, r *ImportRun) error {
	a, err := requireAdmin(ctx)
	if err != nil {
		return err
	}
	now := s.Now()
	if r.ID == "" {
		r.ID = NewID(now)
	}
	if r.StartedAt.IsZero() {
		r.StartedAt = now
	}
	if r.Status == "" {
		r.Status = ImportRunning
	}
	r.Actor = a.ID()
	return s.store.Imports().Create(ctx, r)
}

// SaveImportRun writes an import run's progress, checkpoint or end (its Rev
// must match; it is incremented). Finishing a run appends an audit event
// with its summary.
func (s *Service) SaveImportRun(ctx context.Context, r *ImportRun) error {
	if _, err := requireAdmin(ctx); err != nil {
		return err
	}
	if err := s.store.Imports().Update(ctx, r); err != nil {
		return err
	}
	if r.Status != ImportRunning {
		ev := s.audit(ctx, "import."+strings.ToLower(r.Status), "import", r.ID, "", nil, r)
		return s.store.Audit().Append(ctx, ev)
	}
	return nil
}

// ImportRuns lists import runs, newest first (administrators).
func (s *Service) ImportRuns(ctx context.Context, p Page) (List[ImportRun], error) {
	if _, err := requireAdmin(ctx); err != nil {
		return List[ImportRun]{}, err
	}
	return s.store.Imports().List(ctx, p)
}

// ResumableImportRun returns the newest run of the same format and source
// when it did not finish (RUNNING when its process died, or FAILED), so an
// import can go on from its checkpoint; ErrNotFound when the newest such run
// finished or there is none among the last few hundred runs.
func (s *Service) ResumableImportRun(ctx context.Context, format, source string) (ImportRun, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return ImportRun{}, err
	}
	p := Page{First: MaxPageSize}
	for range 5 {
		l, err := s.store.Imports().List(ctx, p)
		if err != nil {
			return ImportRun{}, err
		}
		for _, r := range l.Items {
			if r.Format != format || r.Source != source {
				continue
			}
			if r.Status == ImportDone {
				return ImportRun{}, ErrNotFound
			}
			return r, nil
		}
		if !l.PageInfo.HasNextPage {
			break
		}
		p.After = l.PageInfo.EndCursor
	}
	return ImportRun{}, ErrNotFound
}
