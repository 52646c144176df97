package egress

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/acervo-co/acervo/registry"
)

// countingServer is a loopback HTTP server that counts the requests it gets.
type countingServer struct {
	*httptest.Server
	hits atomic.Int64
}

func startServer(t *testing.T, addr string, h http.HandlerFunc) *countingServer {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen %s: %v", addr, err)
	}
	cs := &countingServer{}
	cs.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs.hits.Add(1)
		h(w, r)
	}))
	cs.Listener.Close()
	cs.Listener = ln
	cs.Start()
	t.Cleanup(cs.Close)
	return cs
}

func ok(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "secret internal data") }

func hostPort(t *testing.T, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

func TestDialRefusesInternalAddresses(t *testing.T) {
	internal := startServer(t, "127.0.0.1:0", ok)
	port := internal.Listener.Addr().(*net.TCPAddr).Port
	res := &fakeResolver{answers: map[string][]string{
		"both.test":     {"140.82.112.3", "127.0.0.1"},
		"loop.test":     {"127.0.0.1"},
		"metadata.test": {"169.254.169.254"},
		"private.test":  {"10.0.0.7"},
	}}
	p := &Policy{Resolver: res}
	client := p.HTTPClient(nil)
	for _, target := range []string{
		internal.URL,
		fmt.Sprintf("http://localhost:%d/", port),
		fmt.Sprintf("http://[::ffff:127.0.0.1]:%d/", port),
		fmt.Sprintf("http://both.test:%d/", port),
		fmt.Sprintf("http://loop.test:%d/", port),
		"http://metadata.test/latest/meta-data/",
		"http://169.254.169.254/latest/meta-data/",
		"http://[fd00:ec2::254]/latest/meta-data/",
		"http://168.63.129.16/machine",
		"http://private.test/",
		"http://10.0.0.7/",
	} {
		resp, err := client.Get(target)
		if err == nil {
			resp.Body.Close()
			t.Errorf("GET %s succeeded", target)
			continue
		}
		if c := CodeOf(err); c != registry.CodeHostBlocked {
			t.Errorf("GET %s: code %q (%v), want %s", target, c, err, registry.CodeHostBlocked)
		}
	}
	if n := internal.hits.Load(); n != 0 {
		t.Fatalf("internal server got %d requests", n)
	}
}

func TestDialRefusesRebinding(t *testing.T) {
	// The name passes the check when the URL is submitted (127.0.0.1 is
	// allowed in this test), then answers with an internal address when the
	// connection is made.
	allowed := startServer(t, "127.0.0.1:0", ok)
	internal := startServer(t, "127.0.0.2:0", ok)
	port := internal.Listener.Addr().(*net.TCPAddr).Port
	res := &fakeResolver{
		answers: map[string][]string{"rebind.test": {"127.0.0.1"}},
		then:    map[string][]string{"rebind.test": {"127.0.0.2"}},
	}
	p := &Policy{Resolver: res, AllowNets: mustPrefixes("127.0.0.1/32")}
	target := fmt.Sprintf("http://rebind.test:%d/a.git", port)
	if _, err := p.CheckURL(context.Background(), target); err != nil {
		t.Fatalf("submit-time check: %v", err)
	}
	resp, err := p.HTTPClient(nil).Get(target)
	if err == nil {
		resp.Body.Close()
		t.Fatal("rebound request succeeded")
	}
	if CodeOf(err) != registry.CodeHostBlocked {
		t.Fatalf("err = %v", err)
	}
	if internal.hits.Load() != 0 || allowed.hits.Load() != 0 {
		t.Fatalf("servers got requests: internal %d, allowed %d", internal.hits.Load(), allowed.hits.Load())
	}
}

func TestControlChecksConnectedAddress(t *testing.T) {
	p := &Policy{AllowNets: mustPrefixes("127.0.0.1/32")}
	if err := p.controlCheck("tcp4", "127.0.0.1:80", nil); err != nil {
		t.Errorf("allowed address refused: %v", err)
	}
	for _, a := range []string{"127.0.0.2:80", "[::1]:80", "169.254.169.254:80", "[::ffff:10.0.0.1]:443", "garbage"} {
		if err := p.controlCheck("tcp", a, nil); CodeOf(err) != registry.CodeHostBlocked {
			t.Errorf("control(%s) = %v", a, err)
		}
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	internal := startServer(t, "127.0.0.2:0", ok)
	redirectTo := ""
	public := startServer(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, redirectTo, http.StatusFound)
	})
	p := &Policy{AllowNets: mustPrefixes("127.0.0.1/32")}
	for _, to := range []string{internal.URL + "/x", "http://169.254.169.254/latest/meta-data/", "http://localhost:1/"} {
		redirectTo = to
		// The mirror's client refuses the redirect itself.
		resp, err := p.HTTPClient(nil).Get(public.URL + "/info/refs")
		if err == nil {
			resp.Body.Close()
			t.Fatalf("redirect to %s followed", to)
		}
		// A client that would follow redirects is still refused at dial time.
		follow := &http.Client{Transport: p.Transport(nil)}
		resp, err = follow.Get(public.URL + "/info/refs")
		if err == nil {
			resp.Body.Close()
			t.Fatalf("redirect to %s dialled", to)
		}
		if CodeOf(err) != registry.CodeHostBlocked {
			t.Fatalf("redirect to %s: %v", to, err)
		}
	}
	if internal.hits.Load() != 0 {
		t.Fatalf("internal server got %d requests", internal.hits.Load())
	}
	if public.hits.Load() != 6 {
		t.Fatalf("public server got %d requests, want 6", public.hits.Load())
	}
}

func TestCounterStopsTransfer(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	srv := startServer(t, "127.0.0.1:0", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, big) })
	p := &Policy{AllowNets: mustPrefixes("127.0.0.1/32")}
	c := NewCounter(64 << 10)
	resp, err := p.HTTPClient(c).Get(srv.URL)
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if CodeOf(err) != registry.CodeTooLarge {
		t.Fatalf("err = %v, want %s", err, registry.CodeTooLarge)
	}
	if !c.Exceeded() {
		t.Fatal("counter not exceeded")
	}
}

// proxyGet sends one request through the proxy with the given credentials.
func proxyClient(px *Proxy, secret string) *http.Client {
	u, _ := url.Parse("http://" + px.Addr())
	u.User = url.UserPassword("acervo", secret)
	return &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(u)},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func TestProxy(t *testing.T) {
	target := startServer(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "http://169.254.169.254/", http.StatusMovedPermanently)
			return
		}
		io.WriteString(w, "hello "+r.URL.Path)
	})
	other := startServer(t, "127.0.0.1:0", ok)
	internal := startServer(t, "127.0.0.2:0", ok)
	p := &Policy{AllowNets: mustPrefixes("127.0.0.1/32")}
	px, err := p.StartProxy("http", hostPort(t, target.URL), NewCounter(0), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()

	t.Run("forward to the target", func(t *testing.T) {
		resp, err := proxyClient(px, px.Secret()).Get(target.URL + "/a")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != "hello /a" {
			t.Fatalf("got %d %q", resp.StatusCode, b)
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		resp, err := proxyClient(px, "nope").Get(target.URL + "/a")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusProxyAuthRequired {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
	t.Run("redirect refused", func(t *testing.T) {
		resp, err := proxyClient(px, px.Secret()).Get(target.URL + "/redirect")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadGateway {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
	for _, dest := range []string{other.URL, internal.URL, "http://169.254.169.254"} {
		t.Run("forward elsewhere "+dest, func(t *testing.T) {
			resp, err := proxyClient(px, px.Secret()).Get(dest + "/x")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("status %d", resp.StatusCode)
			}
		})
		t.Run("connect elsewhere "+dest, func(t *testing.T) {
			conn, err := net.Dial("tcp", px.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			req, _ := http.NewRequest(http.MethodConnect, "http://"+hostPort(t, dest), nil)
			req.Host = hostPort(t, dest)
			req.SetBasicAuth("acervo", px.Secret())
			req.Header.Set("Proxy-Authorization", req.Header.Get("Authorization"))
			if err := req.Write(conn); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("status %d", resp.StatusCode)
			}
		})
	}
	t.Run("connect to the target", func(t *testing.T) {
		conn, err := net.Dial("tcp", px.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		h := hostPort(t, target.URL)
		fmt.Fprintf(conn, "CONNECT %s HTTP/1.1\r\nHost: %s\r\nProxy-Authorization: Basic %s\r\n\r\n", h, h, basic("acervo", px.Secret()))
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("CONNECT: %v %v", resp, err)
		}
		fmt.Fprintf(conn, "GET /tunnel HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", h)
		resp, err = http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if string(b) != "hello /tunnel" {
			t.Fatalf("tunnel answered %q", b)
		}
	})
	if other.hits.Load() != 0 || internal.hits.Load() != 0 {
		t.Fatalf("other %d, internal %d requests", other.hits.Load(), internal.hits.Load())
	}
	if CodeOf(px.Err()) != registry.CodeHostBlocked {
		t.Fatalf("recorded refusal %v", px.Err())
	}
}

func basic(user, pass string) string {
	r, _ := http.NewRequest("GET", "http://x", nil)
	r.SetBasicAuth(user, pass)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}
