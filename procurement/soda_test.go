package procurement

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/acervo-co/acervo/registry"
)

// sodaFixture returns the first n rows of the real SECOP II sample as SODA
// JSON objects (all values strings, nulls omitted, urlproceso absent).
func sodaFixture(t *testing.T, n int) []map[string]string {
	t.Helper()
	f, err := os.Open("testdata/real/secop2_contratos_ti.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]string
	for len(rows) < n {
		rec, err := r.Read()
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for i, h := range head {
			if rec[i] != "" {
				m[h] = rec[i]
			}
		}
		rows = append(rows, m)
	}
	return rows
}

// sodaServer replays rows like datos.gov.co: $limit/$offset paging in
// $order; fail(offset, attempt) may make a request fail ("500", "cut").
type sodaServer struct {
	t       *testing.T
	rows    []map[string]string
	token   string
	mu      sync.Mutex
	seen    map[int64]int // requests per $offset
	offsets []int64
	fail    func(offset int64, attempt int) string
}

func (s *sodaServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/resource/jbjy-vk9h.json" {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	off, _ := strconv.ParseInt(q.Get("$offset"), 10, 64)
	s.mu.Lock()
	s.offsets = append(s.offsets, off)
	s.mu.Unlock()
	if s.token != "" && r.Header.Get("X-App-Token") != s.token {
		http.Error(w, `{"message":"bad token"}`, http.StatusForbidden)
		return
	}
	if q.Get("$order") != ":id" {
		http.Error(w, "unstable order", http.StatusBadRequest)
		return
	}
	limit, _ := strconv.ParseInt(q.Get("$limit"), 10, 64)
	s.mu.Lock()
	s.seen[off]++
	attempt := s.seen[off]
	s.mu.Unlock()
	switch s.fail(off, attempt) {
	case "500":
		http.Error(w, "upstream error", http.StatusInternalServerError)
		return
	case "cut":
		body, _ := json.Marshal(s.page(off, limit))
		hj, ok := w.(http.Hijacker)
		if !ok {
			s.t.Error("no hijacker")
			return
		}
		conn, buf, _ := hj.Hijack()
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body))
		buf.Write(body[:len(body)/2])
		buf.Flush()
		conn.Close()
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(s.page(off, limit))
}

func (s *sodaServer) page(off, limit int64) []map[string]string {
	end := min(off+limit, int64(len(s.rows)))
	if off >= end {
		return []map[string]string{}
	}
	return s.rows[off:end]
}

func newSODAServer(t *testing.T, rows []map[string]string, fail func(int64, int) string) (*sodaServer, string) {
	s := &sodaServer{t: t, rows: rows, token: "tok-123", seen: map[int64]int{}, fail: fail}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv.URL + "/resource/jbjy-vk9h.json?$where=fecha_de_firma>'2023-01-01'"
}

var fastSODA = SODAOptions{AppToken: "tok-123", PageSize: 100, Retries: 3, Backoff: time.Millisecond}

func TestSODAPagingRetriesAndCuts(t *testing.T) {
	rows := sodaFixture(t, 250)
	srv, u := newSODAServer(t, rows, func(off int64, attempt int) string {
		switch {
		case off == 100 && attempt <= 2:
			return "500"
		case off == 200 && attempt == 1:
			return "cut"
		}
		return ""
	})
	dir := t.TempDir()
	svc, ctx := newService(t, dir)
	im, err := NewImporter(svc, Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := im.ImportURL(ctx, u, fastSODA)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Summary{Format: "secop2-contratos/soda-json", New: 250}); pick(sum) != want {
		t.Errorf("%+v, want %+v", pick(sum), want)
	}
	if n := countPurchases(t, svc, registry.SourceSECOPII); n != 250 {
		t.Errorf("%d purchases stored, want 250", n)
	}
	if srv.seen[100] != 3 || srv.seen[200] != 2 {
		t.Errorf("requests per offset: %v", srv.seen)
	}
	// A second pass changes nothing.
	sum, err = im.ImportURL(ctx, u, fastSODA)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Summary{Format: "secop2-contratos/soda-json", Unchanged: 250}); pick(sum) != want {
		t.Errorf("second pass %+v, want %+v", pick(sum), want)
	}
	// Without the token the server refuses: a permanent error, no retries.
	before := len(srv.offsets)
	if _, err := im.ImportURL(ctx, u, SODAOptions{PageSize: 100, Retries: 3, Backoff: time.Millisecond}); err == nil {
		t.Error("import without the app token succeeded")
	}
	if len(srv.offsets) != before+1 {
		t.Errorf("a 403 was retried: %d requests", len(srv.offsets)-before)
	}
}

func TestSODAResumeFromCheckpoint(t *testing.T) {
	rows := sodaFixture(t, 250)
	broken := true
	srv, u := newSODAServer(t, rows, func(off int64, attempt int) string {
		if broken && off == 200 {
			return "500"
		}
		return ""
	})
	dir := t.TempDir()
	svc, ctx := newService(t, dir)
	im, err := NewImporter(svc, Options{DataDir: dir, BatchSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := im.ImportURL(ctx, u, fastSODA); err == nil {
		t.Fatal("import through a dead page succeeded")
	}
	runs, err := svc.ImportRuns(ctx, registry.Page{First: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs.Items) != 1 || runs.Items[0].Status != registry.ImportFailed || runs.Items[0].Source != SourceName(u) {
		t.Fatalf("runs after the failure: %+v", runs.Items)
	}
	if got := countPurchases(t, svc, registry.SourceSECOPII); got != 200 {
		t.Fatalf("%d purchases stored before the dead page, want 200", got)
	}
	broken = false
	srv.mu.Lock()
	srv.offsets = nil
	srv.mu.Unlock()
	sum, err := im.ImportURL(ctx, u, fastSODA)
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Resumed || sum.RunID != runs.Items[0].ID {
		t.Errorf("not resumed: %+v", sum)
	}
	if len(srv.offsets) == 0 || srv.offsets[0] != 200 {
		t.Errorf("the resumed run asked for offsets %v, want to start at 200", srv.offsets)
	}
	if want := (Summary{Format: "secop2-contratos/soda-json", New: 250}); pick(sum) != want {
		t.Errorf("%+v, want %+v (the earlier run's counts carried over)", pick(sum), want)
	}
	if got := countPurchases(t, svc, registry.SourceSECOPII); got != 250 {
		t.Errorf("%d purchases stored, want 250", got)
	}
}
