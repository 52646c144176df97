package graphql

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func graphiqlServer(t *testing.T, e *env) *httptest.Server {
	t.Helper()
	gi, err := GraphiQLHandler("/graphiql", "/graphql")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/graphql", e.h)
	mux.Handle("/graphiql", gi)
	mux.Handle("/graphiql/", gi)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestGraphiQLAssets: the page references only files the handler serves.
func TestGraphiQLAssets(t *testing.T) {
	e := newEnv(t)
	srv := graphiqlServer(t, e)
	get := func(p string) (*http.Response, string) {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, page := get("/graphiql")
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") || !strings.Contains(page, `data-endpoint="/graphql"`) {
		t.Fatalf("%d %v\n%s", resp.StatusCode, resp.Header, page)
	}
	refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(refs) != 5 {
		t.Fatalf("want 5 local references, got %v", refs)
	}
	for _, m := range refs {
		if !strings.HasPrefix(m[1], "/graphiql/") {
			t.Fatalf("the page loads %s from elsewhere", m[1])
		}
		r, body := get(m[1])
		if r.StatusCode != 200 || len(body) < 100 {
			t.Fatalf("%s: %d (%d bytes)", m[1], r.StatusCode, len(body))
		}
	}
	for _, p := range []string{"/graphiql/../graphql.go", "/graphiql/nope.js", "/graphiql/x/boot.js"} {
		if r, _ := get(p); r.StatusCode != 404 {
			t.Errorf("%s: %d", p, r.StatusCode)
		}
	}
	if r, body := get("/graphiql/LICENSE.graphiql"); r.StatusCode != 200 || !strings.Contains(body, "MIT License") {
		t.Errorf("licence: %d", r.StatusCode)
	}
}

func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ACERVO_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("the GraphiQL browser test needs Debian's chromium: apt-get update && apt-get install -y chromium")
	return ""
}

// TestGraphiQLInBrowser loads /graphiql in headless chromium that can
// resolve no host but the test server's, runs the default query and reads
// the answer.
func TestGraphiQLInBrowser(t *testing.T) {
	e := newEnv(t)
	srv := graphiqlServer(t, e)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.Flag("proxy-server", "http://127.0.0.1:9"), // nothing listens: outside requests fail
		chromedp.Flag("proxy-bypass-list", "127.0.0.1"),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelA := chromedp.NewExecAllocator(t.Context(), opts...)
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	defer cancelT()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/graphiql"),
		chromedp.WaitVisible(chromedp.CSS(`.graphiql-container`)),
		chromedp.WaitVisible(chromedp.CSS(`.graphiql-execute-button`)),
		chromedp.Click(chromedp.CSS(`.graphiql-execute-button`)),
	); err != nil {
		t.Fatalf("GraphiQL did not load: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](`document.body.innerText.includes('"facets"')`, chromedp.WithPollingTimeout(60*time.Second))); err != nil {
		html, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText.slice(0, 3000)`))
		t.Fatalf("GraphiQL did not show an answer: %v\n%s\nlog:\n%s", err, html, e.logs.String())
	}
	answer, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(answer, `"slug": "orfeo"`) || !strings.Contains(answer, `"adopterCount": 2`) {
		t.Fatalf("unexpected answer in GraphiQL:\n%s", answer)
	}
}
