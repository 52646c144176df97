package egress

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/acervo-co/acervo/registry"
)

// Proxy is a loopback HTTP proxy for one sync: it tunnels (CONNECT) or
// forwards (absolute-URI requests) only to the sync's host, dials through
// the policy, counts bytes, and refuses redirects. The git CLI reaches the
// network only through it (git -c http.proxy=…).
type Proxy struct {
	policy *Policy
	target string // host:port the sync may reach
	dial   DialFunc
	secret string
	ln     net.Listener
	srv    *http.Server
	rec    recorder
	log    *slog.Logger
	wg     sync.WaitGroup
	fwd    *http.Transport
}

// StartProxy starts a proxy on 127.0.0.1 that lets through connections to
// host (host[:port]; the port defaults to 443 for https and 80 for http).
func (p *Policy) StartProxy(scheme, host string, c *Counter, log *slog.Logger) (*Proxy, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	target := strings.ToLower(host)
	if _, _, err := net.SplitHostPort(target); err != nil {
		port := "443"
		if scheme == "http" {
			port = "80"
		}
		target = net.JoinHostPort(strings.Trim(target, "[]"), port)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("egress proxy: %w", err)
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	px := &Proxy{policy: p, target: target, dial: p.Dialer(c), secret: hex.EncodeToString(b[:]), ln: ln, log: log}
	px.fwd = &http.Transport{Proxy: nil, DialContext: px.dialTarget, DisableCompression: true,
		ResponseHeaderTimeout: 60 * time.Second, MaxIdleConnsPerHost: 2}
	px.srv = &http.Server{Handler: px, ReadHeaderTimeout: 10 * time.Second}
	px.wg.Add(1)
	go func() {
		defer px.wg.Done()
		_ = px.srv.Serve(ln)
	}()
	return px, nil
}

// URL is the proxy's address with its one-sync credentials, for
// http.proxy and go-git's ProxyOptions.
func (px *Proxy) URL() string { return "http://acervo:" + px.secret + "@" + px.ln.Addr().String() }

// Addr is the proxy's host:port.
func (px *Proxy) Addr() string { return px.ln.Addr().String() }

// Secret is the proxy password (user "acervo").
func (px *Proxy) Secret() string { return px.secret }

// Err returns the first refusal the proxy made (nil when none).
func (px *Proxy) Err() error {
	if e := px.rec.get(); e != nil {
		return e
	}
	return nil
}

// Close stops the proxy and every tunnel.
func (px *Proxy) Close() error {
	err := px.srv.Close()
	px.fwd.CloseIdleConnections()
	px.wg.Wait()
	return err
}

func (px *Proxy) authorised(r *http.Request) bool {
	h := r.Header.Get("Proxy-Authorization")
	enc, ok := strings.CutPrefix(h, "Basic ")
	if !ok {
		return false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return false
	}
	_, pass, _ := strings.Cut(string(raw), ":")
	return subtle.ConstantTimeCompare([]byte(pass), []byte(px.secret)) == 1
}

func (px *Proxy) fail(w http.ResponseWriter, status int, err error) {
	px.rec.record(err)
	px.log.Warn("egress proxy refused", "target", px.target, "err", err)
	http.Error(w, err.Error(), status)
}

// dialTarget refuses any host but the sync's.
func (px *Proxy) dialTarget(ctx context.Context, network, address string) (net.Conn, error) {
	if !strings.EqualFold(address, px.target) {
		return nil, refuse(registry.CodeHostBlocked, "the sync may only reach %s, not %s", px.target, address)
	}
	return px.dial(ctx, network, address)
}

func (px *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !px.authorised(r) {
		w.Header().Set("Proxy-Authenticate", `Basic realm="acervo"`)
		http.Error(w, "proxy authentication required", http.StatusProxyAuthRequired)
		return
	}
	if r.Method == http.MethodConnect {
		px.tunnel(w, r)
		return
	}
	if !r.URL.IsAbs() || r.URL.Scheme != "http" {
		px.fail(w, http.StatusBadRequest, refuse(registry.CodeURLSchemeNotAllowed, "only CONNECT and absolute http requests go through the proxy"))
		return
	}
	px.forward(w, r)
}

func (px *Proxy) tunnel(w http.ResponseWriter, r *http.Request) {
	up, err := px.dialTarget(r.Context(), "tcp", r.Host)
	if err != nil {
		px.fail(w, http.StatusForbidden, err)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		up.Close()
		http.Error(w, "no hijack", http.StatusInternalServerError)
		return
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		up.Close()
		return
	}
	if _, err := io.WriteString(conn, "HTTP/1.1 200 Connection Established\r\n\r\n"); err != nil {
		conn.Close()
		up.Close()
		return
	}
	px.wg.Add(1)
	go func() {
		defer px.wg.Done()
		done := make(chan struct{})
		go func() {
			_, err := io.Copy(up, rw.Reader)
			px.rec.record(err)
			if tc, ok := up.(interface{ CloseWrite() error }); ok {
				_ = tc.CloseWrite()
			}
			close(done)
		}()
		_, err := io.Copy(conn, up)
		px.rec.record(err)
		conn.Close()
		up.Close()
		<-done
	}()
}

var hopHeaders = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

func (px *Proxy) forward(w http.ResponseWriter, r *http.Request) {
	out := r.Clone(r.Context())
	out.RequestURI = ""
	for _, h := range hopHeaders {
		out.Header.Del(h)
	}
	if out.URL.Port() == "" {
		out.URL.Host = net.JoinHostPort(out.URL.Hostname(), "80")
	}
	resp, err := px.fwd.RoundTrip(out)
	if err != nil {
		var pe *Error
		if errors.As(err, &pe) {
			px.fail(w, http.StatusForbidden, pe)
			return
		}
		px.log.Debug("egress proxy upstream", "err", err)
		http.Error(w, "upstream: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 && resp.StatusCode < 400 && resp.StatusCode != http.StatusNotModified {
		px.fail(w, http.StatusBadGateway, ErrRedirect)
		return
	}
	for _, h := range hopHeaders {
		resp.Header.Del(h)
	}
	for k, vs := range resp.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, err = io.Copy(w, resp.Body)
	px.rec.record(err)
}
