package procurement

import (
	"strings"
	"testing"
	"time"
	"unicode"
)

// TestFastISO checks that the ISO fast path agrees with time.Parse on every
// form it accepts and leaves the others (and bad values) to the layouts.
func TestFastISO(t *testing.T) {
	layouts := []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05", "2006-01-02 15:04:05.999999999",
		"2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02"}
	for _, in := range []string{
		"2025-01-04T00:00:00.000", "2022-09-30T23:59:59", "2022-09-30 12:30:01", "2022-09-30 12:30:01.5",
		"2024-02-29", "2023-02-29", "2023-13-01", "2023-00-10", "2023-04-31T00:00:00.000", "2023-04-30T24:00:00",
		"2023-04-30T23:60:00", "2023-04-30T23:59:60", "2023-04-30T10:11", "2023-04-30 10:11", "2023-04-30T10:11:12.123456789",
		"2023-04-30T10:11:12.1234567891", "2023-04-30T10:11:12.", "2023-04-30T10:11:12,5", "2023-4-30", "2023-04-3x",
		"1899-12-31", "2023-04-30T10:11:12-05:00", "2023-04-30X10:11:12",
	} {
		var want time.Time
		wantOK := false
		for _, l := range layouts {
			if w, err := time.ParseInLocation(l, in, Bogota); err == nil {
				want, wantOK = w, true
				break
			}
		}
		got, ok := fastISO(in)
		if ok && (!wantOK || !got.Equal(want) || got.Location() != want.Location()) {
			t.Errorf("fastISO(%q) = %v; time.Parse gives %v (ok %v)", in, got, want, wantOK)
		}
		// Through Date, the result must be the layouts' whatever path is taken.
		d, err := Date(in)
		if wantOK && want.Year() >= 1900 && (err != nil || !d.Equal(want)) {
			t.Errorf("Date(%q) = %v, %v; want %v", in, d, err, want)
		}
		if !wantOK && err == nil {
			t.Errorf("Date(%q) = %v; want an error", in, d)
		}
	}
	if _, ok := fastISO("2025-01-04T00:00:00.000"); !ok {
		t.Error("the SODA form must take the fast path")
	}
}

// collapseSpaceRef is collapseSpace as first written (Fields and Join): the
// fast version must agree with it, since Clean's output feeds row hashes.
func collapseSpaceRef(v string) string {
	v = strings.TrimSpace(v)
	needs := false
	prevSpace := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		sp := c == ' ' || c == '\t' || c == '\n' || c == '\r'
		if sp && (prevSpace || c != ' ') {
			needs = true
			break
		}
		prevSpace = sp
	}
	if !needs && !isASCII(v) {
		for _, r := range v {
			if r != ' ' && unicode.IsSpace(r) {
				needs = true
				break
			}
		}
	}
	if !needs {
		return v
	}
	return strings.Join(strings.Fields(v), " ")
}

func TestCollapseSpace(t *testing.T) {
	cases := []string{"", " ", "a", " a  b ", "a\tb", "a\nb", "a\r\nb", "a\vb", "a\fb", "á\vb", "á\fb", "a\u00a0b",
		"a\u00a0\u00a0b", "a\u0085b", "a\u2003b", "a\u3000b", "a\u1680b", "ñ  b", "ñ b", "\xffa  b", "\xff\xc2", "a \u00a0 b",
		"Prestar  los servicios de\napoyo", "TECNOLOGÍAS   DE LA INFORMACIÓN", "é\u2028x", "x\u202fy", "x\u205fy"}
	for _, c := range cases {
		if got, want := collapseSpace(c), collapseSpaceRef(c); got != want {
			t.Errorf("collapseSpace(%q) = %q, want %q", c, got, want)
		}
	}
}

func FuzzCollapseSpace(f *testing.F) {
	f.Add("a  b\u00a0c\vd")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := collapseSpace(s), collapseSpaceRef(s); got != want {
			t.Errorf("collapseSpace(%q) = %q, want %q", s, got, want)
		}
	})
}

func TestIsNullCases(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
	}{{"No Definido", true}, {"N/D", true}, {"SIN DESCRIPCION", true}, {"Sin Descripción", true}, {"UNSPECIFIED", true},
		{"--", true}, {"  nd ", true}, {"Servicios", false}, {"NIT", false}, {"no definido todavía", false}, {"Ñ", false}} {
		if got := IsNull(c.in); got != c.want {
			t.Errorf("IsNull(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}
