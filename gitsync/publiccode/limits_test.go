package publiccode

import (
	"fmt"
	"strings"
	"testing"

	"github.com/acervo-co/acervo/registry"
)

// refused checks that a document is refused with one METADATA_INVALID
// error mentioning what.
func refused(t *testing.T, doc string, opts Options, what string) {
	t.Helper()
	f, findings := Parse([]byte(doc), opts)
	if f != nil || len(findings) != 1 || RefusalCode(findings) != registry.CodeMetadataInvalid || !strings.Contains(findings[0].Message, what) {
		t.Fatalf("want one METADATA_INVALID refusal about %q, got file=%v findings=%+v", what, f != nil, findings)
	}
}

func TestSizeLimit(t *testing.T) {
	padded := func(size int) string {
		return minimal + "#" + strings.Repeat("x", size-len(minimal)-2) + "\n"
	}
	refused(t, padded(DefaultMaxSize+1), Options{}, "more than the limit of 1048576")
	if _, findings := Parse([]byte(padded(DefaultMaxSize)), Options{}); len(findings) != 0 {
		t.Errorf("a file of exactly 1 MiB: %+v", findings)
	}
	refused(t, minimal, Options{MaxSize: 100}, "more than the limit of 100")
}

func TestAliasLimits(t *testing.T) {
	withAliases := func(n int) string {
		return strings.Replace(minimal, "platforms:\n  - web", "platforms: [&p web"+strings.Repeat(", *p", n)+"]", 1)
	}
	if f, findings := Parse([]byte(withAliases(DefaultMaxAliases)), Options{}); len(findings) != 0 || len(f.Platforms) != DefaultMaxAliases+1 {
		t.Errorf("%d aliases: %+v", DefaultMaxAliases, findings)
	}
	refused(t, withAliases(DefaultMaxAliases+1), Options{}, "33 YAML aliases")
	refused(t, withAliases(1), Options{MaxAliases: -1}, "more than the limit of 0")
	if _, findings := Parse([]byte(withAliases(200)), Options{MaxAliases: 500}); len(findings) != 0 {
		t.Errorf("a raised limit: %+v", findings)
	}

	// Billion laughs: nine levels of nine aliases each. Refused by count,
	// and by expansion when the count limit is lifted.
	var laughs strings.Builder
	laughs.WriteString(minimal + "x0: &l0 \"lol\"\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&laughs, "x%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d,", i-1), 9), ","))
	}
	refused(t, laughs.String(), Options{}, "81 YAML aliases")
	refused(t, laughs.String(), Options{MaxAliases: 1000}, "expand to more than 100000 nodes")

	// Few aliases of one large list.
	big := minimal + "big: &big [" + strings.TrimSuffix(strings.Repeat("a,", 20000), ",") + "]\n" +
		"copies: [" + strings.TrimSuffix(strings.Repeat("*big,", 10), ",") + "]\n"
	refused(t, big, Options{}, "expand to more than 100000 nodes")

	refused(t, strings.Replace(minimal, "platforms:\n  - web", "platforms: &p [web, *p]", 1), Options{}, "recursive YAML alias")
}

func TestDepthLimit(t *testing.T) {
	deep := minimal + "deep: " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "\n"
	refused(t, deep, Options{}, "deeper than 64 levels")
	// Far deeper input stops in the YAML reader or at the depth check; it
	// must come back with an error either way.
	deeper := minimal + "deep: " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n"
	if f, findings := Parse([]byte(deeper), Options{}); f != nil || !HasErrors(findings) {
		t.Errorf("20000 levels: file=%v %+v", f != nil, findings)
	}
}

func TestUnreadableDocuments(t *testing.T) {
	tests := []struct {
		name, doc string
		want      string // "key line:col"
	}{
		{"empty", "", "publiccodeYmlVersion 0:0"},
		{"only comments", "# nada\n", "publiccodeYmlVersion 0:0"},
		{"a list", "- a\n- b\n", " 1:1"},
		{"two documents", minimal + "---\nname: otro\n", " 33:1"},
		{"syntax error", "name: a\n  b: c\n", " 2:1"},
		{"invalid UTF-8", "name: Bogot\xe1\n", " 1:12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, findings := Parse([]byte(tt.doc), Options{})
			if f != nil || len(findings) != 1 || findings[0].Severity != SeverityError {
				t.Fatalf("file=%v findings=%+v", f != nil, findings)
			}
			if got := fmt.Sprintf("%s %d:%d", findings[0].Key, findings[0].Line, findings[0].Column); got != tt.want {
				t.Errorf("got %q want %q (%s)", got, tt.want, findings[0].Message)
			}
			if RefusalCode(findings) != "" {
				t.Errorf("not a resource limit: %+v", findings)
			}
		})
	}
}

func TestFindingsCap(t *testing.T) {
	doc := strings.Replace(minimal, "  - document-management", strings.Repeat("  - nope\n", 1500), 1)
	_, findings := Parse([]byte(doc), Options{})
	if len(findings) != MaxFindings+1 {
		t.Fatalf("%d findings", len(findings))
	}
	last := findings[MaxFindings]
	if last.Severity != SeverityError || last.Message != "500 more findings are not listed" || last.Line != findings[MaxFindings-1].Line {
		t.Errorf("last finding %+v", last)
	}
}
