-- Acervo embedded store, schema 1.
-- Each table keeps the record as JSON (doc) and, as real columns, every field
-- a filter, sort or uniqueness rule of registry/store.go uses. Times used for
-- sorting are Unix microseconds; rev is the optimistic-concurrency revision.

CREATE TABLE changes (
	seq     INTEGER PRIMARY KEY,
	kind    TEXT NOT NULL,
	id      TEXT NOT NULL,
	deleted INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE audit (
	seq         INTEGER PRIMARY KEY,
	id          TEXT NOT NULL UNIQUE,
	actor       TEXT NOT NULL,
	action      TEXT NOT NULL,
	target_kind TEXT NOT NULL,
	target_id   TEXT NOT NULL,
	entity_nit  TEXT NOT NULL,
	doc         TEXT NOT NULL
);
CREATE INDEX audit_actor ON audit (actor, seq);
CREATE INDEX audit_action ON audit (action, seq);
CREATE INDEX audit_target_kind ON audit (target_kind, seq);
CREATE INDEX audit_target_id ON audit (target_id, seq);
CREATE INDEX audit_entity ON audit (entity_nit, seq);

CREATE TABLE assets (
	id            TEXT PRIMARY KEY,
	slug          TEXT NOT NULL UNIQUE,
	kind          TEXT NOT NULL,
	active        INTEGER NOT NULL,
	publisher_nit TEXT NOT NULL,
	license       TEXT NOT NULL,
	dev_status    TEXT NOT NULL,
	name_fold     TEXT NOT NULL,
	created       INTEGER NOT NULL,
	updated       INTEGER NOT NULL,
	rev           INTEGER NOT NULL,
	doc           TEXT NOT NULL
);
CREATE INDEX assets_name ON assets (name_fold, id);
CREATE INDEX assets_updated ON assets (updated, id);
CREATE INDEX assets_created ON assets (created, id);
CREATE INDEX assets_kind ON assets (kind, name_fold, id);
CREATE INDEX assets_active ON assets (active, name_fold, id);
CREATE INDEX assets_publisher ON assets (publisher_nit, name_fold, id);
CREATE INDEX assets_license ON assets (license, name_fold, id);
CREATE INDEX assets_dev_status ON assets (dev_status, name_fold, id);

-- Canonical repository URL and aliases: each URL belongs to one asset.
CREATE TABLE asset_urls (
	url      TEXT PRIMARY KEY,
	asset_id TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX asset_urls_asset ON asset_urls (asset_id);

-- Multi-valued filter fields of assets: category, language.
CREATE TABLE asset_terms (
	field    TEXT NOT NULL,
	value    TEXT NOT NULL,
	asset_id TEXT NOT NULL,
	PRIMARY KEY (field, value, asset_id)
) WITHOUT ROWID;
CREATE INDEX asset_terms_asset ON asset_terms (asset_id);

CREATE TABLE releases (
	id         TEXT PRIMARY KEY,
	asset_id   TEXT NOT NULL,
	tag        TEXT NOT NULL,
	is_release INTEGER NOT NULL,
	withdrawn  INTEGER NOT NULL,
	date       INTEGER NOT NULL,
	rev        INTEGER NOT NULL,
	doc        TEXT NOT NULL,
	UNIQUE (asset_id, tag)
);
CREATE INDEX releases_date ON releases (date, id);
CREATE INDEX releases_asset_date ON releases (asset_id, date, id);
CREATE INDEX releases_withdrawn_date ON releases (withdrawn, date, id);
CREATE INDEX releases_is_release_date ON releases (is_release, date, id);

CREATE TABLE entities (
	id        TEXT PRIMARY KEY,
	nit       TEXT NOT NULL UNIQUE,
	nit_key   TEXT NOT NULL,
	name_fold TEXT NOT NULL,
	orden     TEXT NOT NULL,
	sector    TEXT NOT NULL,
	dept      TEXT NOT NULL,
	rev       INTEGER NOT NULL,
	doc       TEXT NOT NULL
);
CREATE INDEX entities_name ON entities (name_fold, id);
CREATE INDEX entities_nit_key ON entities (nit_key, id);
CREATE INDEX entities_orden ON entities (orden, name_fold, id);
CREATE INDEX entities_sector ON entities (sector, name_fold, id);
CREATE INDEX entities_dept ON entities (dept, name_fold, id);

CREATE TABLE adoptions (
	id           TEXT PRIMARY KEY,
	entity_nit   TEXT NOT NULL,
	asset_id     TEXT NOT NULL,
	environment  TEXT NOT NULL,
	status       TEXT NOT NULL,
	verification TEXT NOT NULL,
	pending      INTEGER NOT NULL,
	created      INTEGER NOT NULL,
	updated      INTEGER NOT NULL,
	rev          INTEGER NOT NULL,
	doc          TEXT NOT NULL,
	UNIQUE (entity_nit, asset_id, environment)
);
CREATE INDEX adoptions_updated ON adoptions (updated, id);
CREATE INDEX adoptions_created ON adoptions (created, id);
CREATE INDEX adoptions_asset ON adoptions (asset_id, updated, id);
CREATE INDEX adoptions_entity ON adoptions (entity_nit, updated, id);
CREATE INDEX adoptions_status ON adoptions (status, updated, id);
CREATE INDEX adoptions_verification ON adoptions (verification, updated, id);
CREATE INDEX adoptions_pending ON adoptions (pending, updated, id);

CREATE TABLE purchases (
	id           TEXT PRIMARY KEY,
	nkey         TEXT NOT NULL UNIQUE, -- source || x'1f' || contract id
	source       TEXT NOT NULL,
	dept         TEXT NOT NULL,
	buyer_nit    TEXT NOT NULL,
	supplier_doc TEXT NOT NULL,
	year         INTEGER NOT NULL,
	value        INTEGER NOT NULL,
	score        REAL NOT NULL,
	signed       INTEGER NOT NULL, -- Unix microseconds; no date sorts last
	row_hash     TEXT NOT NULL,
	rev          INTEGER NOT NULL,
	doc          TEXT NOT NULL
);
CREATE INDEX purchases_signed ON purchases (signed, id);
CREATE INDEX purchases_value ON purchases (value, id);
CREATE INDEX purchases_buyer ON purchases (buyer_nit, signed, id);
CREATE INDEX purchases_supplier ON purchases (supplier_doc, signed, id);
CREATE INDEX purchases_year ON purchases (year, signed, id);
CREATE INDEX purchases_score ON purchases (score);

CREATE TABLE purchase_unspsc (
	code        TEXT NOT NULL,
	purchase_id TEXT NOT NULL,
	PRIMARY KEY (code, purchase_id)
) WITHOUT ROWID;

CREATE TABLE links (
	id          TEXT PRIMARY KEY,
	purchase_id TEXT NOT NULL,
	asset_id    TEXT NOT NULL,
	state       TEXT NOT NULL,
	relation    TEXT NOT NULL,
	score       REAL NOT NULL,
	updated     INTEGER NOT NULL,
	rev         INTEGER NOT NULL,
	doc         TEXT NOT NULL,
	UNIQUE (purchase_id, asset_id)
);
CREATE INDEX links_score ON links (score, id);
CREATE INDEX links_updated ON links (updated, id);
CREATE INDEX links_asset ON links (asset_id, score, id);
CREATE INDEX links_state ON links (state, score, id);
CREATE INDEX links_relation ON links (relation, score, id);

CREATE TABLE advisories (
	id       TEXT PRIMARY KEY,
	asset_id TEXT NOT NULL,
	updated  INTEGER NOT NULL,
	rev      INTEGER NOT NULL,
	doc      TEXT NOT NULL
);
CREATE INDEX advisories_updated ON advisories (updated, id);
CREATE INDEX advisories_asset ON advisories (asset_id, updated, id);

CREATE TABLE mirrors (
	id       TEXT PRIMARY KEY,
	url      TEXT NOT NULL UNIQUE,
	asset_id TEXT NOT NULL,
	status   TEXT NOT NULL,
	due      INTEGER NOT NULL,
	updated  INTEGER NOT NULL,
	rev      INTEGER NOT NULL,
	doc      TEXT NOT NULL
);
CREATE INDEX mirrors_due ON mirrors (due, id);
CREATE INDEX mirrors_updated ON mirrors (updated, id);
CREATE INDEX mirrors_status ON mirrors (status, due, id);
CREATE INDEX mirrors_asset ON mirrors (asset_id, due, id);

CREATE TABLE users (
	id           TEXT PRIMARY KEY,
	username     TEXT NOT NULL UNIQUE,
	oidc_subject TEXT NOT NULL,
	rev          INTEGER NOT NULL,
	doc          TEXT NOT NULL
);
CREATE INDEX users_oidc ON users (oidc_subject);

CREATE TABLE tokens (
	id      TEXT PRIMARY KEY,
	hash    TEXT NOT NULL UNIQUE,
	user_id TEXT NOT NULL,
	created INTEGER NOT NULL,
	rev     INTEGER NOT NULL,
	doc     TEXT NOT NULL
);
CREATE INDEX tokens_user ON tokens (user_id, created, id);

CREATE TABLE imports (
	id      TEXT PRIMARY KEY,
	started INTEGER NOT NULL,
	rev     INTEGER NOT NULL,
	doc     TEXT NOT NULL
);
CREATE INDEX imports_started ON imports (started, id);

CREATE TABLE notices (
	id          TEXT PRIMARY KEY,
	entity_nit  TEXT NOT NULL,
	kind        TEXT NOT NULL,
	ref         TEXT NOT NULL,
	unread      INTEGER NOT NULL,
	not_emailed INTEGER NOT NULL,
	created     INTEGER NOT NULL,
	rev         INTEGER NOT NULL,
	doc         TEXT NOT NULL,
	UNIQUE (entity_nit, kind, ref)
);
CREATE INDEX notices_created ON notices (created, id);
CREATE INDEX notices_entity ON notices (entity_nit, created, id);
CREATE INDEX notices_unread ON notices (unread, created, id);
CREATE INDEX notices_not_emailed ON notices (not_emailed, created, id);

CREATE TABLE webhooks (
	id         TEXT PRIMARY KEY,
	entity_nit TEXT NOT NULL,
	created    INTEGER NOT NULL,
	rev        INTEGER NOT NULL,
	doc        TEXT NOT NULL
);
CREATE INDEX webhooks_entity ON webhooks (entity_nit, created, id);

CREATE TABLE deliveries (
	id         TEXT PRIMARY KEY,
	webhook_id TEXT NOT NULL,
	notice_id  TEXT NOT NULL,
	next_try   INTEGER, -- NULL when done or abandoned
	created    INTEGER NOT NULL,
	rev        INTEGER NOT NULL,
	doc        TEXT NOT NULL,
	UNIQUE (webhook_id, notice_id)
);
CREATE INDEX deliveries_due ON deliveries (next_try, id) WHERE next_try IS NOT NULL;
CREATE INDEX deliveries_webhook ON deliveries (webhook_id, created, id);

CREATE TABLE sessions (
	id      TEXT PRIMARY KEY,
	user_id TEXT NOT NULL,
	expires INTEGER NOT NULL,
	doc     TEXT NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires);
CREATE INDEX sessions_user ON sessions (user_id);
