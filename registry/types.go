package registry

import (
	"encoding/json"
	"slices"
	"time"
)

// AssetKind tells public software (mirrored) from a commercial product the
// State buys (catalogued from purchases, no repository).
type AssetKind string

const (
	AssetPublic     AssetKind = "PUBLIC"
	AssetCommercial AssetKind = "COMMERCIAL"
)

// Development statuses of publiccode.yml.
const (
	StatusConcept     = "concept"
	StatusDevelopment = "development"
	StatusBeta        = "beta"
	StatusStable      = "stable"
	StatusObsolete    = "obsolete"
)

// Provenance says where a field's value came from.
type Provenance struct {
	Source string    `json:"source"`        // publiccode.yml, entity, cio-network, import, admin
	Ref    string    `json:"ref,omitempty"` // commit, file, user
	At     time.Time `json:"at"`
}

// Provenance sources.
const (
	ProvPubliccode = "publiccode.yml"
	ProvEntity     = "entity"
	ProvCIONetwork = "cio-network"
	ProvImport     = "import"
	ProvAdmin      = "admin"
)

// Description is an asset's description in one language.
type Description struct {
	LocalisedName    string   `json:"localisedName,omitempty"`
	GenericName      string   `json:"genericName,omitempty"`
	ShortDescription string   `json:"shortDescription,omitempty"`
	LongDescription  string   `json:"longDescription,omitempty"`
	Features         []string `json:"features,omitempty"`
	Documentation    string   `json:"documentation,omitempty"`
}

// Contractor maintains an asset under contract until a date.
type Contractor struct {
	Name    string    `json:"name"`
	NIT     string    `json:"nit,omitempty"`
	Website string    `json:"website,omitempty"`
	Email   string    `json:"email,omitempty"`
	Until   time.Time `json:"until"`
}

// Contact is a maintainer's contact.
type Contact struct {
	Name        string `json:"name"`
	Email       string `json:"email,omitempty"`
	Phone       string `json:"phone,omitempty"`
	Affiliation string `json:"affiliation,omitempty"`
}

// Maintenance says who keeps the asset alive.
type Maintenance struct {
	Type        string       `json:"type,omitempty"` // internal, contract, community, none
	Contractors []Contractor `json:"contractors,omitempty"`
	Contacts    []Contact    `json:"contacts,omitempty"`
}

// LanguageShare is a programming language and its share of the files.
type LanguageShare struct {
	Name  string  `json:"name"`
	Share float64 `json:"share"`
}

// Finding is one error or warning of a publiccode.yml validation.
type Finding struct {
	File     string `json:"file,omitempty"`
	Severity string `json:"severity"` // error, warning
	Key      string `json:"key"`
	Message  string `json:"message"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
}

// Asset is a reusable public software (PUBLIC) or a commercial product the
// State buys (COMMERCIAL).
type Asset struct {
	ID                string                 `json:"id"`
	Kind              AssetKind              `json:"kind"`
	Slug              string                 `json:"slug"`
	Name              string                 `json:"name"`
	Descriptions      map[string]Description `json:"descriptions,omitempty"` // by language: es, en
	PublisherNIT      string                 `json:"publisherNit,omitempty"`
	RepositoryURL     string                 `json:"repositoryUrl,omitempty"`
	RepositoryAliases []string               `json:"repositoryAliases,omitempty"`
	LandingURL        string                 `json:"landingUrl,omitempty"`
	License           string                 `json:"license,omitempty"` // SPDX expression
	Categories        []string               `json:"categories,omitempty"`
	SoftwareType      string                 `json:"softwareType,omitempty"`
	DevelopmentStatus string                 `json:"developmentStatus,omitempty"`
	Maintenance       Maintenance            `json:"maintenance"`
	Platforms         []string               `json:"platforms,omitempty"`
	Languages         []LanguageShare        `json:"languages,omitempty"`
	Aliases           []string               `json:"aliases,omitempty"` // product names in contracts
	Active            bool                   `json:"active"`
	InactiveReason    string                 `json:"inactiveReason,omitempty"`
	AdminDeactivated  bool                   `json:"adminDeactivated,omitempty"`
	Provenance        map[string]Provenance  `json:"provenance,omitempty"` // by field name
	Findings          []Finding              `json:"findings,omitempty"`   // publiccode.yml at the head
	Readme            string                 `json:"readme,omitempty"`     // first 256 KiB, Markdown
	Demo              bool                   `json:"demo,omitempty"`
	CreatedAt         time.Time              `json:"createdAt"`
	UpdatedAt         time.Time              `json:"updatedAt"`
	Rev               int64                  `json:"rev"` // optimistic concurrency
}

// PubliccodeSnapshot is the publiccode.yml found at a commit.
type PubliccodeSnapshot struct {
	Present  bool      `json:"present"`
	Path     string    `json:"path,omitempty"`
	Version  string    `json:"version,omitempty"` // publiccodeYmlVersion
	Valid    bool      `json:"valid"`
	Findings []Finding `json:"findings,omitempty"`
	Raw      string    `json:"raw,omitempty"`
}

// Release is a tag of an asset's repository. Tags that parse as semver are
// releases (IsRelease); other tags are kept as plain tags.
type Release struct {
	ID          string             `json:"id"`
	AssetID     string             `json:"assetId"`
	Tag         string             `json:"tag"`
	IsRelease   bool               `json:"isRelease"`
	Version     string             `json:"version,omitempty"` // normalised semver, no leading v
	Commit      string             `json:"commit"`
	Date        time.Time          `json:"date"`
	Prerelease  bool               `json:"prerelease"`
	Withdrawn   bool               `json:"withdrawn"`
	WithdrawnAt *time.Time         `json:"withdrawnAt,omitempty"`
	Moves       []TagMove          `json:"moves,omitempty"` // the tag was moved from these commits
	Publiccode  PubliccodeSnapshot `json:"publiccode"`
	License     string             `json:"license,omitempty"`
	CreatedAt   time.Time          `json:"createdAt"`
	UpdatedAt   time.Time          `json:"updatedAt"`
	Rev         int64              `json:"rev"`
}

// TagMove records that a tag pointed at another commit before.
type TagMove struct {
	From string    `json:"from"`
	To   string    `json:"to"`
	At   time.Time `json:"at"`
}

// Orden of a public entity.
const (
	OrdenNacional    = "NACIONAL"
	OrdenTerritorial = "TERRITORIAL"
)

// Entity is a public entity (entidad pública), keyed by NIT.
type Entity struct {
	ID               string    `json:"id"`
	NIT              string    `json:"nit"` // without check digit
	CheckDigit       int       `json:"checkDigit"`
	Name             string    `json:"name"`
	Aliases          []string  `json:"aliases,omitempty"`
	Sigla            string    `json:"sigla,omitempty"`
	Orden            string    `json:"orden,omitempty"`
	Sector           string    `json:"sector,omitempty"`
	Rama             string    `json:"rama,omitempty"`
	DepartmentCode   string    `json:"departmentCode,omitempty"`
	MunicipalityCode string    `json:"municipalityCode,omitempty"`
	ParentNIT        string    `json:"parentNit,omitempty"`
	Website          string    `json:"website,omitempty"`
	CreatedAt        time.Time `json:"createdAt"`
	UpdatedAt        time.Time `json:"updatedAt"`
	Rev              int64     `json:"rev"`
}

// Adoption statuses.
const (
	AdoptionEvaluating = "EVALUATING"
	AdoptionPilot      = "PILOT"
	AdoptionProduction = "PRODUCTION"
	AdoptionRetired    = "RETIRED"
)

// Adoption verification levels.
const (
	VerificationSelfDeclared       = "SELF_DECLARED"
	VerificationCIOVerified        = "CIO_VERIFIED"
	VerificationProcurementDerived = "PROCUREMENT_DERIVED"
	VerificationForkDerived        = "FORK_DERIVED"
)

// Evidence backs an adoption.
type Evidence struct {
	Kind string `json:"kind"` // CONTRACT, FORK, DECLARATION
	Ref  string `json:"ref,omitempty"`
	URL  string `json:"url,omitempty"`
}

// Adoption says that an entity uses an asset at a release or constraint.
type Adoption struct {
	ID           string     `json:"id"`
	EntityNIT    string     `json:"entityNit"`
	AssetID      string     `json:"assetId"`
	ReleaseTag   string     `json:"releaseTag,omitempty"` // exact release
	Constraint   string     `json:"constraint,omitempty"` // or a semver constraint
	Status       string     `json:"status"`
	Environment  string     `json:"environment,omitempty"`
	InstanceURL  string     `json:"instanceUrl,omitempty"`
	Since        *time.Time `json:"since,omitempty"`
	Until        *time.Time `json:"until,omitempty"`
	Evidence     []Evidence `json:"evidence,omitempty"`
	Verification string     `json:"verification"`
	Pending      bool       `json:"pending,omitempty"` // proposed, waiting for CIO verification
	VerifiedBy   string     `json:"verifiedBy,omitempty"`
	VerifiedAt   *time.Time `json:"verifiedAt,omitempty"`
	Notes        string     `json:"notes,omitempty"`
	CreatedAt    time.Time  `json:"createdAt"`
	UpdatedAt    time.Time  `json:"updatedAt"`
	Rev          int64      `json:"rev"`
}

// Purchase sources.
const (
	SourceSECOPII = "SECOP_II"
	SourceSECOPI  = "SECOP_I"
	SourceTVEC    = "TVEC"
	SourceOCDS    = "OCDS"
)

// Party is a supplier or legal representative.
type Party struct {
	DocType       string `json:"docType,omitempty"` // NIT, CC, CE, PASAPORTE, ...
	DocNumber     string `json:"docNumber,omitempty"`
	Name          string `json:"name,omitempty"`
	NaturalPerson bool   `json:"naturalPerson,omitempty"`
}

// Purchase is a contract (or order) of the State, keyed by (Source, ContractID).
type Purchase struct {
	ID                 string     `json:"id"`
	Source             string     `json:"source"`
	ContractID         string     `json:"contractId"`
	ProcessID          string     `json:"processId,omitempty"`
	URL                string     `json:"url,omitempty"`
	BuyerNIT           string     `json:"buyerNit,omitempty"`
	BuyerName          string     `json:"buyerName,omitempty"`
	Supplier           Party      `json:"supplier"`
	LegalRep           Party      `json:"legalRep"`
	Description        string     `json:"description,omitempty"`
	Object             string     `json:"object,omitempty"` // objeto del contrato when distinct
	UNSPSC             []string   `json:"unspsc,omitempty"`
	Modality           string     `json:"modality,omitempty"`
	ContractType       string     `json:"contractType,omitempty"`
	Status             string     `json:"status,omitempty"`
	Value              int64      `json:"value"` // whole pesos
	SignedAt           *time.Time `json:"signedAt,omitempty"`
	StartAt            *time.Time `json:"startAt,omitempty"`
	EndAt              *time.Time `json:"endAt,omitempty"`
	Year               int        `json:"year,omitempty"` // of signature (America/Bogota)
	DepartmentCode     string     `json:"departmentCode,omitempty"`
	MunicipalityCode   string     `json:"municipalityCode,omitempty"`
	FrameworkAgreement string     `json:"frameworkAgreement,omitempty"` // TVEC
	SoftwareScore      float64    `json:"softwareScore"`
	SoftwareReasons    []string   `json:"softwareReasons,omitempty"`
	RowHash            string     `json:"rowHash"`
	CreatedAt          time.Time  `json:"createdAt"`
	UpdatedAt          time.Time  `json:"updatedAt"`
	Rev                int64      `json:"rev"`
}

// noContractStatuses are the states, as the importers spell them, of a
// purchase record whose process never became a contract or an order: a
// draft, a cancelled or annulled process or order (SECOP's "Cancelado",
// TVEC's "Cancelada"), a tender declared void ("Desierto", SECOP I's
// "Declarado desierto") or discarded, and SECOP I's "Terminado anormalmente
// después de convocado". Their value is a budget nobody paid.
var noContractStatuses = []string{"Borrador", "Cancelado", "Cancelada", "Anulado", "Anulada", "Desierto",
	"Declarado desierto", "Descartado", "Terminado anormalmente después de convocado"}

// NoContractStatuses returns the states of NoContract.
func NoContractStatuses() []string { return slices.Clone(noContractStatuses) }

// NoContract reports whether a purchase's status says that nothing was
// contracted. Spending figures (PurchaseFilter.Contracted, "antes de
// comprar") leave such records out; lists still show them.
func NoContract(status string) bool { return slices.Contains(noContractStatuses, status) }

// Purchase link relations.
const (
	RelDevelopment    = "DEVELOPMENT"
	RelImplementation = "IMPLEMENTATION"
	RelMaintenance    = "MAINTENANCE"
	RelSupport        = "SUPPORT"
	RelLicensing      = "LICENSING"
	RelHosting        = "HOSTING"
	RelTraining       = "TRAINING"
	RelAlternative    = "ALTERNATIVE"
)

// Purchase link states.
const (
	LinkSuggested = "SUGGESTED"
	LinkConfirmed = "CONFIRMED"
	LinkRejected  = "REJECTED"
)

// PurchaseLink links a purchase to an asset, keyed by (PurchaseID, AssetID).
type PurchaseLink struct {
	ID         string     `json:"id"`
	PurchaseID string     `json:"purchaseId"`
	AssetID    string     `json:"assetId"`
	Relation   string     `json:"relation"`
	Score      float64    `json:"score"`
	Reasons    []string   `json:"reasons,omitempty"`
	State      string     `json:"state"`
	DecidedBy  string     `json:"decidedBy,omitempty"`
	DecidedAt  *time.Time `json:"decidedAt,omitempty"`
	CreatedAt  time.Time  `json:"createdAt"`
	UpdatedAt  time.Time  `json:"updatedAt"`
	Rev        int64      `json:"rev"`
}

// AffectedRange is an OSV SEMVER range: introduced ≤ v < fixed (or ≤ lastAffected).
type AffectedRange struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"lastAffected,omitempty"`
}

// Advisory is an OSV-shaped security advisory on one asset.
type Advisory struct {
	ID         string          `json:"id"` // OSV id, natural key
	AssetID    string          `json:"assetId"`
	Summary    string          `json:"summary"`
	Details    string          `json:"details,omitempty"`
	Severity   string          `json:"severity,omitempty"` // LOW, MODERATE, HIGH, CRITICAL
	Affected   []AffectedRange `json:"affected"`
	References []string        `json:"references,omitempty"`
	Published  time.Time       `json:"published"`
	Modified   time.Time       `json:"modified"`
	CreatedAt  time.Time       `json:"createdAt"`
	UpdatedAt  time.Time       `json:"updatedAt"`
	Rev        int64           `json:"rev"`
}

// Mirror statuses.
const (
	MirrorNew    = "NEW"
	MirrorOK     = "OK"
	MirrorFailed = "FAILED"
)

// Mirror error codes.
const (
	CodeURLSchemeNotAllowed = "MIRROR_URL_SCHEME_NOT_ALLOWED"
	CodeHostAmbiguous       = "MIRROR_HOST_AMBIGUOUS"
	CodeHostBlocked         = "MIRROR_HOST_BLOCKED"
	CodeTooLarge            = "MIRROR_TOO_LARGE"
	CodeTooManyRefs         = "MIRROR_TOO_MANY_REFS"
	CodeTimeout             = "MIRROR_TIMEOUT"
	CodeMetadataInvalid     = "METADATA_INVALID"
	CodeFetchFailed         = "MIRROR_FETCH_FAILED"
)

// Mirror is Acervo's copy of an asset's repository, keyed by URL.
type Mirror struct {
	ID            string     `json:"id"`
	AssetID       string     `json:"assetId"`
	URL           string     `json:"url"`
	Path          string     `json:"path"` // relative to the mirrors directory
	RefsHash      string     `json:"refsHash,omitempty"`
	Status        string     `json:"status"`
	ErrorCode     string     `json:"errorCode,omitempty"`
	ErrorMessage  string     `json:"errorMessage,omitempty"`
	Failures      int        `json:"failures"`
	LastSyncAt    *time.Time `json:"lastSyncAt,omitempty"`
	LastSuccessAt *time.Time `json:"lastSuccessAt,omitempty"`
	NextDueAt     time.Time  `json:"nextDueAt"`
	LeaseHolder   string     `json:"leaseHolder,omitempty"`
	LeaseUntil    *time.Time `json:"leaseUntil,omitempty"`
	CreatedAt     time.Time  `json:"createdAt"`
	UpdatedAt     time.Time  `json:"updatedAt"`
	Rev           int64      `json:"rev"`
}

// Role names.
type Role string

const (
	RoleAdmin       Role = "admin"
	RoleCIO         Role = "cio"
	RoleProcurement Role = "procurement"
	RoleEditor      Role = "editor"
)

// Grant gives a role, for one entity (empty for admin).
type Grant struct {
	Role      Role   `json:"role"`
	EntityNIT string `json:"entityNit,omitempty"`
}

// User is an account of an officer or administrator.
type User struct {
	ID           string    `json:"id"`
	Username     string    `json:"username"` // natural key, lower case
	DisplayName  string    `json:"displayName,omitempty"`
	Email        string    `json:"email,omitempty"`
	PasswordHash string    `json:"passwordHash,omitempty"`
	OIDCSubject  string    `json:"oidcSubject,omitempty"`
	Grants       []Grant   `json:"grants,omitempty"`
	Disabled     bool      `json:"disabled,omitempty"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
	Rev          int64     `json:"rev"`
}

// Token is an API token. Only its hash is stored.
type Token struct {
	ID         string     `json:"id"`
	UserID     string     `json:"userId"`
	Name       string     `json:"name"`
	Hash       string     `json:"hash"`      // hex SHA-256 of the token
	LastEight  string     `json:"lastEight"` // for display
	CreatedAt  time.Time  `json:"createdAt"`
	ExpiresAt  time.Time  `json:"expiresAt"`
	LastUsedAt *time.Time `json:"lastUsedAt,omitempty"`
	RevokedAt  *time.Time `json:"revokedAt,omitempty"`
	Rev        int64      `json:"rev"`
}

// AuditEvent records one write: who, what, on what, before and after.
type AuditEvent struct {
	ID         string          `json:"id"`
	At         time.Time       `json:"at"`
	Actor      string          `json:"actor"` // user id, "system", "anonymous"
	ActorName  string          `json:"actorName,omitempty"`
	TokenID    string          `json:"tokenId,omitempty"`
	Action     string          `json:"action"` // category.operation, e.g. asset.create
	TargetKind string          `json:"targetKind"`
	TargetID   string          `json:"targetId"`
	EntityNIT  string          `json:"entityNit,omitempty"`
	Before     json.RawMessage `json:"before,omitempty"`
	After      json.RawMessage `json:"after,omitempty"`
	RequestID  string          `json:"requestId,omitempty"`
}

// Change is one entry of the store-wide change sequence.
type Change struct {
	Seq     int64  `json:"seq"`
	Kind    string `json:"kind"` // asset, release, entity, adoption, purchase, link, advisory, mirror, user, token
	ID      string `json:"id"`
	Deleted bool   `json:"deleted,omitempty"`
}

// Kinds of records, used in changes, audit targets and global ids.
const (
	KindAsset    = "asset"
	KindRelease  = "release"
	KindEntity   = "entity"
	KindAdoption = "adoption"
	KindPurchase = "purchase"
	KindLink     = "link"
	KindAdvisory = "advisory"
	KindMirror   = "mirror"
	KindUser     = "user"
	KindToken    = "token"
)
