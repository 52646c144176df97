package registry

import (
	"context"
	"time"
)

// Notice kinds.
const (
	NoticeNewRelease = "NEW_RELEASE"
	NoticeAdvisory   = "ADVISORY"
	NoticeAdoption   = "ADOPTION_PROPOSED" // a derived adoption waits for verification
)

// Notice tells an entity's officers about something that touches one of its
// adoptions (a new release, an advisory). Keyed by (EntityNIT, Kind, Ref):
// the same event never makes two notices.
type Notice struct {
	ID         string     `json:"id"`
	EntityNIT  string     `json:"entityNit"`
	Kind       string     `json:"kind"`
	Ref        string     `json:"ref"` // release id, advisory id
	AssetID    string     `json:"assetId,omitempty"`
	AdoptionID string     `json:"adoptionId,omitempty"`
	Title      string     `json:"title"`
	Body       string     `json:"body,omitempty"`
	CreatedAt  time.Time  `json:"createdAt"`
	ReadAt     *time.Time `json:"readAt,omitempty"`
	EmailedAt  *time.Time `json:"emailedAt,omitempty"`
	Rev        int64      `json:"rev"`
}

// NoticeFilter selects notices, newest first.
type NoticeFilter struct {
	EntityNIT  string
	Unread     bool
	NotEmailed bool
	Page       Page
}

// NoticeStore keeps notices.
type NoticeStore interface {
	// Create stores a notice; a second notice with the same (EntityNIT,
	// Kind, Ref) is not stored and created is false.
	Create(ctx context.Context, n *Notice) (created bool, err error)
	Get(ctx context.Context, id string) (Notice, error)
	Update(ctx context.Context, n *Notice) error
	List(ctx context.Context, f NoticeFilter) (List[Notice], error)
}

// Webhook is an entity's endpoint for notices, signed with HMAC-SHA-256.
type Webhook struct {
	ID        string    `json:"id"`
	EntityNIT string    `json:"entityNit"`
	URL       string    `json:"url"`
	Secret    string    `json:"secret"` // shown once to the officer; used to sign
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	Rev       int64     `json:"rev"`
}

// WebhookDelivery is one attempt (or series of attempts) to deliver a notice.
type WebhookDelivery struct {
	ID          string     `json:"id"`
	WebhookID   string     `json:"webhookId"`
	NoticeID    string     `json:"noticeId"`
	Attempts    int        `json:"attempts"`
	LastStatus  int        `json:"lastStatus"` // HTTP status, 0 when it did not connect
	LastError   string     `json:"lastError,omitempty"`
	NextTryAt   *time.Time `json:"nextTryAt,omitempty"` // nil when done or abandoned
	DeliveredAt *time.Time `json:"deliveredAt,omitempty"`
	CreatedAt   time.Time  `json:"createdAt"`
	UpdatedAt   time.Time  `json:"updatedAt"`
	Rev         int64      `json:"rev"`
}

// WebhookStore keeps webhooks and their delivery log.
type WebhookStore interface {
	Create(ctx context.Context, w *Webhook, ev *AuditEvent) error
	Get(ctx context.Context, id string) (Webhook, error)
	Update(ctx context.Context, w *Webhook, ev *AuditEvent) error
	Delete(ctx context.Context, id string, rev int64, ev *AuditEvent) error
	ListByEntity(ctx context.Context, entityNIT string) ([]Webhook, error)
	// UpsertDelivery creates (Rev 0) or updates (Rev must match) a delivery;
	// (WebhookID, NoticeID) is unique.
	UpsertDelivery(ctx context.Context, d *WebhookDelivery) error
	// DueDeliveries lists deliveries whose NextTryAt is at or before now.
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]WebhookDelivery, error)
	ListDeliveries(ctx context.Context, webhookID string, p Page) (List[WebhookDelivery], error) // newest first
}

// Session is a signed-in browser session of the web UI. Its ID is stored
// hashed (SHA-256 of the cookie value).
type Session struct {
	ID         string    `json:"id"` // hex SHA-256 of the cookie value
	UserID     string    `json:"userId"`
	CSRF       string    `json:"csrf,omitempty"`
	CreatedAt  time.Time `json:"createdAt"`
	LastSeenAt time.Time `json:"lastSeenAt"`
	ExpiresAt  time.Time `json:"expiresAt"` // absolute expiry
}

// SessionStore keeps web sessions (shared by every acervo process).
type SessionStore interface {
	Create(ctx context.Context, s *Session) error
	Get(ctx context.Context, id string) (Session, error)
	Touch(ctx context.Context, id string, at time.Time) error
	Delete(ctx context.Context, id string) error
	DeleteExpired(ctx context.Context, before time.Time) (int64, error)
}
