package mongo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/connstring"

	"github.com/acervo-co/acervo/registry"
)

// ErrUnreachable is returned by Open when the server does not answer a ping
// within the connect timeout.
var ErrUnreachable = errors.New("mongodb unreachable")

// DefaultDatabase is the database used when neither the URI path nor
// WithDatabase names one.
const DefaultDatabase = "acervo"

// DefaultTimeout bounds connecting and the first ping.
const DefaultTimeout = 10 * time.Second

// DefaultGrace is how long a hole in the change sequence (or a repository
// URL claim whose asset never appeared) may stay before it is considered
// abandoned by a crashed writer.
const DefaultGrace = 30 * time.Second

type config struct {
	database string
	timeout  time.Duration
	grace    time.Duration
	logger   *slog.Logger
	now      func() time.Time
}

// Option configures Open.
type Option func(*config)

// WithDatabase names the database (it wins over the URI path).
func WithDatabase(name string) Option { return func(c *config) { c.database = name } }

// WithTimeout bounds connecting and the first ping (default 10 s).
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithGrace sets how long a hole in the change sequence or an orphan URL
// claim is waited for before it is repaired (default 30 s).
func WithGrace(d time.Duration) Option { return func(c *config) { c.grace = d } }

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithClock sets the clock used for record-keeping times (tests).
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// Store is a registry.Store on MongoDB (or FerretDB v1, for tests).
type Store struct {
	client *mongo.Client
	db     *mongo.Database
	cfg    config

	// On FerretDB, whose update and findAndModify are a read then a write,
	// read-modify-write commands run one at a time per database: under
	// serial within this Store and under the lock document of the locks
	// collection across Stores and processes (see serialized).
	serial    sync.Mutex
	ferret    bool
	lockToken string
	locksC    *mongo.Collection

	assetsC, assetURLs, releasesC, entitiesC, adoptionsC, purchasesC, linksC *mongo.Collection
	advisoriesC, mirrorsC, usersC, tokensC, auditC, changesC, countersC      *mongo.Collection
	importsC, noticesC, webhooksC, deliveriesC, sessionsC                    *mongo.Collection

	// hook, when set by tests, is called at the named points of a write;
	// an error stops the write there as if the process had died.
	hook func(point string) error

	assets     *assetStore
	releases   *releaseStore
	entities   *entityStore
	adoptions  *adoptionStore
	purchases  *purchaseStore
	links      *linkStore
	advisories *advisoryStore
	mirrors    *mirrorStore
	users      *userStore
	tokens     *tokenStore
	audit      *auditStore
	imports    *importStore
	notices    *noticeStore
	webhooks   *webhookStore
	sessions   *sessionStore
}

var _ registry.Store = (*Store)(nil)

// Open connects to uri, checks that the server answers within the timeout,
// creates the indexes and finishes the writes a crashed process left
// half-published (see the package documentation).
func Open(ctx context.Context, uri string, opts ...Option) (*Store, error) {
	cfg := config{timeout: DefaultTimeout, grace: DefaultGrace, now: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	cs, err := connstring.ParseAndValidate(uri)
	if err != nil {
		return nil, fmt.Errorf("mongo: invalid URI: %s", oneLine(err.Error()))
	}
	dbName := cfg.database
	if dbName == "" {
		dbName = cs.Database
	}
	if dbName == "" {
		dbName = DefaultDatabase
	}
	copts := options.Client().ApplyURI(uri).
		SetWriteConcern(writeconcern.Majority()).
		SetBSONOptions(&options.BSONOptions{UseJSONStructTags: true}).
		SetServerSelectionTimeout(cfg.timeout).
		SetConnectTimeout(cfg.timeout).
		SetAppName("acervo")
	client, err := mongo.Connect(copts)
	if err != nil {
		return nil, fmt.Errorf("mongo: %s", oneLine(err.Error()))
	}
	fail := func(err error) (*Store, error) {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = client.Disconnect(dctx)
		return nil, err
	}
	hosts := strings.Join(cs.Hosts, ",")
	pctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	err = client.Ping(pctx, readpref.Primary())
	cancel()
	if err != nil {
		return fail(fmt.Errorf("%w: no answer from %s within %s: %s", ErrUnreachable, hosts, cfg.timeout, shortCause(err)))
	}
	s := &Store{client: client, db: client.Database(dbName), cfg: cfg}
	var bi bson.M
	if err := s.db.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&bi); err == nil {
		if _, ok := bi["ferretdbVersion"]; ok {
			s.ferret = true
		}
	}
	s.initCollections()
	if err := s.createIndexes(ctx); err != nil {
		return fail(fmt.Errorf("mongo: creating indexes in %s: %s", dbName, oneLine(err.Error())))
	}
	if err := s.sweep(ctx); err != nil {
		return fail(fmt.Errorf("mongo: finishing interrupted writes: %s", oneLine(err.Error())))
	}
	cfg.logger.Debug("mongo store open", "hosts", hosts, "database", dbName, "ferretdb", s.ferret)
	return s, nil
}

func (s *Store) initCollections() {
	c := s.db.Collection
	s.assetsC, s.assetURLs, s.releasesC = c("assets"), c("asset_urls"), c("releases")
	s.entitiesC, s.adoptionsC, s.purchasesC = c("entities"), c("adoptions"), c("purchases")
	s.linksC, s.advisoriesC, s.mirrorsC = c("links"), c("advisories"), c("mirrors")
	s.usersC, s.tokensC, s.auditC = c("users"), c("tokens"), c("audit")
	s.changesC, s.countersC, s.importsC = c("changes"), c("counters"), c("imports")
	s.noticesC, s.webhooksC, s.deliveriesC, s.sessionsC = c("notices"), c("webhooks"), c("deliveries"), c("sessions")
	s.locksC = c("locks")
	s.lockToken = registry.NewID(s.cfg.now())

	s.assets = newAssetStore(s)
	s.releases = newReleaseStore(s)
	s.entities = newEntityStore(s)
	s.adoptions = newAdoptionStore(s)
	s.purchases = newPurchaseStore(s)
	s.links = newLinkStore(s)
	s.advisories = newAdvisoryStore(s)
	s.mirrors = newMirrorStore(s)
	s.users = newUserStore(s)
	s.tokens = newTokenStore(s)
	s.audit = &auditStore{s: s}
	s.imports = newImportStore(s)
	s.notices = newNoticeStore(s)
	s.webhooks = newWebhookStore(s)
	s.sessions = &sessionStore{s: s}
}

// Database returns the name of the database the store uses.
func (s *Store) Database() string { return s.db.Name() }

// FerretDB reports whether the server is FerretDB.
func (s *Store) FerretDB() bool { return s.ferret }

func (s *Store) Assets() registry.AssetStore              { return s.assets }
func (s *Store) Releases() registry.ReleaseStore          { return s.releases }
func (s *Store) Entities() registry.EntityStore           { return s.entities }
func (s *Store) Adoptions() registry.AdoptionStore        { return s.adoptions }
func (s *Store) Purchases() registry.PurchaseStore        { return s.purchases }
func (s *Store) Links() registry.LinkStore                { return s.links }
func (s *Store) Advisories() registry.AdvisoryStore       { return s.advisories }
func (s *Store) Mirrors() registry.MirrorStore            { return s.mirrors }
func (s *Store) Users() registry.UserStore                { return s.users }
func (s *Store) Tokens() registry.TokenStore              { return s.tokens }
func (s *Store) Audit() registry.AuditStore               { return s.audit }
func (s *Store) Imports() registry.ImportStore            { return s.imports }
func (s *Store) Notices() registry.NoticeStore            { return s.notices }
func (s *Store) Webhooks() registry.WebhookStore          { return s.webhooks }
func (s *Store) Sessions() registry.SessionStore          { return s.sessions }
func (s *Store) Ping(ctx context.Context) error           { return s.client.Ping(ctx, readpref.Primary()) }
func (s *Store) now() time.Time                           { return s.cfg.now().UTC().Truncate(time.Millisecond) }
func (s *Store) logger() *slog.Logger                     { return s.cfg.logger }
func (s *Store) collection(name string) *mongo.Collection { return s.db.Collection(name) }

// Close disconnects from the server.
func (s *Store) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.client.Disconnect(ctx)
}

// DropDatabase removes the store's database (tests and benchmarks).
func (s *Store) DropDatabase(ctx context.Context) error { return s.db.Drop(ctx) }

type index struct {
	keys   bson.D
	unique bool
	sparse bool
}

func asc(fields ...string) bson.D {
	d := bson.D{}
	for _, f := range fields {
		d = append(d, bson.E{Key: f, Value: 1})
	}
	return d
}

// keyDesc makes a descending sort key with an _id tie-breaker.
func keyDesc(field string) bson.D { return bson.D{{Key: field, Value: -1}, {Key: "_id", Value: -1}} }

func (s *Store) createIndexes(ctx context.Context) error {
	pending := index{keys: asc(pendingOp), sparse: true}
	all := map[*mongo.Collection][]index{
		s.assetsC: {{keys: asc("slug"), unique: true}, {keys: asc("repoUrls")}, {keys: asc("nameFold", "_id")},
			{keys: keyDesc("updatedAt")}, {keys: keyDesc("createdAt")}, {keys: asc("publisherNit")}, pending},
		s.releasesC: {{keys: asc("assetId", "tag"), unique: true}, {keys: keyDesc("date")}, pending},
		s.entitiesC: {{keys: asc("nit"), unique: true}, {keys: asc("nameFold", "_id")}, {keys: asc("nitKey", "_id")},
			{keys: asc("departmentCode")}, pending},
		s.adoptionsC: {{keys: asc("entityNit", "assetId", "environment"), unique: true}, {keys: asc("assetId")},
			{keys: keyDesc("updatedAt")}, pending},
		s.purchasesC: {{keys: asc("source", "contractId"), unique: true},
			{keys: bson.D{{Key: "buyerNit", Value: 1}, {Key: "signedKey", Value: -1}, {Key: "_id", Value: -1}}},
			{keys: bson.D{{Key: "buyerNit", Value: 1}, {Key: "value", Value: -1}, {Key: "_id", Value: -1}}},
			{keys: keyDesc("signedKey")}, {keys: keyDesc("value")}, {keys: asc("year")}, {keys: asc("unspsc")},
			{keys: asc("supplier.docNumber")}, pending},
		s.linksC:      {{keys: asc("purchaseId", "assetId"), unique: true}, {keys: asc("assetId")}, {keys: keyDesc("score")}, pending},
		s.advisoriesC: {{keys: asc("assetId")}, {keys: keyDesc("updatedAt")}, pending},
		s.mirrorsC:    {{keys: asc("url"), unique: true}, {keys: asc("assetId")}, {keys: asc("nextDueAt", "_id")}, pending},
		s.usersC:      {{keys: asc("username"), unique: true}, {keys: asc("oidcSubject")}, pending},
		s.tokensC:     {{keys: asc("hash"), unique: true}, {keys: asc("userId")}, pending},
		s.auditC:      {{keys: bson.D{{Key: "seq", Value: -1}}}, {keys: bson.D{{Key: "targetId", Value: 1}, {Key: "seq", Value: -1}}}},
		s.importsC:    {{keys: keyDesc("startedAt")}},
		s.noticesC:    {{keys: asc("entityNit", "kind", "ref"), unique: true}, {keys: keyDesc("createdAt")}},
		s.webhooksC:   {{keys: asc("entityNit")}, pending},
		s.deliveriesC: {{keys: asc("webhookId", "noticeId"), unique: true}, {keys: asc("nextTryAt", "_id")}},
		s.sessionsC:   {{keys: asc("expiresAt")}},
	}
	for c, idx := range all {
		// Only missing indexes are created: FerretDB v1 panics when one
		// createIndexes repeats two or more existing indexes.
		cur, err := c.Indexes().List(ctx)
		if err != nil {
			return fmt.Errorf("%s: %w", c.Name(), err)
		}
		var existing []struct {
			Name string `bson:"name"`
		}
		if err := cur.All(ctx, &existing); err != nil {
			return fmt.Errorf("%s: %w", c.Name(), err)
		}
		have := map[string]bool{}
		for _, e := range existing {
			have[e.Name] = true
		}
		models := make([]mongo.IndexModel, 0, len(idx))
		for _, ix := range idx {
			name := indexName(ix.keys)
			if have[name] {
				continue
			}
			o := options.Index().SetName(name)
			if ix.unique {
				o.SetUnique(true)
			}
			if ix.sparse {
				o.SetSparse(true)
			}
			models = append(models, mongo.IndexModel{Keys: ix.keys, Options: o})
		}
		if len(models) == 0 {
			continue
		}
		if _, err := c.Indexes().CreateMany(ctx, models); err != nil {
			return fmt.Errorf("%s: %w", c.Name(), err)
		}
	}
	return nil
}

// indexName names an index the way the driver does by default
// ("nameFold_1__id_1").
func indexName(keys bson.D) string {
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s_%v", k.Key, k.Value))
	}
	return strings.Join(parts, "_")
}

// oneLine flattens an error message for one-line reports.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// shortCause reduces a driver error to its cause, without the topology dump.
func shortCause(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, ", Type:"); i > 0 {
		msg = msg[:i]
	}
	if i := strings.Index(msg, "current topology:"); i > 0 {
		msg = strings.TrimRight(msg[:i], " ,;")
	}
	return oneLine(msg)
}
