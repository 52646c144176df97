package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/acervo-co/acervo/registry"
)

// MaxURLLength bounds a repository URL.
const MaxURLLength = 2048

// Error is a refusal of the policy or a limit, with the registry code kept
// on the Mirror (registry.CodeURLSchemeNotAllowed, CodeHostBlocked, …).
type Error struct {
	Code string
	Msg  string
}

func (e *Error) Error() string { return e.Msg + " (" + e.Code + ")" }

func refuse(code, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of the first *Error in err's chain, or "".
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Resolver looks up the addresses of a host name; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Policy says which repositories may be mirrored and which addresses may be
// dialled. The zero Policy allows https to public hosts only.
type Policy struct {
	// AllowedDomains, when not empty, lists the only host names that may be
	// mirrored ("github.com", "*.gov.co" for any subdomain).
	AllowedDomains []string
	// BlockedDomains are refused, whatever AllowedDomains says.
	BlockedDomains []string
	// AllowNets are private ranges that may be dialled (an entity's intranet
	// GitLab; 127.0.0.1/32 in tests). Plain http is accepted only for hosts
	// whose every address is in these ranges. Cloud metadata addresses stay
	// refused.
	AllowNets []netip.Prefix
	// AllowLocal are directories under which local repositories may be
	// mirrored by path.
	AllowLocal []string
	// Resolver resolves host names (net.DefaultResolver when nil).
	Resolver Resolver
}

// ParseNets reads comma-separated CIDRs (ACERVO_MIRROR_ALLOW_NETS). A bare
// address is taken as a single-address prefix.
func ParseNets(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("allowed net %q: %w", f, err)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("allowed net %q: %w", f, err)
		}
		out = append(out, netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-unmapBits(p.Addr())).Masked())
	}
	return out, nil
}

func unmapBits(a netip.Addr) int {
	if a.Is4In6() {
		return 96
	}
	return 0
}

// ParseLocal reads colon-separated directories (ACERVO_MIRROR_ALLOW_LOCAL).
func ParseLocal(s string) []string {
	var out []string
	for _, d := range filepath.SplitList(s) {
		if d = strings.TrimSpace(d); d != "" {
			out = append(out, d)
		}
	}
	return out
}

func (p *Policy) resolver() Resolver {
	if p.Resolver != nil {
		return p.Resolver
	}
	return net.DefaultResolver
}

func mustPrefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// metadataAddrs are cloud metadata endpoints: refused even when their range
// is allowed (AWS, GCP, Azure IMDS; AWS IPv6 IMDS; Azure WireServer;
// Alibaba).
var metadataAddrs = mustPrefixes("169.254.169.254/32", "fd00:ec2::254/128", "168.63.129.16/32", "100.100.100.200/32")

// blockedNets are not public: loopback, private, link-local, CGNAT,
// documentation, benchmarking, multicast, reserved, and IPv6 transition
// ranges that can embed a private IPv4 address.
var blockedNets = mustPrefixes(
	"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
	"192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
	"198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
	"::/128", "::1/128", "::/96", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/32",
	"2001:10::/28", "2001:20::/28", "2001:db8::/32", "2002::/16", "fc00::/7", "fe80::/10",
	"fec0::/10", "ff00::/8",
)

// CheckAddr reports whether ip may be dialled.
func (p *Policy) CheckAddr(ip netip.Addr) error {
	if !ip.IsValid() {
		return refuse(registry.CodeHostBlocked, "unparseable address")
	}
	ip = ip.Unmap().WithZone("")
	for _, m := range metadataAddrs {
		if m.Contains(ip) {
			return refuse(registry.CodeHostBlocked, "address %s is a cloud metadata endpoint", ip)
		}
	}
	for _, n := range p.AllowNets {
		if n.Contains(ip) {
			return nil
		}
	}
	for _, n := range blockedNets {
		if n.Contains(ip) {
			return refuse(registry.CodeHostBlocked, "address %s is not public", ip)
		}
	}
	if !ip.IsGlobalUnicast() {
		return refuse(registry.CodeHostBlocked, "address %s is not public", ip)
	}
	return nil
}

func (p *Policy) inAllowNets(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, n := range p.AllowNets {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// CheckHostName applies the domain lists and the host grammar to a host
// name (not an IP literal).
func (p *Policy) CheckHostName(host string) error {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") || h == "localhost.localdomain" {
		return refuse(registry.CodeHostBlocked, "host %q is local", host)
	}
	for _, d := range p.BlockedDomains {
		if domainMatch(d, h) {
			return refuse(registry.CodeHostBlocked, "host %q is blocked", host)
		}
	}
	if len(p.AllowedDomains) > 0 {
		ok := false
		for _, d := range p.AllowedDomains {
			if domainMatch(d, h) {
				ok = true
				break
			}
		}
		if !ok {
			return refuse(registry.CodeHostBlocked, "host %q is not in the allowed domains", host)
		}
	}
	return nil
}

// domainMatch matches a list entry ("github.com", "*.gov.co") against a
// lower-case host name.
func domainMatch(pattern, host string) bool {
	pattern = strings.ToLower(strings.TrimSpace(strings.TrimSuffix(pattern, ".")))
	if rest, ok := strings.CutPrefix(pattern, "*."); ok {
		return strings.HasSuffix(host, "."+rest)
	}
	return pattern != "" && host == pattern
}

// resolveHost returns the addresses of host (an IP literal or a name) and
// refuses unless every one of them may be dialled. An empty answer or a
// lookup failure is a refusal (fail closed).
func (p *Policy) resolveHost(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Zone() != "" {
			return nil, refuse(registry.CodeHostAmbiguous, "address %q has a zone", host)
		}
		if err := p.CheckAddr(ip); err != nil {
			return nil, err
		}
		return []netip.Addr{ip.Unmap()}, nil
	}
	if err := p.CheckHostName(host); err != nil {
		return nil, err
	}
	addrs, err := p.resolver().LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, refuse(registry.CodeHostBlocked, "cannot resolve %q: %v", host, err)
	}
	if len(addrs) == 0 {
		return nil, refuse(registry.CodeHostBlocked, "host %q has no address", host)
	}
	for i, a := range addrs {
		if err := p.CheckAddr(a); err != nil {
			return nil, refuse(registry.CodeHostBlocked, "host %q resolves to a refused address: %s", host, err.(*Error).Msg)
		}
		addrs[i] = a.Unmap()
	}
	return addrs, nil
}

// Target is a repository location the policy accepted.
type Target struct {
	// URL is the canonical form: lower-case scheme and host, no default
	// port, no trailing slash; for local repositories the cleaned absolute
	// path.
	URL string
	// Scheme is "https", "http" or "local".
	Scheme string
	// Host is host[:port] for remote repositories.
	Host string
	// LocalPath is the absolute directory of a local repository.
	LocalPath string
	// MirrorPath is where the mirror lives under the mirrors directory:
	// <host>/<path>.git (or local/<path>.git).
	MirrorPath string
}

// Local reports a local repository.
func (t Target) Local() bool { return t.Scheme == "local" }

var transportHelper = func(s string) bool {
	// <transport>::<address>, e.g. ext::sh -c …
	i := strings.Index(s, "::")
	if i <= 0 {
		return false
	}
	for _, r := range s[:i] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// CheckURL validates a repository URL (or local path) against the policy,
// resolving its host: every address must be allowed.
func (p *Policy) CheckURL(ctx context.Context, raw string) (Target, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return Target{}, refuse(registry.CodeURLSchemeNotAllowed, "empty repository URL")
	}
	if len(s) > MaxURLLength {
		return Target{}, refuse(registry.CodeURLSchemeNotAllowed, "repository URL longer than %d bytes", MaxURLLength)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == ' ' || r == '\\' {
			return Target{}, refuse(registry.CodeURLSchemeNotAllowed, "repository URL contains a control character, a space or a backslash")
		}
	}
	if transportHelper(s) {
		return Target{}, refuse(registry.CodeURLSchemeNotAllowed, "transport helpers (%s) are not allowed", s[:strings.Index(s, "::")+2])
	}
	lower := strings.ToLower(s)
	if strings.HasPrefix(lower, "file:") {
		u, err := url.Parse(s)
		if err != nil || (u.Host != "" && u.Host != "localhost") || u.Path == "" {
			return Target{}, refuse(registry.CodeURLSchemeNotAllowed, "malformed file URL")
		}
		return p.checkLocal(u.Path)
	}
	if strings.HasPrefix(s, "/") || strings.HasPrefix(s, ".") || strings.HasPrefix(s, "~") {
		return p.checkLocal(s)
	}
	if !strings.Contains(s, "://") {
		if strings.Contains(s, ":") {
			return Target{}, refuse(registry.CodeURLSchemeNotAllowed, "scp-style (ssh) addresses are not allowed; use https://")
		}
		return Target{}, refuse(registry.CodeURLSchemeNotAllowed, "repository URL has no scheme; use https://")
	}
	u, err := url.Parse(s)
	if err != nil {
		return Target{}, refuse(registry.CodeURLSchemeNotAllowed, "malformed URL: %v", err)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" {
		return Target{}, refuse(registry.CodeURLSchemeNotAllowed, "scheme %q is not allowed; use https://", u.Scheme)
	}
	if u.Opaque != "" {
		return Target{}, refuse(registry.CodeURLSchemeNotAllowed, "malformed URL")
	}
	if u.User != nil {
		return Target{}, refuse(registry.CodeURLSchemeNotAllowed, "credentials in URLs are not allowed")
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(s, "#") {
		return Target{}, refuse(registry.CodeURLSchemeNotAllowed, "query strings and fragments are not allowed")
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return Target{}, refuse(registry.CodeURLSchemeNotAllowed, "URL has no host")
	}
	port := u.Port()
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strings.HasPrefix(port, "0") {
			return Target{}, refuse(registry.CodeURLSchemeNotAllowed, "bad port %q", port)
		}
		if (scheme == "https" && n == 443) || (scheme == "http" && n == 80) {
			port = ""
		}
	}
	if err := checkHostGrammar(host, strings.HasPrefix(u.Host, "[")); err != nil {
		return Target{}, err
	}
	addrs, err := p.resolveHost(ctx, host)
	if err != nil {
		return Target{}, err
	}
	if scheme == "http" {
		for _, a := range addrs {
			if !p.inAllowNets(a) {
				return Target{}, refuse(registry.CodeURLSchemeNotAllowed, "plain http is allowed only for hosts in the allowed networks; use https://")
			}
		}
	}
	path := u.EscapedPath()
	for strings.HasSuffix(path, "/") {
		path = strings.TrimSuffix(path, "/")
	}
	hostPort := host
	if strings.Contains(host, ":") {
		hostPort = "[" + host + "]"
	}
	if port != "" {
		hostPort += ":" + port
	}
	mp, err := mirrorPath(strings.ReplaceAll(strings.Trim(hostPort, "[]"), ":", "_"), u.Path)
	if err != nil {
		return Target{}, err
	}
	return Target{URL: scheme + "://" + hostPort + path, Scheme: scheme, Host: hostPort, MirrorPath: mp}, nil
}

// checkHostGrammar accepts canonical IP literals and DNS names whose last
// label is not numeric; other spellings (0177.0.0.1, 127.1, 2130706433,
// 0x7f.1) are ambiguous because resolvers read them differently.
func checkHostGrammar(host string, bracketed bool) error {
	if bracketed {
		ip, err := netip.ParseAddr(host)
		if err != nil || !ip.Is6() || ip.Zone() != "" {
			return refuse(registry.CodeHostAmbiguous, "host %q is not a canonical IPv6 address", host)
		}
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.Is4() {
		return nil
	}
	if len(host) > 253 {
		return refuse(registry.CodeHostAmbiguous, "host name too long")
	}
	labels := strings.Split(strings.TrimSuffix(host, "."), ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return refuse(registry.CodeHostAmbiguous, "host %q is not a valid name", host)
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return refuse(registry.CodeHostAmbiguous, "host %q is not a valid name", host)
			}
		}
	}
	last := labels[len(labels)-1]
	numeric := true
	for _, r := range last {
		if r < '0' || r > '9' {
			numeric = false
		}
	}
	if numeric || strings.HasPrefix(last, "0x") {
		return refuse(registry.CodeHostAmbiguous, "host %q is an ambiguous spelling of an address", host)
	}
	for _, l := range labels {
		if strings.HasPrefix(l, "0x") && isHex(l[2:]) {
			return refuse(registry.CodeHostAmbiguous, "host %q is an ambiguous spelling of an address", host)
		}
	}
	return nil
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

// mirrorPath builds <host>/<path>.git with safe segments.
func mirrorPath(host, path string) (string, error) {
	var segs []string
	for _, s := range strings.Split(path, "/") {
		if s == "" {
			continue
		}
		if s == "." || s == ".." {
			return "", refuse(registry.CodeURLSchemeNotAllowed, "URL path contains %q", s)
		}
		segs = append(segs, safeSegment(s))
	}
	if len(segs) == 0 {
		return "", refuse(registry.CodeURLSchemeNotAllowed, "URL has no repository path")
	}
	last := strings.TrimSuffix(segs[len(segs)-1], ".git")
	if last == "" {
		last = "_"
	}
	segs[len(segs)-1] = last + ".git"
	return safeSegment(host) + "/" + strings.Join(segs, "/"), nil
}

func safeSegment(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	out := b.String()
	if strings.HasPrefix(out, ".") {
		out = "_" + out[1:]
	}
	return out
}

// checkLocal accepts an existing directory under one of AllowLocal.
func (p *Policy) checkLocal(path string) (Target, error) {
	if len(p.AllowLocal) == 0 {
		return Target{}, refuse(registry.CodeURLSchemeNotAllowed, "local repositories are not allowed; use https://")
	}
	if !filepath.IsAbs(path) {
		return Target{}, refuse(registry.CodeURLSchemeNotAllowed, "local repository path %q is not absolute", path)
	}
	real, err := filepath.EvalSymlinks(filepath.Clean(path))
	if err != nil {
		return Target{}, refuse(registry.CodeURLSchemeNotAllowed, "local repository %q: %v", path, errors.Unwrap(err))
	}
	fi, err := os.Stat(real)
	if err != nil || !fi.IsDir() {
		return Target{}, refuse(registry.CodeURLSchemeNotAllowed, "local repository %q is not a directory", path)
	}
	for _, d := range p.AllowLocal {
		root, err := filepath.EvalSymlinks(filepath.Clean(d))
		if err != nil {
			continue
		}
		if rel, err := filepath.Rel(root, real); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			mp, err := mirrorPath("local", filepath.ToSlash(real))
			if err != nil {
				return Target{}, err
			}
			return Target{URL: filepath.Clean(path), Scheme: "local", LocalPath: real, MirrorPath: mp}, nil
		}
	}
	return Target{}, refuse(registry.CodeURLSchemeNotAllowed, "local repository %q is outside the allowed directories", path)
}

// controlCheck is a net.Dialer Control that checks the exact address being
// connected, after resolution, on every connection.
func (p *Policy) controlCheck(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return refuse(registry.CodeHostBlocked, "unparseable dial address %q", address)
	}
	return p.CheckAddr(ap.Addr())
}
