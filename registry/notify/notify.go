// Package notify delivers the notices of registry (a new release or an
// advisory that touches an entity's adoption) outside Acervo: by e-mail to
// the entity's CIOs when SMTP is configured (net/smtp), and by webhook to
// the endpoints the entity registered, signed with HMAC-SHA-256, retried
// with exponential backoff, each attempt written to the delivery log.
//
// A Notifier catches up with the store's change sequence (so notices are
// created whoever recorded the release or advisory), then sends what is
// pending. Everything it writes goes through registry.Service under the
// system actor "notify".
package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/smtp"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/acervo-co/acervo/registry"
)

// Headers of a webhook delivery.
const (
	HeaderSignature = "X-Acervo-Signature" // "sha256=" + hex HMAC-SHA-256 of timestamp + "." + body
	HeaderTimestamp = "X-Acervo-Timestamp" // Unix seconds
	HeaderEvent     = "X-Acervo-Event"     // notice kind: NEW_RELEASE, ADVISORY, ADOPTION_PROPOSED
	HeaderDelivery  = "X-Acervo-Delivery"  // delivery id (the same across retries)
)

// Config configures delivery. Every field has an environment twin read by
// ConfigFromEnv.
type Config struct {
	SMTPAddr     string // ACERVO_SMTP_ADDR host:port; empty: no e-mail
	SMTPFrom     string // ACERVO_SMTP_FROM
	SMTPUsername string // ACERVO_SMTP_USERNAME (PLAIN auth; TLS or loopback only)
	SMTPPassword string // ACERVO_SMTP_PASSWORD
	BaseURL      string // ACERVO_BASE_URL, for links in messages

	// HTTPClient posts webhooks. Production passes a client that obeys the
	// egress policy (entities' endpoints are outside URLs).
	HTTPClient  *http.Client
	MaxAttempts int           // ACERVO_WEBHOOK_MAX_ATTEMPTS, default 8
	BaseBackoff time.Duration // ACERVO_WEBHOOK_BACKOFF, default 1m: attempt n waits base·4^(n-1), at most 12 h
	Now         func() time.Time
	Log         *slog.Logger
}

// ConfigFromEnv reads the ACERVO_* environment.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		SMTPAddr: getenv("ACERVO_SMTP_ADDR"), SMTPFrom: getenv("ACERVO_SMTP_FROM"),
		SMTPUsername: getenv("ACERVO_SMTP_USERNAME"), SMTPPassword: getenv("ACERVO_SMTP_PASSWORD"),
		BaseURL: strings.TrimRight(getenv("ACERVO_BASE_URL"), "/"),
	}
	if c.SMTPAddr != "" {
		if _, _, err := net.SplitHostPort(c.SMTPAddr); err != nil {
			return c, fmt.Errorf("ACERVO_SMTP_ADDR=%q: give host:port", c.SMTPAddr)
		}
		if c.SMTPFrom == "" {
			return c, errors.New("ACERVO_SMTP_FROM is required with ACERVO_SMTP_ADDR")
		}
	}
	if v := getenv("ACERVO_WEBHOOK_MAX_ATTEMPTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 50 {
			return c, fmt.Errorf("ACERVO_WEBHOOK_MAX_ATTEMPTS=%q: give 1 to 50", v)
		}
		c.MaxAttempts = n
	}
	if v := getenv("ACERVO_WEBHOOK_BACKOFF"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("ACERVO_WEBHOOK_BACKOFF=%q: give a duration such as 1m", v)
		}
		c.BaseBackoff = d
	}
	return c, nil
}

// Checkpoint keeps the change sequence number the notifier caught up to.
type Checkpoint interface {
	Load() (int64, error)
	Save(seq int64) error
}

// FileCheckpoint keeps it in a file (<data>/notify.seq).
type FileCheckpoint struct{ Path string }

// Load reads the checkpoint; a missing file is 0.
func (f FileCheckpoint) Load() (int64, error) {
	b, err := os.ReadFile(f.Path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
}

// Save writes the checkpoint (write then rename).
func (f FileCheckpoint) Save(seq int64) error {
	if err := os.MkdirAll(filepath.Dir(f.Path), 0o750); err != nil {
		return err
	}
	tmp := f.Path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.FormatInt(seq, 10)+"\n"), 0o640); err != nil {
		return err
	}
	return os.Rename(tmp, f.Path)
}

type memCheckpoint struct{ seq int64 }

func (m *memCheckpoint) Load() (int64, error) { return m.seq, nil }
func (m *memCheckpoint) Save(s int64) error   { m.seq = s; return nil }

// Notifier creates notices from the change sequence and delivers them.
type Notifier struct {
	svc *registry.Service
	cfg Config
	cp  Checkpoint
}

// New returns a notifier; cp may be nil (in memory).
func New(svc *registry.Service, cfg Config, cp Checkpoint) *Notifier {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.BaseBackoff <= 0 {
		cfg.BaseBackoff = time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cp == nil {
		cp = &memCheckpoint{}
	}
	return &Notifier{svc: svc, cfg: cfg, cp: cp}
}

// Stats count what one pass did.
type Stats struct {
	Notices   int   `json:"notices"`   // created
	Emails    int   `json:"emails"`    // notices e-mailed
	Delivered int   `json:"delivered"` // webhook deliveries that succeeded
	Failed    int   `json:"failed"`    // attempts that failed (will retry)
	Abandoned int   `json:"abandoned"` // deliveries given up after MaxAttempts
	Seq       int64 `json:"seq"`
}

// Backoff is the wait after the n-th failed attempt.
func (n *Notifier) Backoff(attempt int) time.Duration {
	d := n.cfg.BaseBackoff
	for i := 1; i < attempt; i++ {
		d *= 4
		if d >= 12*time.Hour {
			return 12 * time.Hour
		}
	}
	return d
}

// RunOnce catches up with the change sequence (creating notices), e-mails
// pending notices and attempts the due webhook deliveries.
func (n *Notifier) RunOnce(ctx context.Context) (Stats, error) {
	ctx = registry.WithActor(ctx, registry.SystemActor("notify"))
	var st Stats
	seq, err := n.cp.Load()
	if err != nil {
		return st, err
	}
	for {
		next, ns, err := n.svc.CatchUpNotices(ctx, seq, 1000)
		st.Notices += len(ns)
		if next != seq {
			if serr := n.cp.Save(next); serr != nil {
				return st, serr
			}
		}
		if err != nil {
			return st, err
		}
		if next == seq {
			break
		}
		seq = next
	}
	st.Seq = seq
	if n.cfg.SMTPAddr != "" {
		sent, err := n.sendEmails(ctx)
		st.Emails += sent
		if err != nil {
			return st, err
		}
	}
	if err := n.deliverWebhooks(ctx, &st); err != nil {
		return st, err
	}
	return st, nil
}

// Run calls RunOnce every interval until ctx ends, logging failures.
func (n *Notifier) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if st, err := n.RunOnce(ctx); err != nil && ctx.Err() == nil {
			n.cfg.Log.Warn("notify: pass failed", "err", err)
		} else if st.Notices+st.Emails+st.Delivered+st.Failed > 0 {
			n.cfg.Log.Info("notify: pass", "notices", st.Notices, "emails", st.Emails, "delivered", st.Delivered, "failed", st.Failed, "abandoned", st.Abandoned)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (n *Notifier) sendEmails(ctx context.Context) (int, error) {
	sent := 0
	for round := 0; round < 100; round++ {
		ns, err := n.svc.NoticesToEmail(ctx, 50)
		if err != nil || len(ns) == 0 {
			return sent, err
		}
		for _, no := range ns {
			to, err := n.svc.EntityCIOEmails(ctx, no.EntityNIT)
			if err != nil {
				return sent, err
			}
			if len(to) > 0 {
				if err := n.sendEmail(no, to); err != nil {
					// The SMTP server is down or refused: try again next pass.
					n.cfg.Log.Warn("notify: e-mail failed", "notice", no.ID, "err", err)
					return sent, nil
				}
				sent++
			}
			if err := n.svc.MarkNoticeEmailed(ctx, no.ID); err != nil {
				return sent, err
			}
		}
	}
	return sent, nil
}

// message builds the RFC 5322 message of a notice.
func (n *Notifier) message(no registry.Notice, to []string) []byte {
	var b bytes.Buffer
	now := n.cfg.Now()
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	host := "acervo.local"
	if i := strings.LastIndexByte(n.cfg.SMTPFrom, '@'); i >= 0 {
		host = strings.Trim(n.cfg.SMTPFrom[i+1:], ">")
	}
	fmt.Fprintf(&b, "From: %s\r\n", n.cfg.SMTPFrom)
	fmt.Fprintf(&b, "To: %s\r\n", strings.Join(to, ", "))
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", "[Acervo] "+no.Title))
	fmt.Fprintf(&b, "Date: %s\r\n", now.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s@%s>\r\n", hex.EncodeToString(id), host)
	fmt.Fprintf(&b, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n")
	fmt.Fprintf(&b, "X-Acervo-Notice: %s\r\n\r\n", no.ID)
	qp := quotedprintable.NewWriter(&b)
	body := no.Body
	if n.cfg.BaseURL != "" {
		body += "\n\nBandeja de avisos / Inbox: " + n.cfg.BaseURL + "/avisos"
	}
	body += "\n\n— Acervo, registro de software público del Estado colombiano.\n"
	_, _ = qp.Write([]byte(strings.ReplaceAll(body, "\n", "\r\n")))
	_ = qp.Close()
	return b.Bytes()
}

func (n *Notifier) sendEmail(no registry.Notice, to []string) error {
	var auth smtp.Auth
	if n.cfg.SMTPUsername != "" {
		host, _, _ := net.SplitHostPort(n.cfg.SMTPAddr)
		auth = smtp.PlainAuth("", n.cfg.SMTPUsername, n.cfg.SMTPPassword, host)
	}
	from := n.cfg.SMTPFrom
	if i, j := strings.IndexByte(from, '<'), strings.IndexByte(from, '>'); i >= 0 && j > i {
		from = from[i+1 : j]
	}
	return smtp.SendMail(n.cfg.SMTPAddr, auth, from, to, n.message(no, to))
}

// Payload is the JSON body of a webhook delivery.
type Payload struct {
	Event      string    `json:"event"`
	DeliveryID string    `json:"deliveryId"`
	Notice     Notice    `json:"notice"`
	SentAt     time.Time `json:"sentAt"`
}

// Notice is the notice as a webhook receives it.
type Notice struct {
	ID         string    `json:"id"`
	EntityNIT  string    `json:"entityNit"`
	Kind       string    `json:"kind"`
	Ref        string    `json:"ref"`
	AssetID    string    `json:"assetId,omitempty"`
	AdoptionID string    `json:"adoptionId,omitempty"`
	Title      string    `json:"title"`
	Body       string    `json:"body"`
	CreatedAt  time.Time `json:"createdAt"`
	URL        string    `json:"url,omitempty"`
}

// Sign returns the signature header value of body sent at timestamp.
func Sign(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%d.", timestamp)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a delivery's signature in constant time, refusing
// timestamps more than tolerance away from now (replays). Receivers can
// copy it.
func Verify(secret, signature, timestamp string, body []byte, now time.Time, tolerance time.Duration) bool {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return false
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return false
	}
	return hmac.Equal([]byte(Sign(secret, ts, body)), []byte(signature))
}

func (n *Notifier) deliverWebhooks(ctx context.Context, st *Stats) error {
	for round := 0; round < 100; round++ {
		due, err := n.svc.DueWebhookDeliveries(ctx, n.cfg.Now(), 50)
		if err != nil || len(due) == 0 {
			return err
		}
		for i := range due {
			if err := n.attempt(ctx, &due[i], st); err != nil {
				return err
			}
		}
	}
	return nil
}

// attempt posts one delivery and records the outcome.
func (n *Notifier) attempt(ctx context.Context, d *registry.WebhookDelivery, st *Stats) error {
	now := n.cfg.Now()
	d.Attempts++
	w, werr := n.svc.WebhookWithSecret(ctx, d.WebhookID)
	no, nerr := n.svc.Notice(ctx, d.NoticeID)
	switch {
	case errors.Is(werr, registry.ErrNotFound) || errors.Is(nerr, registry.ErrNotFound) || werr == nil && !w.Active:
		d.NextTryAt, d.LastError = nil, "webhook or notice no longer exists or is inactive"
		st.Abandoned++
		return n.svc.RecordWebhookAttempt(ctx, d)
	case werr != nil:
		return werr
	case nerr != nil:
		return nerr
	}
	p := Payload{Event: no.Kind, DeliveryID: d.ID, SentAt: now.UTC(), Notice: Notice{ID: no.ID, EntityNIT: no.EntityNIT, Kind: no.Kind,
		Ref: no.Ref, AssetID: no.AssetID, AdoptionID: no.AdoptionID, Title: no.Title, Body: no.Body, CreatedAt: no.CreatedAt}}
	if n.cfg.BaseURL != "" {
		p.Notice.URL = n.cfg.BaseURL + "/avisos"
	}
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	status, postErr := n.post(ctx, w, d.ID, no.Kind, now, body)
	d.LastStatus = status
	if postErr == nil && status >= 200 && status < 300 {
		d.LastError, d.NextTryAt, d.DeliveredAt = "", nil, &now
		st.Delivered++
		return n.svc.RecordWebhookAttempt(ctx, d)
	}
	if postErr != nil {
		d.LastError = postErr.Error()
	} else {
		d.LastError = fmt.Sprintf("HTTP %d", status)
	}
	if d.Attempts >= n.cfg.MaxAttempts {
		d.NextTryAt = nil
		st.Abandoned++
	} else {
		next := now.Add(n.Backoff(d.Attempts))
		d.NextTryAt = &next
		st.Failed++
	}
	return n.svc.RecordWebhookAttempt(ctx, d)
}

func (n *Notifier) post(ctx context.Context, w registry.Webhook, deliveryID, event string, now time.Time, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	ts := now.Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Acervo-Webhook/1")
	req.Header.Set(HeaderEvent, event)
	req.Header.Set(HeaderDelivery, deliveryID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(w.Secret, ts, body))
	resp, err := n.cfg.HTTPClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}
