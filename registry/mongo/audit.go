package mongo

import (
	"context"
	"fmt"

	"github.com/acervo-co/acervo/registry"
)

type auditStore struct{ s *Store }

// Append stores an event that records no record change (sign-in, import
// summary). It takes the next audit number, which orders the log.
func (st *auditStore) Append(ctx context.Context, ev *registry.AuditEvent) error {
	s := st.s
	e := *ev
	s.fillEvent(&e, e.TargetKind, e.TargetID)
	_, aseq, err := s.next(ctx, 0, true)
	if err != nil {
		return err
	}
	if _, err := s.insertOne(ctx, s.auditC, &auditRecord{MID: e.ID, AuditEvent: e, Seq: aseq}); err != nil {
		if isDup(err) {
			return fmt.Errorf("%w: audit event %s exists", registry.ErrConflict, e.ID)
		}
		return err
	}
	*ev = e
	return nil
}

var auditSort = intSort("seq", true, func(r *auditRecord) int64 { return r.Seq })

// List lists events newest first (in the order they were appended).
func (st *auditStore) List(ctx context.Context, f registry.AuditFilter) (registry.List[registry.AuditEvent], error) {
	var c conds
	c.eqStr("actor", f.Actor)
	c.eqStr("action", f.Action)
	c.eqStr("targetKind", f.TargetKind)
	c.eqStr("targetId", f.TargetID)
	c.eqStr("entityNit", f.EntityNIT)
	l, err := listPage(ctx, st.s.auditC, c.and(), registry.SortSeq, auditSort, f.Page, func(r *auditRecord) string { return r.MID })
	out := registry.List[registry.AuditEvent]{Cursors: l.Cursors, PageInfo: l.PageInfo, Total: l.Total, Items: make([]registry.AuditEvent, len(l.Items))}
	for i, r := range l.Items {
		out.Items[i] = r.AuditEvent
	}
	return out, err
}
