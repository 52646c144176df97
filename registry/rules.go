package registry

import (
	_ "embed"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// nitWeights are DIAN's weights for the check digit, from the rightmost digit.
var nitWeights = [...]int{3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71}

// NITCheckDigit computes the DIAN check digit (dígito de verificación) of a
// NIT given without it. It returns -1 when nit is not 1 to 15 digits.
func NITCheckDigit(nit string) int {
	if len(nit) == 0 || len(nit) > len(nitWeights) {
		return -1
	}
	sum := 0
	for i := 0; i < len(nit); i++ {
		c := nit[len(nit)-1-i]
		if c < '0' || c > '9' {
			return -1
		}
		sum += int(c-'0') * nitWeights[i]
	}
	r := sum % 11
	if r >= 2 {
		return 11 - r
	}
	return r
}

// ParseNIT reads a NIT as people write it: "890.480.184-4", "8904801844" with
// hasDV, "890480184". It returns the NIT without check digit and the check
// digit. When a check digit is present (after '-' or because hasDV) it must
// be right. Without one, the computed digit is returned.
func ParseNIT(s string, hasDV bool) (nit string, dv int, err error) {
	s = strings.TrimSpace(s)
	s = strings.NewReplacer(".", "", " ", "", ",", "").Replace(s)
	given := -1
	if i := strings.IndexByte(s, '-'); i >= 0 {
		d := s[i+1:]
		s = s[:i]
		if len(d) != 1 || d[0] < '0' || d[0] > '9' {
			return "", 0, Invalid("nit", "check digit %q is not one digit", d)
		}
		given = int(d[0] - '0')
	} else if hasDV {
		if len(s) < 2 {
			return "", 0, Invalid("nit", "%q is too short to carry a check digit", s)
		}
		given = int(s[len(s)-1] - '0')
		s = s[:len(s)-1]
	}
	s = strings.TrimLeft(s, "0")
	if len(s) < 5 || len(s) > 15 || !allDigits(s) {
		return "", 0, Invalid("nit", "%q is not a NIT (5 to 15 digits)", s)
	}
	dv = NITCheckDigit(s)
	if given >= 0 && given != dv {
		return "", 0, Invalid("nit", "check digit of %s is %d, not %d", s, dv, given)
	}
	return s, dv, nil
}

// ValidNIT reports whether nit is a NIT without check digit.
func ValidNIT(nit string) bool {
	return len(nit) >= 5 && len(nit) <= 15 && allDigits(nit) && nit[0] != '0'
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ValidDepartmentCode reports whether code is a two-digit DIVIPOLA
// department code ("05" Antioquia, "11" Bogotá D.C.).
func ValidDepartmentCode(code string) bool { return len(code) == 2 && allDigits(code) && code != "00" }

// ValidMunicipalityCode reports whether code is a five-digit DIVIPOLA
// municipality code within its department (when dept is not empty).
func ValidMunicipalityCode(code, dept string) bool {
	if len(code) != 5 || !allDigits(code) || !ValidDepartmentCode(code[:2]) {
		return false
	}
	return dept == "" || code[:2] == dept
}

// ValidUNSPSC reports whether code is an eight-digit UNSPSC code.
func ValidUNSPSC(code string) bool { return len(code) == 8 && allDigits(code) }

// semverRE is semver.org's regular expression with an optional leading v.
var semverRE = regexp.MustCompile(`^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)

// Semver is a parsed semantic version.
type Semver struct {
	Major, Minor, Patch uint64
	Pre                 string
	Build               string
}

// ParseSemver parses a semantic version; a leading "v" is allowed.
func ParseSemver(s string) (Semver, bool) {
	m := semverRE.FindStringSubmatch(s)
	if m == nil {
		return Semver{}, false
	}
	var v Semver
	var err error
	if v.Major, err = strconv.ParseUint(m[1], 10, 64); err != nil {
		return Semver{}, false
	}
	if v.Minor, err = strconv.ParseUint(m[2], 10, 64); err != nil {
		return Semver{}, false
	}
	if v.Patch, err = strconv.ParseUint(m[3], 10, 64); err != nil {
		return Semver{}, false
	}
	v.Pre, v.Build = m[4], m[5]
	return v, true
}

// String renders the version without a leading v.
func (v Semver) String() string {
	s := strconv.FormatUint(v.Major, 10) + "." + strconv.FormatUint(v.Minor, 10) + "." + strconv.FormatUint(v.Patch, 10)
	if v.Pre != "" {
		s += "-" + v.Pre
	}
	if v.Build != "" {
		s += "+" + v.Build
	}
	return s
}

// Compare orders versions by semver precedence (build metadata ignored).
func (v Semver) Compare(w Semver) int {
	for _, p := range [][2]uint64{{v.Major, w.Major}, {v.Minor, w.Minor}, {v.Patch, w.Patch}} {
		if p[0] != p[1] {
			if p[0] < p[1] {
				return -1
			}
			return 1
		}
	}
	switch {
	case v.Pre == w.Pre:
		return 0
	case v.Pre == "":
		return 1
	case w.Pre == "":
		return -1
	}
	a, b := strings.Split(v.Pre, "."), strings.Split(w.Pre, ".")
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] == b[i] {
			continue
		}
		ai, aerr := strconv.ParseUint(a[i], 10, 64)
		bi, berr := strconv.ParseUint(b[i], 10, 64)
		switch {
		case aerr == nil && berr == nil:
			if ai < bi {
				return -1
			}
			return 1
		case aerr == nil:
			return -1
		case berr == nil:
			return 1
		case a[i] < b[i]:
			return -1
		default:
			return 1
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

//go:embed spdx_ids.txt
var spdxText string

var spdxOnce = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(spdxText, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m[strings.ToLower(line)] = line
	}
	return m
})

// ValidSPDXID reports whether id is an SPDX licence identifier of the
// embedded list (LicenseRef-… also accepted).
func ValidSPDXID(id string) bool {
	if strings.HasPrefix(id, "LicenseRef-") && len(id) > len("LicenseRef-") {
		return true
	}
	_, ok := spdxOnce()[strings.ToLower(id)]
	return ok
}

// ValidSPDXExpression reports whether expr is an SPDX licence expression:
// identifiers (optionally "+") joined by AND, OR and WITH, with parentheses.
func ValidSPDXExpression(expr string) bool {
	toks := strings.Fields(strings.NewReplacer("(", " ( ", ")", " ) ").Replace(expr))
	if len(toks) == 0 {
		return false
	}
	depth, wantID := 0, true
	for i, t := range toks {
		switch t {
		case "(":
			if !wantID {
				return false
			}
			depth++
		case ")":
			if wantID || depth == 0 {
				return false
			}
			depth--
		case "AND", "OR":
			if wantID {
				return false
			}
			wantID = true
		case "WITH":
			if wantID || i+1 >= len(toks) {
				return false
			}
			wantID = true
		default:
			if !wantID {
				return false
			}
			if !ValidSPDXID(strings.TrimSuffix(t, "+")) && !(i > 0 && toks[i-1] == "WITH") {
				return false
			}
			wantID = false
		}
	}
	return depth == 0 && !wantID
}
