package egress

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/acervo-co/acervo/registry"
)

// Counter counts the bytes one sync transfers (both directions) and stops
// the transfer at its limit.
type Counter struct {
	limit int64
	n     atomic.Int64
}

// NewCounter returns a counter that refuses to go past limit bytes (no
// limit when limit <= 0).
func NewCounter(limit int64) *Counter { return &Counter{limit: limit} }

// Bytes is the count so far.
func (c *Counter) Bytes() int64 {
	if c == nil {
		return 0
	}
	return c.n.Load()
}

// Exceeded reports whether the limit was reached.
func (c *Counter) Exceeded() bool { return c != nil && c.limit > 0 && c.n.Load() > c.limit }

func (c *Counter) add(n int) error {
	if c == nil {
		return nil
	}
	if t := c.n.Add(int64(n)); c.limit > 0 && t > c.limit {
		return refuse(registry.CodeTooLarge, "transfer exceeded %d bytes", c.limit)
	}
	return nil
}

type countingConn struct {
	net.Conn
	c *Counter
}

func (cc *countingConn) Read(b []byte) (int, error) {
	n, err := cc.Conn.Read(b)
	if cerr := cc.c.add(n); cerr != nil {
		cc.Conn.Close()
		return n, cerr
	}
	return n, err
}

func (cc *countingConn) Write(b []byte) (int, error) {
	n, err := cc.Conn.Write(b)
	if cerr := cc.c.add(n); cerr != nil {
		cc.Conn.Close()
		return n, cerr
	}
	return n, err
}

// DialFunc dials like net.Dialer.DialContext.
type DialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// Dialer returns a dial function that resolves the host itself, refuses
// unless every address may be dialled, checks the connected address again
// in the socket's Control hook, and counts bytes with c (may be nil).
func (p *Policy) Dialer(c *Counter) DialFunc {
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: p.controlCheck}
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		if network != "tcp" && network != "tcp4" && network != "tcp6" {
			return nil, refuse(registry.CodeURLSchemeNotAllowed, "network %q is not allowed", network)
		}
		host, port, err := net.SplitHostPort(address)
		if err != nil {
			return nil, refuse(registry.CodeHostBlocked, "bad dial address %q", address)
		}
		if c.Exceeded() {
			return nil, refuse(registry.CodeTooLarge, "transfer limit reached")
		}
		addrs, err := p.resolveHost(ctx, strings.ToLower(host))
		if err != nil {
			return nil, err
		}
		var firstErr error
		for _, a := range addrs {
			conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(a.String(), port))
			if err == nil {
				return &countingConn{Conn: conn, c: c}, nil
			}
			var pe *Error
			if errors.As(err, &pe) {
				return nil, pe
			}
			if firstErr == nil {
				firstErr = err
			}
		}
		return nil, firstErr
	}
}

// ErrRedirect is returned when a server answers with a redirect: mirrors
// never follow them.
var ErrRedirect = &Error{Code: registry.CodeHostBlocked, Msg: "the server answered with a redirect; redirects are not followed"}

// HTTPClient returns a client that dials through the policy, counts bytes
// with c, uses no proxy from the environment, and follows no redirect.
func (p *Policy) HTTPClient(c *Counter) *http.Client {
	return &http.Client{
		Transport: p.Transport(c),
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return ErrRedirect
		},
	}
}

// Transport is the http.RoundTripper of HTTPClient.
func (p *Policy) Transport(c *Counter) *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           p.Dialer(c),
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       30 * time.Second,
	}
}

// recorder keeps the first refusal seen by a proxy.
type recorder struct {
	mu  sync.Mutex
	err *Error
}

func (r *recorder) record(err error) {
	var e *Error
	if !errors.As(err, &e) {
		return
	}
	r.mu.Lock()
	if r.err == nil {
		r.err = e
	}
	r.mu.Unlock()
}

func (r *recorder) get() *Error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}
