package egress

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/acervo-co/acervo/registry"
)

// fakeResolver answers from a table; unknown names fail. It never touches
// the network.
type fakeResolver struct {
	answers map[string][]string
	calls   map[string]int
	// then, when set, is the answer from the second lookup on (rebinding).
	then map[string][]string
}

func (f *fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[host]++
	as, ok := f.answers[host]
	if t, ok2 := f.then[host]; ok2 && f.calls[host] > 1 {
		as, ok = t, true
	}
	if !ok {
		return nil, errors.New("no such host")
	}
	var out []netip.Addr
	for _, a := range as {
		out = append(out, netip.MustParseAddr(a))
	}
	return out, nil
}

func TestCheckURL(t *testing.T) {
	dir := t.TempDir()
	repo := filepath.Join(dir, "repos", "app")
	if err := os.MkdirAll(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	outside := t.TempDir()
	res := &fakeResolver{answers: map[string][]string{
		"github.com":         {"140.82.112.3"},
		"gitlab.com":         {"172.65.251.78", "2606:4700:90:0:f22e:fbec:5bed:a9b9"},
		"rebind.example":     {"140.82.112.3", "127.0.0.1"},
		"internal.example":   {"10.1.2.3"},
		"meta.example":       {"169.254.169.254"},
		"empty.example":      {},
		"git.entidad.gov.co": {"190.1.2.3"},
		"intranet.gov.co":    {"10.20.0.5"},
		"mapped.example":     {"::ffff:127.0.0.1"},
	}}
	base := Policy{Resolver: res, AllowLocal: []string{filepath.Join(dir, "repos")}}
	allowNets := base
	allowNets.AllowNets = mustPrefixes("127.0.0.1/32", "10.20.0.0/16", "169.254.0.0/16")
	lists := base
	lists.AllowedDomains = []string{"github.com", "*.gov.co"}
	lists.BlockedDomains = []string{"bad.gov.co"}

	tests := []struct {
		name   string
		policy Policy
		url    string
		code   string // "" accepted
		want   string // canonical URL when accepted
		mirror string
	}{
		{"https public", base, "https://github.com/acervo-co/app.git", "", "https://github.com/acervo-co/app.git", "github.com/acervo-co/app.git"},
		{"https trailing slash and upper host", base, "HTTPS://GitHub.com/acervo-co/app/", "", "https://github.com/acervo-co/app", "github.com/acervo-co/app.git"},
		{"default port dropped", base, "https://github.com:443/a/b", "", "https://github.com/a/b", "github.com/a/b.git"},
		{"dual stack public", base, "https://gitlab.com/a/b", "", "https://gitlab.com/a/b", "gitlab.com/a/b.git"},
		{"http refused", base, "http://github.com/a/b", registry.CodeURLSchemeNotAllowed, "", ""},
		{"file url", base, "file:///etc/passwd", registry.CodeURLSchemeNotAllowed, "", ""},
		{"file url outside allowed", base, "file://" + outside, registry.CodeURLSchemeNotAllowed, "", ""},
		{"local path allowed", base, repo, "", repo, "local" + filepath.ToSlash(repo) + ".git"},
		{"local path outside", base, outside, registry.CodeURLSchemeNotAllowed, "", ""},
		{"local path escaping", base, filepath.Join(dir, "repos", "..", "x"), registry.CodeURLSchemeNotAllowed, "", ""},
		{"relative path", base, "./repo", registry.CodeURLSchemeNotAllowed, "", ""},
		{"local not configured", Policy{Resolver: res}, repo, registry.CodeURLSchemeNotAllowed, "", ""},
		{"ssh", base, "ssh://git@github.com/a/b.git", registry.CodeURLSchemeNotAllowed, "", ""},
		{"scp form", base, "git@github.com:a/b.git", registry.CodeURLSchemeNotAllowed, "", ""},
		{"scp form no user", base, "github.com:a/b.git", registry.CodeURLSchemeNotAllowed, "", ""},
		{"git protocol", base, "git://github.com/a/b.git", registry.CodeURLSchemeNotAllowed, "", ""},
		{"ext transport", base, "ext::sh -c touch% /tmp/pwned", registry.CodeURLSchemeNotAllowed, "", ""},
		{"ext transport no space", base, "ext::sh", registry.CodeURLSchemeNotAllowed, "", ""},
		{"fd transport", base, "fd::3", registry.CodeURLSchemeNotAllowed, "", ""},
		{"credentials", base, "https://user:pass@github.com/a/b", registry.CodeURLSchemeNotAllowed, "", ""},
		{"user only", base, "https://token@github.com/a/b", registry.CodeURLSchemeNotAllowed, "", ""},
		{"query", base, "https://github.com/a/b?x=1", registry.CodeURLSchemeNotAllowed, "", ""},
		{"fragment", base, "https://github.com/a/b#x", registry.CodeURLSchemeNotAllowed, "", ""},
		{"no path", base, "https://github.com", registry.CodeURLSchemeNotAllowed, "", ""},
		{"dot dot path", base, "https://github.com/a/../../b", registry.CodeURLSchemeNotAllowed, "", ""},
		{"empty", base, "", registry.CodeURLSchemeNotAllowed, "", ""},
		{"newline", base, "https://github.com/a/b\n", "", "https://github.com/a/b", "github.com/a/b.git"},
		{"inner newline", base, "https://github.com/a\n/b", registry.CodeURLSchemeNotAllowed, "", ""},
		{"octal", base, "https://0177.0.0.1/a", registry.CodeHostAmbiguous, "", ""},
		{"short", base, "https://127.1/a", registry.CodeHostAmbiguous, "", ""},
		{"decimal", base, "https://2130706433/a", registry.CodeHostAmbiguous, "", ""},
		{"hex", base, "https://0x7f.1/a", registry.CodeHostAmbiguous, "", ""},
		{"hex full", base, "https://0x7f000001/a", registry.CodeHostAmbiguous, "", ""},
		{"leading zero", base, "https://010.0.0.1/a", registry.CodeHostAmbiguous, "", ""},
		{"loopback literal", base, "https://127.0.0.1/a", registry.CodeHostBlocked, "", ""},
		{"localhost", base, "https://localhost/a", registry.CodeHostBlocked, "", ""},
		{"sub localhost", base, "https://x.localhost/a", registry.CodeHostBlocked, "", ""},
		{"ipv6 loopback", base, "https://[::1]/a", registry.CodeHostBlocked, "", ""},
		{"ipv4 mapped loopback", base, "https://[::ffff:127.0.0.1]/a", registry.CodeHostBlocked, "", ""},
		{"private literal", base, "https://192.168.1.10/a", registry.CodeHostBlocked, "", ""},
		{"cgnat", base, "https://100.64.0.1/a", registry.CodeHostBlocked, "", ""},
		{"link local", base, "https://169.254.10.10/a", registry.CodeHostBlocked, "", ""},
		{"metadata", base, "https://169.254.169.254/latest", registry.CodeHostBlocked, "", ""},
		{"metadata v6", base, "https://[fd00:ec2::254]/latest", registry.CodeHostBlocked, "", ""},
		{"wireserver", base, "https://168.63.129.16/a", registry.CodeHostBlocked, "", ""},
		{"ula", base, "https://[fd12::1]/a", registry.CodeHostBlocked, "", ""},
		{"6to4", base, "https://[2002:7f00:1::]/a", registry.CodeHostBlocked, "", ""},
		{"public literal", base, "https://140.82.112.3/a/b", "", "https://140.82.112.3/a/b", "140.82.112.3/a/b.git"},
		{"public v6 literal", base, "https://[2606:4700::1]/a", "", "https://[2606:4700::1]/a", "2606_4700__1/a.git"},
		{"name to private", base, "https://internal.example/a", registry.CodeHostBlocked, "", ""},
		{"name to metadata", base, "https://meta.example/a", registry.CodeHostBlocked, "", ""},
		{"public and private answer", base, "https://rebind.example/a", registry.CodeHostBlocked, "", ""},
		{"mapped answer", base, "https://mapped.example/a", registry.CodeHostBlocked, "", ""},
		{"empty answer", base, "https://empty.example/a", registry.CodeHostBlocked, "", ""},
		{"unresolvable", base, "https://nowhere.example/a", registry.CodeHostBlocked, "", ""},
		{"bad port", base, "https://github.com:99999/a", registry.CodeURLSchemeNotAllowed, "", ""},
		{"allowed net http", allowNets, "http://127.0.0.1:8080/a.git", "", "http://127.0.0.1:8080/a.git", "127.0.0.1_8080/a.git"},
		{"allowed net intranet", allowNets, "http://intranet.gov.co/a", "", "http://intranet.gov.co/a", "intranet.gov.co/a.git"},
		{"allowed net other loopback", allowNets, "http://127.0.0.2/a", registry.CodeHostBlocked, "", ""},
		{"allowed nets keep metadata out", allowNets, "http://169.254.169.254/a", registry.CodeHostBlocked, "", ""},
		{"allowed nets keep http off public", allowNets, "http://github.com/a", registry.CodeURLSchemeNotAllowed, "", ""},
		{"allow list hit", lists, "https://github.com/a/b", "", "https://github.com/a/b", "github.com/a/b.git"},
		{"allow list wildcard", lists, "https://git.entidad.gov.co/a/b", "", "https://git.entidad.gov.co/a/b", "git.entidad.gov.co/a/b.git"},
		{"allow list miss", lists, "https://gitlab.com/a/b", registry.CodeHostBlocked, "", ""},
		{"block list wins", lists, "https://bad.gov.co/a/b", registry.CodeHostBlocked, "", ""},
		{"too long", base, "https://github.com/" + string(make([]byte, 0)) + longPath(), registry.CodeURLSchemeNotAllowed, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.policy
			got, err := p.CheckURL(context.Background(), tt.url)
			if tt.code != "" {
				if err == nil {
					t.Fatalf("CheckURL(%q) accepted %+v, want %s", tt.url, got, tt.code)
				}
				if c := CodeOf(err); c != tt.code {
					t.Fatalf("CheckURL(%q) code %s (%v), want %s", tt.url, c, err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatalf("CheckURL(%q): %v", tt.url, err)
			}
			if got.URL != tt.want || got.MirrorPath != tt.mirror {
				t.Fatalf("CheckURL(%q) = %q, %q; want %q, %q", tt.url, got.URL, got.MirrorPath, tt.want, tt.mirror)
			}
		})
	}
}

func longPath() string {
	b := make([]byte, MaxURLLength)
	for i := range b {
		b[i] = 'a'
	}
	return string(b)
}

func TestCheckAddr(t *testing.T) {
	p := Policy{AllowNets: mustPrefixes("10.0.0.0/8", "169.254.0.0/16", "fd00::/8")}
	for _, tt := range []struct {
		addr string
		ok   bool
	}{
		{"8.8.8.8", true}, {"10.1.1.1", true}, {"169.254.1.1", true},
		{"169.254.169.254", false}, {"fd00:ec2::254", false}, {"168.63.129.16", false},
		{"::ffff:169.254.169.254", false}, {"127.0.0.1", false}, {"192.168.0.1", false},
		{"0.0.0.0", false}, {"255.255.255.255", false}, {"224.0.0.1", false}, {"fe80::1", false},
		{"2001:4860:4860::8888", true}, {"64:ff9b::7f00:1", false}, {"fd12::1", true},
	} {
		err := p.CheckAddr(netip.MustParseAddr(tt.addr))
		if (err == nil) != tt.ok {
			t.Errorf("CheckAddr(%s) = %v, want ok=%v", tt.addr, err, tt.ok)
		}
	}
}

func TestParseNets(t *testing.T) {
	got, err := ParseNets(" 127.0.0.1/32, 10.0.0.0/8 ,192.168.1.5,::ffff:10.0.0.0/104")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"127.0.0.1/32", "10.0.0.0/8", "192.168.1.5/32", "10.0.0.0/8"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("net %d = %s, want %s", i, got[i], want[i])
		}
	}
	if _, err := ParseNets("10.0.0.0/33"); err == nil {
		t.Error("bad CIDR accepted")
	}
}
