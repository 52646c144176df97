package notify_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/notify"
	"github.com/acervo-co/acervo/registry/sqlite"
)

// smtpSink is a tiny SMTP server on 127.0.0.1:0 that keeps every message.
type smtpSink struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []sunkMail
}

type sunkMail struct {
	from string
	to   []string
	data string
}

func newSMTPSink(t *testing.T) *smtpSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpSink{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpSink) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(line string) { io.WriteString(c, line+"\r\n") }
	say("220 sink.test ESMTP")
	var m sunkMail
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250-sink.test")
			say("250 8BITMIME")
		case strings.HasPrefix(cmd, "MAIL FROM:"):
			m = sunkMail{from: addrOf(line[10:])}
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			m.to = append(m.to, addrOf(line[8:]))
			say("250 ok")
		case cmd == "DATA":
			say("354 go ahead")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			m.data = b.String()
			s.mu.Lock()
			s.msgs = append(s.msgs, m)
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

// addrOf reads "<a@b> BODY=8BITMIME" as a@b.
func addrOf(s string) string {
	s = strings.TrimSpace(s)
	if i, j := strings.IndexByte(s, '<'), strings.IndexByte(s, '>'); i >= 0 && j > i {
		return s[i+1 : j]
	}
	return s
}

func (s *smtpSink) messages() []sunkMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sunkMail(nil), s.msgs...)
}

// receiver is a webhook endpoint that fails its first failures requests.
type receiver struct {
	mu       sync.Mutex
	failures int
	secret   string
	now      func() time.Time
	got      []notify.Payload
	bad      []string
	attempts int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.attempts++
	if !notify.Verify(rc.secret, r.Header.Get(notify.HeaderSignature), r.Header.Get(notify.HeaderTimestamp), body, rc.now(), 5*time.Minute) {
		rc.bad = append(rc.bad, r.Header.Get(notify.HeaderSignature))
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if rc.failures > 0 {
		rc.failures--
		http.Error(w, "try later", http.StatusServiceUnavailable)
		return
	}
	var p notify.Payload
	if err := json.Unmarshal(body, &p); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rc.got = append(rc.got, p)
	w.WriteHeader(http.StatusNoContent)
}

const (
	nitCartagena = "890480184"
	nitPasto     = "891280000"
)

type env struct {
	svc   *registry.Service
	sys   context.Context
	cio   context.Context
	now   *time.Time
	asset registry.Asset
	rels  map[string]registry.Release
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st, err := sqlite.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 4, 1, 15, 0, 0, 0, time.UTC)
	e := &env{now: &now, rels: map[string]registry.Release{}}
	e.svc = registry.NewService(st, registry.WithClock(func() time.Time { return *e.now }))
	e.sys = registry.WithActor(t.Context(), registry.SystemActor("test"))
	for _, ent := range []registry.Entity{{NIT: nitCartagena, Name: "ALCALDÍA DE CARTAGENA"}, {NIT: nitPasto, Name: "ALCALDÍA DE PASTO"}} {
		if _, err := e.svc.UpsertEntity(e.sys, &ent); err != nil {
			t.Fatal(err)
		}
	}
	e.cio = registry.WithActor(t.Context(), registry.Actor{UserID: "u-cio", Username: "cio", Grants: []registry.Grant{{Role: registry.RoleCIO, EntityNIT: nitCartagena}}})
	// The CIO's account, with the address notices go to.
	for _, u := range []registry.User{
		{ID: "u-cio", Username: "cio", Email: "cio@cartagena.gov.co", Grants: []registry.Grant{{Role: registry.RoleCIO, EntityNIT: nitCartagena}}, CreatedAt: now, UpdatedAt: now},
		{ID: "u-other", Username: "otro", Email: "cio@pasto.gov.co", Grants: []registry.Grant{{Role: registry.RoleCIO, EntityNIT: nitPasto}}, CreatedAt: now, UpdatedAt: now},
		{ID: "u-proc", Username: "compras", Email: "compras@cartagena.gov.co", Grants: []registry.Grant{{Role: registry.RoleProcurement, EntityNIT: nitCartagena}}, CreatedAt: now, UpdatedAt: now},
	} {
		if err := st.Users().Create(t.Context(), &u, nil); err != nil {
			t.Fatal(err)
		}
	}
	e.asset = registry.Asset{Kind: registry.AssetPublic, Name: "Orfeo", RepositoryURL: "https://git.example.gov.co/correlibre/orfeo", PublisherNIT: nitPasto}
	if err := e.svc.CreateAsset(e.sys, &e.asset); err != nil {
		t.Fatal(err)
	}
	e.release(t, "v1.0.0")
	ad := &registry.Adoption{EntityNIT: nitCartagena, AssetID: e.asset.ID, ReleaseTag: "v1.0.0", Status: registry.AdoptionProduction}
	if err := e.svc.RecordAdoption(e.cio, ad); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) release(t *testing.T, tag string) registry.Release {
	t.Helper()
	v, _ := registry.ParseSemver(tag)
	r := registry.Release{AssetID: e.asset.ID, Tag: tag, IsRelease: true, Version: v.String(), Commit: strings.Repeat("a", 40), Date: *e.now, Prerelease: v.Pre != ""}
	if _, err := e.svc.RecordRelease(e.sys, &r); err != nil {
		t.Fatal(err)
	}
	e.rels[tag] = r
	return r
}

// TestNoticesEmailAndWebhook: a new release notifies the adopting entity
// once, in its inbox, by e-mail to its CIO and by a signed webhook that is
// retried with backoff until the receiver accepts it.
func TestNoticesEmailAndWebhook(t *testing.T) {
	e := newEnv(t)
	sink := newSMTPSink(t)
	rc := &receiver{failures: 2, now: func() time.Time { return *e.now }}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	hook, err := e.svc.CreateEntityWebhook(e.cio, nitCartagena, srv.URL+"/acervo")
	if err != nil {
		t.Fatal(err)
	}
	rc.secret = hook.Secret
	n := notify.New(e.svc, notify.Config{SMTPAddr: sink.ln.Addr().String(), SMTPFrom: "Acervo <avisos@acervo.gov.co>",
		BaseURL: "https://acervo.example", Now: func() time.Time { return *e.now }, BaseBackoff: time.Minute}, nil)

	// Nothing new yet beyond the adoption's own release.
	st, err := n.RunOnce(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Notices != 0 {
		t.Fatalf("first pass created %d notices; the adopted release is the latest", st.Notices)
	}

	e.release(t, "v1.1.0-rc.1") // prereleases notify nobody
	rel := e.release(t, "v1.1.0")
	st, err = n.RunOnce(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.Notices != 1 || st.Emails != 1 || st.Failed != 1 || st.Delivered != 0 {
		t.Fatalf("pass after v1.1.0: %+v, want 1 notice, 1 e-mail, 1 failed delivery", st)
	}
	inbox, err := e.svc.EntityNotices(e.cio, nitCartagena, registry.Page{First: 10})
	if err != nil || len(inbox.Items) != 1 {
		t.Fatalf("inbox: %+v, %v", inbox.Items, err)
	}
	no := inbox.Items[0]
	if no.Kind != registry.NoticeNewRelease || no.Ref != rel.ID || !strings.Contains(no.Title, "v1.1.0") || no.EmailedAt == nil {
		t.Errorf("notice %+v", no)
	}
	if _, err := e.svc.EntityNotices(registry.WithActor(t.Context(), registry.Actor{UserID: "x", Grants: []registry.Grant{{Role: registry.RoleCIO, EntityNIT: nitPasto}}}), nitCartagena, registry.Page{First: 10}); !errors.Is(err, registry.ErrForbidden) {
		t.Errorf("another entity's CIO read the inbox: %v", err)
	}

	// The e-mail went to the CIO only, with a readable Spanish subject.
	msgs := sink.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d e-mails, want 1", len(msgs))
	}
	if msgs[0].from != "avisos@acervo.gov.co" || len(msgs[0].to) != 1 || msgs[0].to[0] != "cio@cartagena.gov.co" {
		t.Errorf("envelope from %q to %v", msgs[0].from, msgs[0].to)
	}
	m, err := mail.ReadMessage(strings.NewReader(msgs[0].data))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil || !strings.Contains(subject, "Nueva versión v1.1.0 de Orfeo") {
		t.Errorf("subject %q (%v)", subject, err)
	}
	body, _ := io.ReadAll(m.Body)
	if !strings.Contains(string(body), "https://acervo.example/avisos") {
		t.Errorf("body has no link to the inbox:\n%s", body)
	}

	// Retries: not before the backoff, then again with a longer wait.
	if st, _ = n.RunOnce(t.Context()); st.Failed+st.Delivered != 0 {
		t.Errorf("retried before the backoff: %+v", st)
	}
	*e.now = e.now.Add(time.Minute)
	if st, _ = n.RunOnce(t.Context()); st.Failed != 1 {
		t.Errorf("second attempt: %+v, want 1 failure", st)
	}
	logs, err := e.svc.WebhookDeliveries(e.cio, hook.ID, registry.Page{First: 10})
	if err != nil || len(logs.Items) != 1 {
		t.Fatalf("delivery log: %+v, %v", logs.Items, err)
	}
	d := logs.Items[0]
	if d.Attempts != 2 || d.LastStatus != http.StatusServiceUnavailable || d.NextTryAt == nil || !d.NextTryAt.Equal(e.now.Add(4*time.Minute)) {
		t.Errorf("after two failures: %+v (next try want now+4m)", d)
	}
	*e.now = e.now.Add(4 * time.Minute)
	if st, _ = n.RunOnce(t.Context()); st.Delivered != 1 {
		t.Errorf("third attempt: %+v, want delivered", st)
	}
	logs, _ = e.svc.WebhookDeliveries(e.cio, hook.ID, registry.Page{First: 10})
	if d := logs.Items[0]; d.DeliveredAt == nil || d.NextTryAt != nil || d.Attempts != 3 || d.LastStatus != http.StatusNoContent {
		t.Errorf("delivered: %+v", d)
	}
	if len(rc.bad) != 0 {
		t.Errorf("bad signatures: %v", rc.bad)
	}
	if len(rc.got) != 1 || rc.got[0].Notice.ID != no.ID || rc.got[0].Event != registry.NoticeNewRelease {
		t.Errorf("received %+v", rc.got)
	}
	// Only the entity's CIO sees the delivery log.
	if _, err := e.svc.WebhookDeliveries(registry.WithActor(t.Context(), registry.Actor{UserID: "u-proc", Grants: []registry.Grant{{Role: registry.RoleProcurement, EntityNIT: nitCartagena}}}), hook.ID, registry.Page{First: 10}); !errors.Is(err, registry.ErrForbidden) {
		t.Errorf("a procurement officer read the delivery log: %v", err)
	}

	// Re-running changes nothing: no second notice, e-mail or delivery.
	*e.now = e.now.Add(time.Hour)
	st, err = n.RunOnce(t.Context())
	if err != nil || st.Notices+st.Emails+st.Delivered+st.Failed != 0 {
		t.Errorf("idle pass: %+v, %v", st, err)
	}
	if ns, err := e.svc.NotifyRelease(e.sys, rel.ID); err != nil || len(ns) != 0 {
		t.Errorf("notifying the same release again: %d notices, %v", len(ns), err)
	}
	if len(sink.messages()) != 1 {
		t.Errorf("%d e-mails after the idle pass", len(sink.messages()))
	}
}

// TestAdvisoryNotices imports an OSV advisory and notifies the entity that
// runs an affected version, not the one on the fixed release.
func TestAdvisoryNotices(t *testing.T) {
	e := newEnv(t)
	e.release(t, "v1.2.0")
	pasto := registry.WithActor(t.Context(), registry.Actor{UserID: "u-other", Grants: []registry.Grant{{Role: registry.RoleCIO, EntityNIT: nitPasto}}})
	if err := e.svc.RecordAdoption(pasto, &registry.Adoption{EntityNIT: nitPasto, AssetID: e.asset.ID, ReleaseTag: "v1.2.0", Status: registry.AdoptionProduction}); err != nil {
		t.Fatal(err)
	}
	n := notify.New(e.svc, notify.Config{Now: func() time.Time { return *e.now }}, nil)
	if _, err := n.RunOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	osv := `[{"id": "GHSA-orfe-0001-xxxx", "summary": "Inyección SQL en la radicación",
	  "published": "2026-03-30T00:00:00Z", "modified": "2026-03-31T00:00:00Z",
	  "database_specific": {"severity": "HIGH"},
	  "affected": [{"package": {"ecosystem": "GIT", "name": "orfeo"},
	    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.2.0"}]}]}],
	  "references": [{"type": "ADVISORY", "url": "https://example.org/GHSA-orfe-0001-xxxx"}]}]`
	admin := registry.WithActor(t.Context(), registry.Actor{UserID: "admin", Grants: []registry.Grant{{Role: registry.RoleAdmin}}})
	res, err := e.svc.ImportOSV(admin, "orfeo.json", strings.NewReader(osv))
	if err != nil || res.New != 1 || len(res.Problems) != 0 {
		t.Fatalf("OSV import: %+v, %v", res, err)
	}
	st, err := n.RunOnce(t.Context())
	if err != nil || st.Notices != 1 {
		t.Fatalf("pass after the advisory: %+v, %v; want 1 notice (Cartagena on v1.0.0)", st, err)
	}
	l, _ := e.svc.EntityNotices(e.cio, nitCartagena, registry.Page{First: 10})
	var adv []registry.Notice
	for _, no := range l.Items {
		if no.Kind == registry.NoticeAdvisory {
			adv = append(adv, no)
		}
	}
	if len(adv) != 1 || adv[0].Ref != "GHSA-orfe-0001-xxxx" || !strings.Contains(adv[0].Body, "1.2.0") || !strings.Contains(adv[0].Title, "HIGH") {
		t.Errorf("Cartagena's advisory notices: %+v", adv)
	}
	lp, _ := e.svc.EntityNotices(pasto, nitPasto, registry.Page{First: 10})
	for _, no := range lp.Items {
		if no.Kind == registry.NoticeAdvisory {
			t.Errorf("Pasto runs the fixed v1.2.0 yet got %+v", no)
		}
	}
}

// TestAbandonAndInactiveWebhooks: a delivery is abandoned after
// MaxAttempts; a deleted webhook's deliveries stop.
func TestAbandonAndInactiveWebhooks(t *testing.T) {
	e := newEnv(t)
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", 500) }))
	defer down.Close()
	hook, err := e.svc.CreateEntityWebhook(e.cio, nitCartagena, down.URL)
	if err != nil {
		t.Fatal(err)
	}
	n := notify.New(e.svc, notify.Config{Now: func() time.Time { return *e.now }, MaxAttempts: 2, BaseBackoff: time.Second}, nil)
	e.release(t, "v2.0.0")
	st, _ := n.RunOnce(t.Context())
	*e.now = e.now.Add(time.Second)
	st2, _ := n.RunOnce(t.Context())
	if st.Failed != 1 || st2.Abandoned != 1 {
		t.Fatalf("passes %+v then %+v: want a failure then an abandonment", st, st2)
	}
	logs, _ := e.svc.WebhookDeliveries(e.cio, hook.ID, registry.Page{First: 5})
	if d := logs.Items[0]; d.NextTryAt != nil || d.DeliveredAt != nil || d.Attempts != 2 || d.LastError != "HTTP 500" {
		t.Errorf("abandoned delivery: %+v", d)
	}

	// A second notice for a webhook deleted before its delivery.
	e.release(t, "v3.0.0")
	if _, _, err := e.svc.CatchUpNotices(e.sys, 0, 1000); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.DeleteEntityWebhook(e.cio, hook.ID); err != nil {
		t.Fatal(err)
	}
	st, err = n.RunOnce(t.Context())
	if err != nil || st.Abandoned != 1 {
		t.Errorf("delivery to a deleted webhook: %+v, %v", st, err)
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		name string
		env  map[string]string
		ok   bool
	}{
		{"empty", map[string]string{}, true},
		{"smtp", map[string]string{"ACERVO_SMTP_ADDR": "127.0.0.1:25", "ACERVO_SMTP_FROM": "a@b.co"}, true},
		{"smtp without port", map[string]string{"ACERVO_SMTP_ADDR": "mail", "ACERVO_SMTP_FROM": "a@b.co"}, false},
		{"smtp without from", map[string]string{"ACERVO_SMTP_ADDR": "127.0.0.1:25"}, false},
		{"bad attempts", map[string]string{"ACERVO_WEBHOOK_MAX_ATTEMPTS": "0"}, false},
		{"bad backoff", map[string]string{"ACERVO_WEBHOOK_BACKOFF": "soon"}, false},
	} {
		if _, err := notify.ConfigFromEnv(env(tc.env)); (err == nil) != tc.ok {
			t.Errorf("%s: err %v", tc.name, err)
		}
	}
}

func TestSignVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"event":"ADVISORY"}`)
	sig := notify.Sign("whsec_x", now.Unix(), body)
	ts := "1800000000"
	if !notify.Verify("whsec_x", sig, ts, body, now, time.Minute) {
		t.Error("a good signature was refused")
	}
	for name, ok := range map[string]bool{
		"other secret": notify.Verify("whsec_y", sig, ts, body, now, time.Minute),
		"other body":   notify.Verify("whsec_x", sig, ts, []byte(`{}`), now, time.Minute),
		"replayed":     notify.Verify("whsec_x", sig, ts, body, now.Add(time.Hour), time.Minute),
		"bad ts":       notify.Verify("whsec_x", sig, "x", body, now, time.Minute),
	} {
		if ok {
			t.Errorf("%s: accepted", name)
		}
	}
}
