package registry

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"time"
)

// MaxPageSize bounds every page a store returns.
const MaxPageSize = 100

// Page asks for one page of a keyset-paginated list: First items after the
// cursor After, or Last items before the cursor Before. Cursors are opaque
// and stay valid while rows are inserted.
type Page struct {
	First     int
	After     string
	Last      int
	Before    string
	WantTotal bool // also count every row matching the filter
}

// Size is the number of rows asked for, within 1..MaxPageSize (default 20).
func (p Page) Size() int {
	n := p.First
	if p.Last > 0 {
		n = p.Last
	}
	switch {
	case n <= 0:
		return 20
	case n > MaxPageSize:
		return MaxPageSize
	}
	return n
}

// Backward reports a Last/Before page.
func (p Page) Backward() bool { return p.Last > 0 || (p.Before != "" && p.First == 0) }

// Validate refuses sizes out of range.
func (p Page) Validate() error {
	if p.First < 0 || p.First > MaxPageSize || p.Last < 0 || p.Last > MaxPageSize {
		return Invalid("first", "page size must be between 1 and %d", MaxPageSize)
	}
	if p.First > 0 && p.Last > 0 {
		return Invalid("last", "give first or last, not both")
	}
	return nil
}

// PageInfo describes where a page stands.
type PageInfo struct {
	HasNextPage     bool   `json:"hasNextPage"`
	HasPreviousPage bool   `json:"hasPreviousPage"`
	StartCursor     string `json:"startCursor,omitempty"`
	EndCursor       string `json:"endCursor,omitempty"`
}

// List is one page of rows with a cursor per row.
type List[T any] struct {
	Items    []T
	Cursors  []string
	PageInfo PageInfo
	Total    int64 // only when Page.WantTotal
}

// Cursor is the decoded form of an opaque cursor: the sort it belongs to, the
// row's sort key and its id (the tie-breaker).
type Cursor struct {
	Sort string          `json:"s"`
	Key  json.RawMessage `json:"k,omitempty"`
	ID   string          `json:"i"`
}

// EncodeCursor makes an opaque cursor.
func EncodeCursor(sort string, key any, id string) string {
	k, _ := json.Marshal(key)
	b, _ := json.Marshal(Cursor{Sort: sort, Key: k, ID: id})
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads an opaque cursor made for sort; key, when not nil,
// receives the sort key.
func DecodeCursor(s, sort string, key any) (Cursor, error) {
	var c Cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || c.ID == "" {
		return Cursor{}, Invalid("cursor", "malformed cursor")
	}
	if c.Sort != sort {
		return Cursor{}, Invalid("cursor", "cursor belongs to another sort order")
	}
	if key != nil && len(c.Key) > 0 {
		if err := json.Unmarshal(c.Key, key); err != nil {
			return Cursor{}, Invalid("cursor", "malformed cursor key")
		}
	}
	return c, nil
}

// Sort orders. Every sort breaks ties by id.
const (
	SortName    = "NAME"    // ascending
	SortUpdated = "UPDATED" // newest first
	SortCreated = "CREATED" // newest first
	SortDate    = "DATE"    // releases by date, newest first; purchases by signature date, newest first
	SortValue   = "VALUE"   // purchases by value, largest first
	SortNIT     = "NIT"     // entities by NIT
	SortSeq     = "SEQ"     // audit events, newest first
	SortDue     = "DUE"     // mirrors by next due, soonest first
	SortScore   = "SCORE"   // links by score, highest first
)

// AssetFilter selects assets. Empty fields do not filter.
type AssetFilter struct {
	IDs               []string
	Kind              AssetKind
	Active            *bool
	PublisherNIT      string
	Category          string
	License           string
	Language          string
	DevelopmentStatus string
	AdopterNIT        string // assets adopted by this entity
	AdopterDepartment string // assets adopted by an entity of this department
	Sort              string // NAME (default), UPDATED, CREATED
	Page              Page
}

// AssetStore keeps assets. Slug and every repository URL are unique.
type AssetStore interface {
	Create(ctx context.Context, a *Asset, ev *AuditEvent) error
	Get(ctx context.Context, id string) (Asset, error)
	GetBySlug(ctx context.Context, slug string) (Asset, error)
	GetByRepositoryURL(ctx context.Context, url string) (Asset, error) // canonical or alias
	GetMany(ctx context.Context, ids []string) ([]Asset, error)        // missing ids are skipped
	Update(ctx context.Context, a *Asset, ev *AuditEvent) error        // a.Rev must match; it is incremented
	Delete(ctx context.Context, id string, rev int64, ev *AuditEvent) error
	List(ctx context.Context, f AssetFilter) (List[Asset], error)
}

// ReleaseFilter selects releases and tags.
type ReleaseFilter struct {
	AssetID          string
	AssetIDs         []string
	OnlyReleases     bool // semver tags only
	IncludeWithdrawn bool
	Sort             string // DATE (default)
	Page             Page
}

// ReleaseStore keeps releases and tags, keyed by (AssetID, Tag).
type ReleaseStore interface {
	// Upsert creates or replaces the release of (AssetID, Tag); it keeps the
	// stored ID and CreatedAt. created tells which happened.
	Upsert(ctx context.Context, r *Release, ev *AuditEvent) (created bool, err error)
	// UpsertMany upserts releases in one transaction, evs[i] the event of rs[i].
	UpsertMany(ctx context.Context, rs []*Release, evs []*AuditEvent) (created []bool, err error)
	Get(ctx context.Context, id string) (Release, error)
	GetByTag(ctx context.Context, assetID, tag string) (Release, error)
	Update(ctx context.Context, r *Release, ev *AuditEvent) error
	Delete(ctx context.Context, id string, rev int64, ev *AuditEvent) error
	List(ctx context.Context, f ReleaseFilter) (List[Release], error)
	// ForAssets returns every release (withdrawn included) of the given
	// assets, for batched loading.
	ForAssets(ctx context.Context, assetIDs []string) ([]Release, error)
}

// EntityFilter selects entities.
type EntityFilter struct {
	NITs           []string
	NamePrefix     string // case- and accent-insensitive prefix of the name
	Orden          string
	Sector         string
	DepartmentCode string
	Sort           string // NAME (default), NIT
	Page           Page
}

// EntityStore keeps public entities, keyed by NIT.
type EntityStore interface {
	Create(ctx context.Context, e *Entity, ev *AuditEvent) error
	// Upsert creates the entity of e.NIT or merges into it: empty stored
	// fields take e's values, and a different name becomes an alias.
	Upsert(ctx context.Context, e *Entity, ev *AuditEvent) (created bool, err error)
	Get(ctx context.Context, id string) (Entity, error)
	GetByNIT(ctx context.Context, nit string) (Entity, error)
	GetMany(ctx context.Context, nits []string) ([]Entity, error)
	Update(ctx context.Context, e *Entity, ev *AuditEvent) error
	Delete(ctx context.Context, id string, rev int64, ev *AuditEvent) error
	List(ctx context.Context, f EntityFilter) (List[Entity], error)
}

// AdoptionFilter selects adoptions.
type AdoptionFilter struct {
	AssetID      string
	AssetIDs     []string
	EntityNIT    string
	EntityNITs   []string
	Status       string
	Verification string
	Pending      *bool
	Sort         string // UPDATED (default), CREATED
	Page         Page
}

// AdoptionStore keeps adoptions. (EntityNIT, AssetID, Environment) is unique.
type AdoptionStore interface {
	Create(ctx context.Context, a *Adoption, ev *AuditEvent) error
	Get(ctx context.Context, id string) (Adoption, error)
	Update(ctx context.Context, a *Adoption, ev *AuditEvent) error
	Delete(ctx context.Context, id string, rev int64, ev *AuditEvent) error
	List(ctx context.Context, f AdoptionFilter) (List[Adoption], error)
	// ForAssets returns every adoption of the given assets, for batched loading.
	ForAssets(ctx context.Context, assetIDs []string) ([]Adoption, error)
}

// UpsertOutcome tells what an idempotent upsert did to one row.
type UpsertOutcome int

const (
	OutcomeNew UpsertOutcome = iota + 1
	OutcomeUpdated
	OutcomeUnchanged
)

func (o UpsertOutcome) String() string {
	switch o {
	case OutcomeNew:
		return "new"
	case OutcomeUpdated:
		return "updated"
	case OutcomeUnchanged:
		return "unchanged"
	}
	return "unknown"
}

// PurchaseFilter selects purchases.
type PurchaseFilter struct {
	IDs              []string
	Source           string
	BuyerNIT         string
	SupplierDoc      string
	UNSPSC           string // 8-digit code, or a 2/4/6-digit segment, family or class prefix
	Year             int
	MinValue         *int64
	MaxValue         *int64
	MinSoftwareScore *float64
	// Contracted keeps only the records whose process became a contract or
	// an order (not NoContract): what the State committed to pay.
	Contracted bool
	Sort       string // DATE (default), VALUE
	Page       Page
}

// PurchaseGroup is one group of a purchase aggregation.
type PurchaseGroup struct {
	Key   map[string]string `json:"key"` // by group field
	Count int64             `json:"count"`
	Total int64             `json:"total"` // pesos
}

// Purchase group fields.
const (
	GroupYear       = "year"
	GroupBuyer      = "buyerNit"
	GroupSupplier   = "supplier"
	GroupSource     = "source"
	GroupDepartment = "departmentCode"
)

// PurchaseStore keeps purchases, keyed by (Source, ContractID).
type PurchaseStore interface {
	// UpsertBatch inserts or updates rows by natural key, comparing RowHash:
	// one outcome per row, in order. The stored ID and CreatedAt are kept and
	// written back into the slice. One audit event covers the batch.
	UpsertBatch(ctx context.Context, ps []Purchase, ev *AuditEvent) ([]UpsertOutcome, error)
	Get(ctx context.Context, id string) (Purchase, error)
	GetByKey(ctx context.Context, source, contractID string) (Purchase, error)
	GetMany(ctx context.Context, ids []string) ([]Purchase, error)
	Delete(ctx context.Context, id string, rev int64, ev *AuditEvent) error
	List(ctx context.Context, f PurchaseFilter) (List[Purchase], error)
	// Aggregate counts and sums the values of the purchases matching f
	// (f.Page ignored), grouped by the given fields.
	Aggregate(ctx context.Context, f PurchaseFilter, groupBy ...string) ([]PurchaseGroup, error)
	// Scan calls fn for every purchase with Seq-independent stable order, in
	// batches, for the matcher and the search index.
	Scan(ctx context.Context, f PurchaseFilter, fn func([]Purchase) error) error
}

// LinkFilter selects purchase links.
type LinkFilter struct {
	PurchaseID  string
	PurchaseIDs []string
	AssetID     string
	AssetIDs    []string
	State       string
	Relation    string
	Sort        string // SCORE (default), UPDATED
	Page        Page
}

// LinkStore keeps purchase links, keyed by (PurchaseID, AssetID).
type LinkStore interface {
	// Upsert creates the link or updates its relation, score and reasons;
	// a stored CONFIRMED or REJECTED state is kept (never re-suggested).
	Upsert(ctx context.Context, l *PurchaseLink, ev *AuditEvent) (UpsertOutcome, error)
	Get(ctx context.Context, id string) (PurchaseLink, error)
	Update(ctx context.Context, l *PurchaseLink, ev *AuditEvent) error
	Delete(ctx context.Context, id string, rev int64, ev *AuditEvent) error
	List(ctx context.Context, f LinkFilter) (List[PurchaseLink], error)
	// ForAssets returns every link of the given assets, for batched loading.
	ForAssets(ctx context.Context, assetIDs []string, states ...string) ([]PurchaseLink, error)
}

// AdvisoryFilter selects advisories.
type AdvisoryFilter struct {
	AssetID  string
	AssetIDs []string
	Sort     string // UPDATED (default)
	Page     Page
}

// AdvisoryStore keeps advisories, keyed by ID (the OSV id).
type AdvisoryStore interface {
	Upsert(ctx context.Context, a *Advisory, ev *AuditEvent) (created bool, err error)
	Get(ctx context.Context, id string) (Advisory, error)
	Delete(ctx context.Context, id string, rev int64, ev *AuditEvent) error
	List(ctx context.Context, f AdvisoryFilter) (List[Advisory], error)
}

// MirrorFilter selects mirrors.
type MirrorFilter struct {
	Status    string
	AssetID   string
	DueBefore *time.Time
	Sort      string // DUE (default), UPDATED
	Page      Page
}

// MirrorStore keeps mirrors, keyed by URL (unique) and by asset.
type MirrorStore interface {
	Create(ctx context.Context, m *Mirror, ev *AuditEvent) error
	Get(ctx context.Context, id string) (Mirror, error)
	GetByURL(ctx context.Context, url string) (Mirror, error)
	GetByAsset(ctx context.Context, assetID string) (Mirror, error)
	// Update writes m when m.Rev matches; ev may be nil for the scheduler's
	// bookkeeping (checks, failures).
	Update(ctx context.Context, m *Mirror, ev *AuditEvent) error
	Delete(ctx context.Context, id string, rev int64, ev *AuditEvent) error
	List(ctx context.Context, f MirrorFilter) (List[Mirror], error)
	// AcquireLease gives holder the mirror until `until` when nobody else
	// holds an unexpired lease at `now`; otherwise ErrConflict.
	AcquireLease(ctx context.Context, id, holder string, now, until time.Time) (Mirror, error)
	// ReleaseLease drops holder's lease (no error when it is not held).
	ReleaseLease(ctx context.Context, id, holder string) error
}

// UserStore keeps accounts, keyed by Username.
type UserStore interface {
	Create(ctx context.Context, u *User, ev *AuditEvent) error
	Get(ctx context.Context, id string) (User, error)
	GetByUsername(ctx context.Context, username string) (User, error)
	GetByOIDCSubject(ctx context.Context, subject string) (User, error)
	Update(ctx context.Context, u *User, ev *AuditEvent) error
	Delete(ctx context.Context, id string, rev int64, ev *AuditEvent) error
	List(ctx context.Context, p Page) (List[User], error) // by username
}

// TokenStore keeps API tokens, keyed by Hash.
type TokenStore interface {
	Create(ctx context.Context, t *Token, ev *AuditEvent) error
	Get(ctx context.Context, id string) (Token, error)
	GetByHash(ctx context.Context, hash string) (Token, error)
	Update(ctx context.Context, t *Token, ev *AuditEvent) error // ev nil for last-used bookkeeping
	ListByUser(ctx context.Context, userID string) ([]Token, error)
}

// AuditFilter selects audit events, newest first.
type AuditFilter struct {
	Actor      string
	Action     string
	TargetKind string
	TargetID   string
	EntityNIT  string
	Page       Page
}

// AuditStore reads the audit log. Events are appended by the write methods
// of the other stores, together with the change they record.
type AuditStore interface {
	Append(ctx context.Context, ev *AuditEvent) error // for events with no record change (sign-in, import summary)
	List(ctx context.Context, f AuditFilter) (List[AuditEvent], error)
}

// ImportRun records one import of procurement data.
type ImportRun struct {
	ID          string     `json:"id"`
	Format      string     `json:"format"`
	Source      string     `json:"source"` // file path or URL (without app token)
	Status      string     `json:"status"` // RUNNING, DONE, FAILED
	New         int64      `json:"new"`
	Updated     int64      `json:"updated"`
	Unchanged   int64      `json:"unchanged"`
	Rejected    int64      `json:"rejected"`
	RejectsPath string     `json:"rejectsPath,omitempty"`
	Checkpoint  string     `json:"checkpoint,omitempty"` // resumable position (offset, line)
	Error       string     `json:"error,omitempty"`
	StartedAt   time.Time  `json:"startedAt"`
	FinishedAt  *time.Time `json:"finishedAt,omitempty"`
	Actor       string     `json:"actor,omitempty"`
	Rev         int64      `json:"rev"`
}

// ImportStore keeps import runs.
type ImportStore interface {
	Create(ctx context.Context, r *ImportRun) error
	Get(ctx context.Context, id string) (ImportRun, error)
	Update(ctx context.Context, r *ImportRun) error
	List(ctx context.Context, p Page) (List[ImportRun], error) // newest first
}

// Store contract decisions. What the interfaces above leave open, every
// store settles the same way (registry/registrytest checks each point):
//
//   - Ids and times. Create and the upserts keep a given ID and assign
//     NewID when it is empty; they store CreatedAt/UpdatedAt as given (the
//     Service sets them). Times come back in UTC; the suite uses
//     millisecond precision. Create sets Rev to 1; Update and Delete need
//     the stored Rev (Delete with rev 0 deletes whatever the revision) and
//     Update increments it. The new Rev (and, for upserts, the stored ID,
//     CreatedAt and merged fields) is written back into the argument.
//   - Errors. A missing id is ErrNotFound (Update and Delete too); a stale
//     Rev, a taken id or natural key (slug, repository URL or alias, NIT,
//     (EntityNIT, AssetID, Environment), mirror URL, username, token hash,
//     (Source, ContractID)) is ErrConflict; a refused write records nothing.
//   - Audit and changes. A write appends its event (when not nil) and one
//     change per written record in the same atomic step; a store fills the
//     event's empty ID, TargetKind and TargetID (with the record's). Writes
//     that change nothing (an unchanged purchase, link or entity merge)
//     record nothing: no Rev bump, no change, no event; a purchase batch
//     appends its one event only when some row was new or updated.
//     Releases.Upsert and Advisories.Upsert always replace (Rev+1).
//     Audit().Append, ImportStore, NoticeStore, WebhookStore and
//     SessionStore take no change number. Audit events list newest first
//     in the order they were appended (not by At or ID).
//   - Pages. Stores call Page.Validate (ErrInvalid when it fails), refuse an
//     unknown sort or a cursor of another sort (ErrInvalid). Every sort
//     breaks ties by id in the sort's own direction: ascending sorts by
//     (key, id) ascending, newest-first sorts by (key, id) descending. A
//     Last/Before page returns the rows just before the cursor, in sort
//     order. HasNextPage is exact on forward pages, HasPreviousPage on
//     backward pages; the other flag is true exactly when a cursor was
//     given. Total counts every row of the filter, ignoring cursors.
//   - Orders. NAME sorts by Fold(name); NIT numerically (shorter first);
//     purchases by DATE put rows without SignedAt last; DUE is ascending.
//     NamePrefix matches Fold(prefix) against Fold(name), with no
//     wildcards. PurchaseFilter.UNSPSC of fewer than 8 digits matches any
//     code that starts with it; Min/Max filters are inclusive;
//     MirrorFilter.DueBefore includes mirrors due exactly then.
//     AssetFilter.AdopterNIT/AdopterDepartment match any adoption, whatever
//     its status. Get* lists (GetMany) follow the order of the ids asked.
//     ForAssets and ListByUser (newest first) return every match, no page.
//   - Upserts. Entities.Upsert fills the stored entity's empty fields from
//     e, adds e.Name (when Fold differs from the stored name) and e.Aliases
//     as aliases, takes e.UpdatedAt when something changed, and writes the
//     merged entity back into e; concurrent merges lose no alias.
//     Purchases.UpsertBatch applies rows in order (a key repeated in a batch
//     sees its earlier row); equal RowHash is Unchanged. Links.Upsert
//     updates Relation, Score and Reasons (Unchanged when all three are
//     equal) and keeps a stored CONFIRMED or REJECTED state with its
//     DecidedBy/DecidedAt.
//   - Aggregate. Group keys are strings (year in decimal, supplier is the
//     supplier's document number); groups come by Total descending, ties by
//     the key values in groupBy order; no groupBy gives one group with an
//     empty key; nothing matching gives no group; an unknown field is
//     ErrInvalid. Scan visits each matching row once, in a stable order, in
//     non-empty batches, and stops at fn's first error, returning it.
//   - Leases. AcquireLease succeeds when nobody holds the lease, when it
//     expired (LeaseUntil <= now) or when holder renews it; it bumps Rev but
//     records no change and no event, and so does ReleaseLease. A missing
//     mirror is ErrNotFound. GetByAsset returns the asset's mirror with the
//     smallest id.
//   - Users: GetByOIDCSubject("") is ErrNotFound. Import runs list by
//     StartedAt, newest first.
//   - Notices list by CreatedAt, newest first; a duplicate Create stores
//     nothing. Webhooks list by CreatedAt, oldest first; deliveries list
//     newest first, DueDeliveries soonest NextTryAt first (nil is never
//     due); UpsertDelivery with Rev 0 on a taken (WebhookID, NoticeID) is
//     ErrConflict. Sessions: Delete of a missing session is no error;
//     DeleteExpired removes sessions with ExpiresAt before the time given.
//
// Store is a storage engine: SQLite (registry/sqlite) or MongoDB
// (registry/mongo). Every write method appends its audit event (when not nil)
// and takes the next number of the store-wide change sequence.
type Store interface {
	Assets() AssetStore
	Releases() ReleaseStore
	Entities() EntityStore
	Adoptions() AdoptionStore
	Purchases() PurchaseStore
	Links() LinkStore
	Advisories() AdvisoryStore
	Mirrors() MirrorStore
	Users() UserStore
	Tokens() TokenStore
	Audit() AuditStore
	Imports() ImportStore
	Notices() NoticeStore
	Webhooks() WebhookStore
	Sessions() SessionStore
	// Changes returns up to limit changes with Seq > after, in Seq order.
	Changes(ctx context.Context, after int64, limit int) ([]Change, error)
	// Ping reports whether the store answers.
	Ping(ctx context.Context) error
	Close() error
}
