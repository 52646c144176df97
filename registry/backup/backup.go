// Package backup writes every record of a registry.Store as JSON lines and
// reads them back into an empty store: `acervo export` and `acervo restore`
// for the embedded store (MongoDB deployments use mongodump). The file holds
// password and token hashes: keep it as secret as the database.
package backup

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/acervo-co/acervo/registry"
)

// Line is one record of a backup.
type Line struct {
	Kind   string          `json:"kind"`
	Record json.RawMessage `json:"record"`
}

// Format is the first line of every backup.
type header struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
}

const formatName = "acervo-backup"

// Counts tells how many records of each kind were written or read.
type Counts map[string]int

type enc struct {
	w *json.Encoder
	n Counts
}

func (e *enc) put(kind string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	e.n[kind]++
	return e.w.Encode(Line{Kind: kind, Record: b})
}

// each pages through a list.
func each[T any](ctx context.Context, list func(registry.Page) (registry.List[T], error), fn func(T) error) error {
	page := registry.Page{First: registry.MaxPageSize}
	for {
		l, err := list(page)
		if err != nil {
			return err
		}
		for _, it := range l.Items {
			if err := fn(it); err != nil {
				return err
			}
		}
		if !l.PageInfo.HasNextPage {
			return nil
		}
		page.After = l.PageInfo.EndCursor
	}
}

// Export writes every record of st to w.
func Export(ctx context.Context, st registry.Store, w io.Writer) (Counts, error) {
	bw := bufio.NewWriter(w)
	e := &enc{w: json.NewEncoder(bw), n: Counts{}}
	if err := e.w.Encode(header{Format: formatName, Version: 1}); err != nil {
		return nil, err
	}
	var nits []string
	err := each(ctx, func(p registry.Page) (registry.List[registry.Entity], error) {
		return st.Entities().List(ctx, registry.EntityFilter{Sort: registry.SortNIT, Page: p})
	}, func(x registry.Entity) error { nits = append(nits, x.NIT); return e.put(registry.KindEntity, x) })
	if err != nil {
		return nil, err
	}
	var userIDs []string
	if err := each(ctx, func(p registry.Page) (registry.List[registry.User], error) { return st.Users().List(ctx, p) },
		func(x registry.User) error { userIDs = append(userIDs, x.ID); return e.put(registry.KindUser, x) }); err != nil {
		return nil, err
	}
	for _, id := range userIDs {
		ts, err := st.Tokens().ListByUser(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			if err := e.put(registry.KindToken, t); err != nil {
				return nil, err
			}
		}
	}
	var assetIDs []string
	if err := each(ctx, func(p registry.Page) (registry.List[registry.Asset], error) {
		return st.Assets().List(ctx, registry.AssetFilter{Sort: registry.SortCreated, Page: p})
	}, func(x registry.Asset) error { assetIDs = append(assetIDs, x.ID); return e.put(registry.KindAsset, x) }); err != nil {
		return nil, err
	}
	for i := 0; i < len(assetIDs); i += registry.MaxPageSize {
		batch := assetIDs[i:min(i+registry.MaxPageSize, len(assetIDs))]
		rs, err := st.Releases().ForAssets(ctx, batch)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if err := e.put(registry.KindRelease, r); err != nil {
				return nil, err
			}
		}
	}
	if err := each(ctx, func(p registry.Page) (registry.List[registry.Mirror], error) {
		return st.Mirrors().List(ctx, registry.MirrorFilter{Page: p})
	}, func(x registry.Mirror) error {
		x.LeaseHolder, x.LeaseUntil = "", nil
		return e.put(registry.KindMirror, x)
	}); err != nil {
		return nil, err
	}
	if err := each(ctx, func(p registry.Page) (registry.List[registry.Adoption], error) {
		return st.Adoptions().List(ctx, registry.AdoptionFilter{Sort: registry.SortCreated, Page: p})
	}, func(x registry.Adoption) error { return e.put(registry.KindAdoption, x) }); err != nil {
		return nil, err
	}
	if err := st.Purchases().Scan(ctx, registry.PurchaseFilter{}, func(ps []registry.Purchase) error {
		for _, x := range ps {
			if err := e.put(registry.KindPurchase, x); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := each(ctx, func(p registry.Page) (registry.List[registry.PurchaseLink], error) {
		return st.Links().List(ctx, registry.LinkFilter{Sort: registry.SortUpdated, Page: p})
	}, func(x registry.PurchaseLink) error { return e.put(registry.KindLink, x) }); err != nil {
		return nil, err
	}
	if err := each(ctx, func(p registry.Page) (registry.List[registry.Advisory], error) {
		return st.Advisories().List(ctx, registry.AdvisoryFilter{Page: p})
	}, func(x registry.Advisory) error { return e.put(registry.KindAdvisory, x) }); err != nil {
		return nil, err
	}
	if err := each(ctx, func(p registry.Page) (registry.List[registry.Notice], error) {
		return st.Notices().List(ctx, registry.NoticeFilter{Page: p})
	}, func(x registry.Notice) error { return e.put("notice", x) }); err != nil {
		return nil, err
	}
	for _, nit := range nits {
		hooks, err := st.Webhooks().ListByEntity(ctx, nit)
		if err != nil {
			return nil, err
		}
		for _, h := range hooks {
			if err := e.put("webhook", h); err != nil {
				return nil, err
			}
		}
	}
	if err := each(ctx, func(p registry.Page) (registry.List[registry.ImportRun], error) { return st.Imports().List(ctx, p) },
		func(x registry.ImportRun) error { return e.put("import", x) }); err != nil {
		return nil, err
	}
	// The audit log lists newest first; the backup keeps it oldest first so
	// that a restore appends the events in their original order.
	var events []registry.AuditEvent
	if err := each(ctx, func(p registry.Page) (registry.List[registry.AuditEvent], error) {
		return st.Audit().List(ctx, registry.AuditFilter{Page: p})
	}, func(x registry.AuditEvent) error { events = append(events, x); return nil }); err != nil {
		return nil, err
	}
	for i := len(events) - 1; i >= 0; i-- {
		if err := e.put("audit", events[i]); err != nil {
			return nil, err
		}
	}
	return e.n, bw.Flush()
}

// ErrNotEmpty refuses a restore into a store that already holds records.
var ErrNotEmpty = errors.New("backup: the target store is not empty; restore into a new data directory")

// Restore reads a backup into an empty store. Records keep their ids; the
// audit log keeps its events (restoring writes no new ones). A malformed
// line stops the restore with its line number.
func Restore(ctx context.Context, st registry.Store, r io.Reader) (Counts, error) {
	if ch, err := st.Changes(ctx, 0, 1); err != nil {
		return nil, err
	} else if len(ch) > 0 {
		return nil, ErrNotEmpty
	}
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<20))
	var h header
	if err := dec.Decode(&h); err != nil || h.Format != formatName {
		return nil, fmt.Errorf("backup: line 1: not an Acervo backup")
	}
	if h.Version != 1 {
		return nil, fmt.Errorf("backup: version %d is newer than this acervo understands", h.Version)
	}
	n := Counts{}
	var purchases []registry.Purchase
	flush := func() error {
		if len(purchases) == 0 {
			return nil
		}
		_, err := st.Purchases().UpsertBatch(ctx, purchases, nil)
		purchases = purchases[:0]
		return err
	}
	for line := 2; ; line++ {
		var l Line
		if err := dec.Decode(&l); err == io.EOF {
			break
		} else if err != nil {
			return n, fmt.Errorf("backup: line %d: %v", line, err)
		}
		if l.Kind != registry.KindPurchase {
			if err := flush(); err != nil {
				return n, err
			}
		}
		if err := restoreOne(ctx, st, l, &purchases); err != nil {
			return n, fmt.Errorf("backup: line %d (%s): %w", line, l.Kind, err)
		}
		n[l.Kind]++
		if len(purchases) >= 1000 {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	return n, flush()
}

func restoreOne(ctx context.Context, st registry.Store, l Line, purchases *[]registry.Purchase) error {
	var err error
	switch l.Kind {
	case registry.KindEntity:
		var x registry.Entity
		if err = json.Unmarshal(l.Record, &x); err == nil {
			err = st.Entities().Create(ctx, &x, nil)
		}
	case registry.KindUser:
		var x registry.User
		if err = json.Unmarshal(l.Record, &x); err == nil {
			err = st.Users().Create(ctx, &x, nil)
		}
	case registry.KindToken:
		var x registry.Token
		if err = json.Unmarshal(l.Record, &x); err == nil {
			err = st.Tokens().Create(ctx, &x, nil)
		}
	case registry.KindAsset:
		var x registry.Asset
		if err = json.Unmarshal(l.Record, &x); err == nil {
			err = st.Assets().Create(ctx, &x, nil)
		}
	case registry.KindRelease:
		var x registry.Release
		if err = json.Unmarshal(l.Record, &x); err == nil {
			_, err = st.Releases().Upsert(ctx, &x, nil)
		}
	case registry.KindMirror:
		var x registry.Mirror
		if err = json.Unmarshal(l.Record, &x); err == nil {
			err = st.Mirrors().Create(ctx, &x, nil)
		}
	case registry.KindAdoption:
		var x registry.Adoption
		if err = json.Unmarshal(l.Record, &x); err == nil {
			err = st.Adoptions().Create(ctx, &x, nil)
		}
	case registry.KindPurchase:
		var x registry.Purchase
		if err = json.Unmarshal(l.Record, &x); err == nil {
			*purchases = append(*purchases, x)
		}
	case registry.KindLink:
		var x registry.PurchaseLink
		if err = json.Unmarshal(l.Record, &x); err == nil {
			_, err = st.Links().Upsert(ctx, &x, nil)
		}
	case registry.KindAdvisory:
		var x registry.Advisory
		if err = json.Unmarshal(l.Record, &x); err == nil {
			_, err = st.Advisories().Upsert(ctx, &x, nil)
		}
	case "notice":
		var x registry.Notice
		if err = json.Unmarshal(l.Record, &x); err == nil {
			_, err = st.Notices().Create(ctx, &x)
		}
	case "webhook":
		var x registry.Webhook
		if err = json.Unmarshal(l.Record, &x); err == nil {
			err = st.Webhooks().Create(ctx, &x, nil)
		}
	case "import":
		var x registry.ImportRun
		if err = json.Unmarshal(l.Record, &x); err == nil {
			err = st.Imports().Create(ctx, &x)
		}
	case "audit":
		var x registry.AuditEvent
		if err = json.Unmarshal(l.Record, &x); err == nil {
			err = st.Audit().Append(ctx, &x)
		}
	default:
		err = fmt.Errorf("unknown kind %q", l.Kind)
	}
	return err
}
