package procurement

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/acervo-co/acervo/registry"
)

// Bogota is Colombia's time zone. Colombia has kept UTC−5 without daylight
// saving time since 1993, so a fixed zone is exact for every date SECOP
// publishes and needs no tzdata.
var Bogota = time.FixedZone("America/Bogota", -5*60*60)

// fold lower-cases s, folds its accents and trims it.
func fold(s string) string {
	s = strings.TrimSpace(s)
	if isASCII(s) {
		return strings.ToLower(s)
	}
	return registry.Fold(s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// nameKey folds s and keeps only letters and digits, separated by single
// spaces: "BOGOTÁ, D.C." → "bogota d c", "CoRDOBA" → "cordoba". It is the
// key of every vocabulary and place lookup.
func nameKey(s string) string {
	b := make([]byte, 0, len(s))
	space := false
	for i := 0; i < len(s); {
		c := s[i]
		var out byte
		if c < utf8.RuneSelf {
			i++
			switch {
			case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
				out = c
			case c >= 'A' && c <= 'Z':
				out = c + 'a' - 'A'
			}
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			if f, ok := foldRune[r]; ok {
				out = f
			} else if unicode.IsLetter(r) || unicode.IsDigit(r) {
				if space && len(b) > 0 {
					b = append(b, ' ')
				}
				space = false
				b = utf8.AppendRune(b, unicode.ToLower(r))
				continue
			}
		}
		if out == 0 {
			space = true
			continue
		}
		if space && len(b) > 0 {
			b = append(b, ' ')
		}
		space = false
		b = append(b, out)
	}
	return string(b)
}

// foldRune folds the accented letters of Spanish and its neighbours.
var foldRune = func() map[rune]byte {
	m := map[rune]byte{}
	for _, p := range []struct {
		from string
		to   byte
	}{{"áàâäãÁÀÂÄÃ", 'a'}, {"éèêëÉÈÊË", 'e'}, {"íìîïÍÌÎÏ", 'i'}, {"óòôöõÓÒÔÖÕ", 'o'}, {"úùûüÚÙÛÜ", 'u'},
		{"ñÑ", 'n'}, {"çÇ", 'c'}} {
		for _, r := range p.from {
			m[r] = p.to
		}
	}
	return m
}()

// nullSentinels are the values CCE publishes for "no value", folded.
var nullSentinels = map[string]bool{
	"": true, "-": true, "--": true, "no definido": true, "no d": true, "n/d": true, "nd": true,
	"sin descripcion": true, "no aplica": true, "n/a": true, "na": true, "no adjudicado": true,
	"sin adjudicar": true, "unspecified": true, "no provisto": true, "no informado": true,
	"null": true, "none": true, "no especificado": true, "sin definir": true, "no reporta": true,
}

// IsNull reports whether v is one of CCE's "no value" sentinels
// ("No Definido", "N/D", "Sin Descripcion", "UNSPECIFIED", …) or blank.
func IsNull(v string) bool {
	v = strings.TrimSpace(v)
	if v == "" {
		return true
	}
	if len(v) > 20 {
		return false
	}
	switch v[0] {
	case 'n', 'N', 's', 'S', 'u', 'U', '-':
		var buf [20]byte
		for i := 0; i < len(v); i++ {
			c := v[i]
			if c >= utf8.RuneSelf {
				return nullSentinels[fold(v)]
			}
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf[i] = c
		}
		return nullSentinels[string(buf[:len(v)])]
	}
	return false
}

// Clean trims v, collapses runs of white space (new lines included) into one
// space and turns null sentinels into "".
func Clean(v string) string {
	if IsNull(v) {
		return ""
	}
	if strings.IndexByte(v, 0xc2) >= 0 {
		v = fixC1(v)
	}
	return collapseSpace(v)
}

// cp1252 is what the C1 control characters (U+0080…U+009F) stood for in
// the Windows-1252 text they were decoded from as Latin-1: SECOP I's
// descriptions carry them ("LOGISDOC \u0096 LOGISTICA" for an en dash).
// The five codes Windows-1252 leaves undefined map to nothing.
var cp1252 = [32]string{
	"€", "", "‚", "ƒ", "„", "…", "†", "‡", "ˆ", "‰", "Š", "‹", "Œ", "", "Ž", "",
	"", "‘", "’", "“", "”", "•", "–", "—", "˜", "™", "š", "›", "œ", "", "ž", "Ÿ",
}

// fixC1 replaces the C1 control characters of v with their Windows-1252
// meaning.
func fixC1(v string) string {
	var b strings.Builder
	last := 0
	for i := 0; i+1 < len(v); i++ {
		if v[i] == 0xc2 && v[i+1] >= 0x80 && v[i+1] <= 0x9f {
			if b.Len() == 0 {
				b.Grow(len(v) + 8)
			}
			b.WriteString(v[last:i])
			b.WriteString(cp1252[v[i+1]-0x80])
			i++
			last = i + 1
		}
	}
	if last == 0 {
		return v
	}
	b.WriteString(v[last:])
	return b.String()
}

func collapseSpace(v string) string {
	v = strings.TrimSpace(v)
	// One pass decides whether anything must change: a run of spaces, a
	// tab or line break, or (in a string that is not ASCII) a vertical tab,
	// form feed or Unicode space. Only the lead bytes of Unicode spaces
	// (U+0085, U+00A0, U+1680, U+2000…U+3000) are decoded.
	needs, nonASCII, vf := false, false, false
	prevSpace := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c >= utf8.RuneSelf {
			nonASCII = true
			prevSpace = false
			if c == 0xc2 || c == 0xe1 || c == 0xe2 || c == 0xe3 {
				if r, _ := utf8.DecodeRuneInString(v[i:]); unicode.IsSpace(r) {
					vf = true
				}
			}
			continue
		}
		sp := c == ' ' || c == '\t' || c == '\n' || c == '\r'
		if sp && (prevSpace || c != ' ') {
			needs = true
			break
		}
		if c == '\v' || c == '\f' {
			vf = true
		}
		prevSpace = sp
	}
	if !needs && !(vf && nonASCII) {
		return v
	}
	// The same as strings.Join(strings.Fields(v), " "), in one pass.
	b := make([]byte, 0, len(v))
	space := false
	for i := 0; i < len(v); {
		c := v[i]
		size := 1
		isSpace := false
		if c < utf8.RuneSelf {
			isSpace = c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(v[i:])
			isSpace = unicode.IsSpace(r)
		}
		if isSpace {
			space = true
		} else {
			if space && len(b) > 0 {
				b = append(b, ' ')
			}
			space = false
			b = append(b, v[i:i+size]...)
		}
		i += size
	}
	return string(b)
}

// ErrScientific reports a number a spreadsheet turned into scientific
// notation ("2,02E+12"): its digits are lost and cannot be recovered.
var ErrScientific = errors.New("number in scientific notation (spreadsheet damage): its digits are lost")

// NIT normalises an entity's NIT as SECOP publishes it: "899999027",
// "8999990619" (NIT and check digit glued), "890981115-6", "890.480.184-4",
// "890982294- 0", "890.480.184,00" (after a Spanish spreadsheet). It returns
// the NIT without check digit, the check digit (-1 when unknown) and whether
// a published check digit was wrong (the NIT is kept: SECOP's column is the
// NIT, the suffix is an extra). Ten digits starting with 1 are a cédula, not
// NIT+DV. A null sentinel gives "".
func NIT(raw string) (nit string, dv int, dvMismatch bool, err error) {
	s := strings.TrimSpace(raw)
	if IsNull(s) {
		return "", -1, false, nil
	}
	if hasExponent(s) {
		return "", -1, false, ErrScientific
	}
	s = dropSpreadsheetDecimals(s)
	base, suffix, hyphen := cutLast(s, "-")
	digits := keepDigits(base)
	if digits == "" || strings.IndexFunc(base, func(r rune) bool {
		return !(r >= '0' && r <= '9') && r != '.' && r != ' ' && r != ','
	}) >= 0 {
		return "", -1, false, fmt.Errorf("%q is not a NIT", raw)
	}
	digits = strings.TrimLeft(digits, "0")
	if len(digits) < 5 || len(digits) > 15 {
		return "", -1, false, fmt.Errorf("%q is not a NIT (5 to 15 digits)", raw)
	}
	if hyphen {
		suffix = strings.TrimSpace(suffix)
		want := registry.NITCheckDigit(digits)
		if len(suffix) == 1 && suffix[0] >= '0' && suffix[0] <= '9' {
			if int(suffix[0]-'0') == want {
				return digits, want, false, nil
			}
			return digits, want, true, nil
		}
		return "", -1, false, fmt.Errorf("%q: check digit %q is not one digit", raw, suffix)
	}
	if len(digits) == 10 && (digits[0] == '8' || digits[0] == '9') {
		if d := registry.NITCheckDigit(digits[:9]); d == int(digits[9]-'0') {
			return digits[:9], d, false, nil
		}
	}
	return digits, registry.NITCheckDigit(digits), false, nil
}

// SplitNIT reads a NIT given with or without its check digit, for look-ups:
// it returns the candidates to try, the exact digits first.
func SplitNIT(s string) []string {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "-") {
		if n, _, err := registry.ParseNIT(s, false); err == nil {
			return []string{n}
		}
		base, _, _ := cutLast(s, "-")
		return []string{strings.TrimLeft(keepDigits(base), "0")}
	}
	d := strings.TrimLeft(keepDigits(dropSpreadsheetDecimals(s)), "0")
	if d == "" {
		return nil
	}
	out := []string{d}
	if len(d) >= 6 && registry.NITCheckDigit(d[:len(d)-1]) == int(d[len(d)-1]-'0') {
		out = append(out, d[:len(d)-1])
	}
	return out
}

// Document types of suppliers and legal representatives.
const (
	DocNIT          = "NIT"
	DocCC           = "CC" // cédula de ciudadanía
	DocCE           = "CE" // cédula de extranjería
	DocPassport     = "PA" // pasaporte
	DocTI           = "TI" // tarjeta de identidad
	DocForeignNIT   = "NIT_EXTRANJERIA"
	DocForeignCo    = "SOCIEDAD_EXTRANJERA"
	DocDiplomatic   = "CARNE_DIPLOMATICO"
	DocTrust        = "FIDEICOMISO"
	DocOther        = "OTRO"
	docNaturalNIT   = "NIT_PERSONA_NATURAL" // internal: a NIT that belongs to a person
	docUnknownEmpty = ""
)

// DocType normalises a published document type; natural reports whether it
// belongs to a natural person (and known whether the type says so at all).
func DocType(raw string) (typ string, natural, known bool) {
	k := nameKey(raw)
	switch {
	case k == "" || IsNull(raw):
		return docUnknownEmpty, false, false
	case k == "nit" || strings.Contains(k, "persona juridica") || k == "nit de persona juridica":
		return DocNIT, false, true
	case strings.Contains(k, "persona natural"):
		return DocNIT, true, true
	case strings.Contains(k, "cedula de ciudadania") || k == "cc" || k == "c c":
		return DocCC, true, true
	case strings.Contains(k, "cedula de extranjeria") || k == "ce":
		return DocCE, true, true
	case strings.Contains(k, "pasaporte") || k == "pa" || k == "pp":
		return DocPassport, true, true
	case strings.Contains(k, "tarjeta de identidad") || k == "ti":
		return DocTI, true, true
	case strings.Contains(k, "nit de extranjeria"):
		return DocForeignNIT, false, true
	case strings.Contains(k, "sociedad") && strings.Contains(k, "extranjer"):
		return DocForeignCo, false, true
	case strings.Contains(k, "diplomatic"):
		return DocDiplomatic, true, true
	case strings.Contains(k, "fideicomiso"):
		return DocTrust, false, true
	}
	return DocOther, false, false
}

// Party builds a supplier or representative: the document is cleaned (a
// NIT's glued check digit stripped when it verifies; a cédula kept as is)
// and NaturalPerson is set from the document type, or, when the type is
// unknown, from the number's shape: anything but a company NIT (nine digits
// starting with 8 or 9, or those and a verifying check digit) is taken as a
// person's, so that it is masked for anonymous readers.
func Party(docTypeRaw, docRaw, name string) (registry.Party, error) {
	p := registry.Party{Name: Clean(name)}
	typ, natural, known := DocType(docTypeRaw)
	doc := strings.TrimSpace(docRaw)
	if IsNull(doc) {
		doc = ""
	}
	if hasExponent(doc) {
		return p, ErrScientific
	}
	if doc != "" {
		doc = dropSpreadsheetDecimals(doc)
		doc = strings.TrimRight(doc, ".,;- ")
		if typ == DocNIT || typ == docUnknownEmpty || typ == DocOther {
			if n, _, _, err := NIT(doc); err == nil && n != "" {
				doc = n
			} else if d := keepDigits(doc); d != "" && onlyDigitsAndSeparators(doc) {
				doc = d
			}
		} else if onlyDigitsAndSeparators(doc) {
			doc = strings.TrimLeft(keepDigits(doc), "0")
		}
		doc = collapseSpace(doc)
	}
	p.DocType = typ
	p.DocNumber = doc
	switch {
	case known:
		p.NaturalPerson = natural
	case doc == "":
		p.NaturalPerson = false
	default:
		p.NaturalPerson = !looksLikeCompanyNIT(doc)
	}
	if p.DocType == docUnknownEmpty && doc != "" && !p.NaturalPerson {
		p.DocType = DocNIT
	}
	return p, nil
}

func looksLikeCompanyNIT(d string) bool {
	if !allDigits(d) {
		return false
	}
	return len(d) == 9 && (d[0] == '8' || d[0] == '9')
}

func onlyDigitsAndSeparators(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == ' ' || c == ',' || c == '-') {
			return false
		}
	}
	return true
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

func keepDigits(s string) string {
	if allDigits(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

func hasExponent(s string) bool {
	i := strings.IndexAny(s, "eE")
	if i <= 0 || i == len(s)-1 {
		return false
	}
	// digits (with separators) before, [+-]digits after
	for _, c := range s[:i] {
		if !(c >= '0' && c <= '9' || c == ',' || c == '.' || c == ' ' || c == '-') {
			return false
		}
	}
	rest := s[i+1:]
	if rest[0] == '+' || rest[0] == '-' {
		rest = rest[1:]
	}
	return allDigits(rest)
}

// dropSpreadsheetDecimals removes the zero decimals a spreadsheet adds to an
// identifier: "890.480.184,00" → "890.480.184", "900143276.0" → "900143276".
func dropSpreadsheetDecimals(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, ','); i >= 0 && i < len(s)-1 && strings.Trim(s[i+1:], "0") == "" {
		return s[:i]
	}
	if i := strings.LastIndexByte(s, '.'); i >= 0 && i < len(s)-1 && len(s)-i-1 <= 2 &&
		strings.Trim(s[i+1:], "0") == "" && allDigits(s[:i]) {
		return s[:i]
	}
	return s
}

// Money reads an amount of Colombian pesos and rounds it to whole pesos:
// "3080250", "130432400.0", "$ 31.500.000,00", "31,500,000.50",
// "$31.500.000". Scientific notation is refused (ErrScientific), and so is
// anything that is not a number. A null sentinel gives 0, false.
func Money(raw string) (pesos int64, ok bool, err error) {
	s := strings.TrimSpace(raw)
	if IsNull(s) {
		return 0, false, nil
	}
	s = strings.TrimPrefix(strings.TrimSpace(strings.TrimSuffix(s, "COP")), "COP")
	s = strings.ReplaceAll(s, "$", "")
	s = strings.ReplaceAll(s, " ", "")
	s = strings.ReplaceAll(s, "\u00a0", "")
	neg := false
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		neg, s = true, s[1:len(s)-1]
	}
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	if s == "" {
		return 0, false, fmt.Errorf("%q is not an amount", raw)
	}
	if hasExponent(s) {
		return 0, false, ErrScientific
	}
	intPart, frac, err := splitDecimal(s)
	if err != nil {
		return 0, false, fmt.Errorf("%q is not an amount: %v", raw, err)
	}
	if len(intPart) > 18 {
		return 0, false, fmt.Errorf("%q is too large", raw)
	}
	v, err := strconv.ParseInt("0"+intPart, 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("%q is not an amount", raw)
	}
	if frac != "" && frac[0] >= '5' {
		if v == math.MaxInt64 {
			return 0, false, fmt.Errorf("%q is too large", raw)
		}
		v++
	}
	if neg {
		v = -v
	}
	return v, true, nil
}

// splitDecimal separates integer digits and decimals of a number written with
// any of the usual conventions.
func splitDecimal(s string) (intPart, frac string, err error) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == ',' || c == '\'') {
			return "", "", fmt.Errorf("unexpected %q", c)
		}
	}
	s = strings.ReplaceAll(s, "'", "")
	dots, commas := strings.Count(s, "."), strings.Count(s, ",")
	var dec byte
	switch {
	case dots > 0 && commas > 0:
		if strings.LastIndexByte(s, ',') > strings.LastIndexByte(s, '.') {
			dec = ','
		} else {
			dec = '.'
		}
	case commas == 1:
		if len(s)-strings.IndexByte(s, ',')-1 == 3 {
			dec = 0 // 1,500 — thousands
		} else {
			dec = ','
		}
	case dots == 1:
		if i := strings.IndexByte(s, '.'); len(s)-i-1 == 3 && i > 0 && i <= 3 && s[0] != '0' {
			dec = 0 // 1.500 (es-CO thousands): SODA never writes three decimals of pesos
		} else {
			dec = '.'
		}
	default:
		dec = 0 // several separators of one kind: thousands
	}
	if dec != 0 {
		i := strings.LastIndexByte(s, dec)
		intPart, frac = s[:i], s[i+1:]
	} else {
		intPart = s
	}
	if strings.ContainsAny(intPart, ".,") {
		b := make([]byte, 0, len(intPart))
		for i := 0; i < len(intPart); i++ {
			if c := intPart[i]; c != '.' && c != ',' {
				b = append(b, c)
			}
		}
		intPart = string(b)
	}
	if strings.ContainsAny(frac, ".,") {
		return "", "", errors.New("misplaced separator")
	}
	if intPart == "" && frac == "" {
		return "", "", errors.New("no digits")
	}
	return intPart, frac, nil
}

var spanishMonths = map[string]time.Month{
	"ene": 1, "feb": 2, "mar": 3, "abr": 4, "may": 5, "jun": 6, "jul": 7, "ago": 8, "sep": 9, "sept": 9,
	"set": 9, "oct": 10, "nov": 11, "dic": 12,
	"jan": 1, "apr": 4, "aug": 8, "dec": 12,
	"enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8,
	"septiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
}

// Date reads a date or timestamp as SECOP publishes it and places it in
// Bogotá: SODA's floating "2023-09-18T00:00:00.000" (a trailing Z, which
// some extracts add to the same wall-clock value, is ignored: these are
// local dates), "2023-09-18", the portal's "01/19/2022" and
// "01/19/2022 03:04:05 PM" (month first; day first only when the first
// number cannot be a month), and a Spanish spreadsheet's
// "2023 ago 09 12:00:00 AM". A null sentinel gives nil.
func Date(raw string) (*time.Time, error) {
	s := strings.TrimSpace(raw)
	if IsNull(s) {
		return nil, nil
	}
	t, err := parseDate(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not a date", raw)
	}
	if t.Year() < 1900 || t.Year() > 2200 {
		return nil, fmt.Errorf("%q is out of range", raw)
	}
	return &t, nil
}

func parseDate(s string) (time.Time, error) {
	// ISO forms.
	if len(s) >= 10 && s[4] == '-' && s[7] == '-' {
		core := strings.TrimSuffix(s, "Z")
		if i := strings.IndexAny(core[10:], "+"); i >= 0 {
			core = core[:10+i]
		}
		if t, ok := fastISO(core); ok {
			return t, nil
		}
		for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05", "2006-01-02 15:04:05.999999999", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02"} {
			if t, err := time.ParseInLocation(layout, core, Bogota); err == nil {
				return t, nil
			}
		}
		return time.Time{}, errors.New("bad ISO date")
	}
	f := strings.Fields(s)
	// "2023 ago 09 12:00:00 AM"
	if len(f) >= 3 && len(f[0]) == 4 && allDigits(f[0]) {
		if m, ok := spanishMonths[strings.TrimSuffix(fold(f[1]), ".")]; ok {
			y, _ := strconv.Atoi(f[0])
			d, err := strconv.Atoi(f[2])
			if err != nil || d < 1 || d > 31 {
				return time.Time{}, errors.New("bad day")
			}
			h, mi, sec, err := clock(f[3:])
			if err != nil {
				return time.Time{}, err
			}
			return validDate(y, m, d, h, mi, sec)
		}
	}
	// "01/19/2022", "9/07/2022 12:00:00 AM", "19-01-2022"
	if len(f) >= 1 {
		sep := "/"
		if !strings.Contains(f[0], "/") {
			sep = "-"
		}
		p := strings.Split(f[0], sep)
		if len(p) == 3 && allDigits(p[0]) && allDigits(p[1]) && allDigits(p[2]) && len(p[2]) == 4 {
			a, _ := strconv.Atoi(p[0])
			b, _ := strconv.Atoi(p[1])
			y, _ := strconv.Atoi(p[2])
			m, d := a, b
			if a > 12 && b <= 12 {
				m, d = b, a
			}
			h, mi, sec, err := clock(f[1:])
			if err != nil {
				return time.Time{}, err
			}
			return validDate(y, time.Month(m), d, h, mi, sec)
		}
	}
	return time.Time{}, errors.New("unknown date format")
}

// fastISO reads the ISO forms SODA writes ("2006-01-02T15:04:05.000",
// "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04",
// "2006-01-02") without time.Parse; ok=false leaves anything else (or
// anything out of range) to the layouts.
func fastISO(s string) (time.Time, bool) {
	num := func(a, b int) (int, bool) {
		v := 0
		for i := a; i < b; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	if len(s) < 10 {
		return time.Time{}, false
	}
	y, ok1 := num(0, 4)
	mo, ok2 := num(5, 7)
	d, ok3 := num(8, 10)
	if !ok1 || !ok2 || !ok3 {
		return time.Time{}, false
	}
	var h, mi, sec, ns int
	switch {
	case len(s) == 10:
	case len(s) == 16 && s[10] == 'T' && s[13] == ':':
		var ok4, ok5 bool
		h, ok4 = num(11, 13)
		mi, ok5 = num(14, 16)
		if !ok4 || !ok5 {
			return time.Time{}, false
		}
	case len(s) >= 19 && (s[10] == 'T' || s[10] == ' ') && s[13] == ':' && s[16] == ':':
		var ok4, ok5, ok6 bool
		h, ok4 = num(11, 13)
		mi, ok5 = num(14, 16)
		sec, ok6 = num(17, 19)
		if !ok4 || !ok5 || !ok6 {
			return time.Time{}, false
		}
		if len(s) > 19 {
			frac := len(s) - 20
			if s[19] != '.' || frac < 1 || frac > 9 {
				return time.Time{}, false
			}
			f, ok := num(20, len(s))
			if !ok {
				return time.Time{}, false
			}
			for range 9 - frac {
				f *= 10
			}
			ns = f
		}
	default:
		return time.Time{}, false
	}
	if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, ns, Bogota)
	if t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

func validDate(y int, m time.Month, d, h, mi, sec int) (time.Time, error) {
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, errors.New("bad date")
	}
	t := time.Date(y, m, d, h, mi, sec, 0, Bogota)
	if t.Day() != d {
		return time.Time{}, errors.New("no such day")
	}
	return t, nil
}

// clock reads "12:00:00 AM", "15:04", "3:04:05 p. m." from fields.
func clock(f []string) (h, m, s int, err error) {
	if len(f) == 0 {
		return 0, 0, 0, nil
	}
	parts := strings.Split(f[0], ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, 0, errors.New("bad time")
	}
	vals := make([]int, 3)
	for i, p := range parts {
		p = strings.SplitN(p, ".", 2)[0]
		v, err := strconv.Atoi(p)
		if err != nil {
			return 0, 0, 0, errors.New("bad time")
		}
		vals[i] = v
	}
	h, m, s = vals[0], vals[1], vals[2]
	ampm := strings.ReplaceAll(strings.ReplaceAll(fold(strings.Join(f[1:], "")), ".", ""), " ", "")
	switch ampm {
	case "":
	case "am":
		if h == 12 {
			h = 0
		}
	case "pm":
		if h < 12 {
			h += 12
		}
	default:
		return 0, 0, 0, errors.New("bad time")
	}
	if h > 23 || m > 59 || s > 59 {
		return 0, 0, 0, errors.New("bad time")
	}
	return h, m, s, nil
}

// UNSPSCCode is an eight-digit UNSPSC code with its hierarchy.
type UNSPSCCode struct {
	Code    string // 81112200
	Segment string // 81000000
	Family  string // 81110000
	Class   string // 81112200
}

// ParseUNSPSC reads a code as SECOP II ("V1.81112200"), OCDS ("81112200"),
// SECOP I (class "811122", family "8111") or a spreadsheet ("81112200.0")
// write it, padding class and family to eight digits. A null sentinel
// ("UNSPECIFIED") gives ok=false and no error.
func ParseUNSPSC(raw string) (c UNSPSCCode, ok bool, err error) {
	s := strings.TrimSpace(raw)
	if IsNull(s) {
		return c, false, nil
	}
	s = strings.TrimPrefix(strings.TrimPrefix(strings.ToUpper(s), "V1."), "V1")
	s = dropSpreadsheetDecimals(s)
	if hasExponent(s) {
		return c, false, ErrScientific
	}
	if !allDigits(s) {
		return c, false, fmt.Errorf("%q is not a UNSPSC code", raw)
	}
	switch len(s) {
	case 2, 4, 6:
		s += strings.Repeat("0", 8-len(s))
	case 8:
	default:
		return c, false, fmt.Errorf("%q is not a UNSPSC code (2, 4, 6 or 8 digits)", raw)
	}
	return UNSPSCCode{Code: s, Segment: s[:2] + "000000", Family: s[:4] + "0000", Class: s[:6] + "00"}, true, nil
}

// UNSPSCList reads every code of a list such as categorias_adicionales
// ("V1.43231500, V1.81112200" or "No definido").
func UNSPSCList(raw string) []string {
	if IsNull(raw) {
		return nil
	}
	var out []string
	for _, tok := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '|' || r == '\n' }) {
		if c, ok, err := ParseUNSPSC(tok); ok && err == nil {
			out = append(out, c.Code)
		}
	}
	return out
}

// Orden normalises the published orden of an entity: "Territorial",
// "TERRITORIAL DISTRITAL MUNICIPAL NIVEL 6", "DISTRITO CAPITAL" →
// TERRITORIAL; "Nacional", "NACIONAL CENTRALIZADO" → NACIONAL. "Corporación
// Autónoma" gives "": an autonomous regional corporation is neither (its
// rama says what it is).
func Orden(raw string) string {
	k := nameKey(raw)
	switch {
	case k == "" || IsNull(raw):
		return ""
	case strings.HasPrefix(k, "nacional"):
		return registry.OrdenNacional
	case strings.HasPrefix(k, "territorial"), strings.HasPrefix(k, "distrit"), strings.HasPrefix(k, "departamental"),
		strings.HasPrefix(k, "municipal"):
		return registry.OrdenTerritorial
	}
	return ""
}

// sectors maps folded published spellings to the canonical sector names.
var sectors = func() map[string]string {
	canon := []string{
		"Agricultura y Desarrollo Rural", "Ambiente y Desarrollo Sostenible", "Ciencia, Tecnología e Innovación",
		"Comercio, Industria y Turismo", "Cultura", "Defensa", "Deporte", "Educación Nacional",
		"Hacienda y Crédito Público", "Inclusión Social y Reconciliación", "Información Estadística",
		"Inteligencia Estratégica y Contrainteligencia", "Interior", "Justicia y del Derecho", "Minas y Energía",
		"Planeación", "Presidencia de la República", "Relaciones Exteriores", "Salud y Protección Social",
		"Servicio Público", "Tecnologías de la Información y las Comunicaciones", "Trabajo", "Transporte",
		"Vivienda, Ciudad y Territorio", "Función Pública", "Igualdad y Equidad", "Órganos de Control",
		"Rama Judicial", "Registraduría", "Organización Electoral",
	}
	m := map[string]string{}
	for _, c := range canon {
		m[nameKey(c)] = c
	}
	alias := map[string]string{
		"agricultura": "Agricultura y Desarrollo Rural", "ambiente": "Ambiente y Desarrollo Sostenible",
		"ciencia tecnologia": "Ciencia, Tecnología e Innovación", "ciencia y tecnologia": "Ciencia, Tecnología e Innovación",
		"industria": "Comercio, Industria y Turismo", "comercio industria y turismo": "Comercio, Industria y Turismo",
		"deportes": "Deporte", "educacion": "Educación Nacional", "hacienda": "Hacienda y Crédito Público",
		"hacienda y credito publico": "Hacienda y Crédito Público", "ley de justicia": "Justicia y del Derecho",
		"justicia": "Justicia y del Derecho", "minas": "Minas y Energía", "salud": "Salud y Protección Social",
		"salud y proteccion social": "Salud y Protección Social", "tic": "Tecnologías de la Información y las Comunicaciones",
		"tecnologias de la informacion y las comunicaciones": "Tecnologías de la Información y las Comunicaciones",
		"vivienda": "Vivienda, Ciudad y Territorio", "inclusion social": "Inclusión Social y Reconciliación",
		"presidencia": "Presidencia de la República", "interior": "Interior", "defensa": "Defensa",
		"trabajo": "Trabajo", "cultura": "Cultura", "transporte": "Transporte", "planeacion": "Planeación",
		"relaciones exteriores": "Relaciones Exteriores", "estadistica": "Información Estadística",
	}
	for k, v := range alias {
		m[k] = v
	}
	return m
}()

// Sector normalises a published sector: "defensa" → "Defensa", "Ley de
// Justicia" → "Justicia y del Derecho"; "No aplica/No pertenece" → "".
// Unknown sectors are kept, cleaned.
func Sector(raw string) string {
	k := nameKey(raw)
	if k == "" || IsNull(raw) || strings.HasPrefix(k, "no aplica") || strings.HasPrefix(k, "no pertenece") {
		return ""
	}
	if c, ok := sectors[k]; ok {
		return c
	}
	return collapseSpace(raw)
}

// Rama normalises the branch of the State: Ejecutivo, Legislativo, Judicial,
// Órganos de control, Organización electoral, Corporación autónoma.
func Rama(raw string) string {
	k := nameKey(raw)
	switch {
	case k == "" || IsNull(raw):
		return ""
	case strings.HasPrefix(k, "ejecutiv"):
		return "Ejecutivo"
	case strings.HasPrefix(k, "legislativ"):
		return "Legislativo"
	case strings.HasPrefix(k, "judicial"):
		return "Judicial"
	case strings.Contains(k, "control"):
		return "Órganos de control"
	case strings.Contains(k, "electoral"):
		return "Organización electoral"
	case strings.Contains(k, "autonom"):
		return "Corporación autónoma"
	}
	return collapseSpace(raw)
}

// statuses maps folded contract and process states to one spelling.
var statuses = map[string]string{
	"en ejecucion": "En ejecución", "modificado": "Modificado", "cerrado": "Cerrado", "terminado": "Terminado",
	"aprobado": "Aprobado", "cedido": "Cedido", "suspendido": "Suspendido", "borrador": "Borrador",
	"activo": "Activo", "prorrogado": "Prorrogado", "cancelado": "Cancelado", "enviado proveedor": "Enviado proveedor",
	"en aprobacion": "En aprobación", "liquidado": "Liquidado", "celebrado": "Celebrado", "convocado": "Convocado",
	"adjudicado": "Adjudicado", "emitida": "Emitida", "aceptada": "Aceptada", "cancelada": "Cancelada",
	"publicado": "Publicado", "seleccionado": "Seleccionado", "evaluacion": "Evaluación",
	"terminado sin liquidar": "Terminado sin liquidar", "firmado": "Firmado",
	"desierto": "Desierto", "declarado desierto": "Declarado desierto", "descartado": "Descartado",
	"anulado": "Anulado", "anulada": "Anulada",
	"terminado anormalmente despues de convocado": "Terminado anormalmente después de convocado",
}

// Status normalises a state's case and accents ("terminado" → "Terminado",
// "CELEBRADO" → "Celebrado"); unknown states are kept, cleaned.
func Status(raw string) string {
	if IsNull(raw) {
		return ""
	}
	if s, ok := statuses[nameKey(raw)]; ok {
		return s
	}
	return collapseSpace(raw)
}

// modalities maps folded modality spellings (SECOP I mangled, SECOP II,
// internal codes) to one label.
var modalities = map[string]string{
	"contratacion directa":                                           "Contratación directa",
	"contratacion directa ley 1150 de 2007":                          "Contratación directa",
	"contratacion directa con ofertas":                               "Contratación directa (con ofertas)",
	"contratacion directa menor cuantia":                             "Contratación directa menor cuantía",
	"contratacion regimen especial":                                  "Contratación régimen especial",
	"contratacion regimen especial con ofertas":                      "Contratación régimen especial (con ofertas)",
	"regimen especial":                                               "Contratación régimen especial",
	"minima cuantia":                                                 "Mínima cuantía",
	"contratacion minima cuantia":                                    "Mínima cuantía",
	"seleccion abreviada subasta inversa":                            "Selección abreviada subasta inversa",
	"subasta":                                                        "Selección abreviada subasta inversa",
	"seleccion abreviada de menor cuantia":                           "Selección abreviada de menor cuantía",
	"seleccion abreviada de menor cuantia ley 1150 de 2007":          "Selección abreviada de menor cuantía",
	"seleccion abreviada menor cuantia sin manifestacion interes":    "Selección abreviada de menor cuantía",
	"seleccion abreviada servicios de salud":                         "Selección abreviada servicios de salud",
	"licitacion publica":                                             "Licitación pública",
	"licitacion publica obra publica":                                "Licitación pública obra pública",
	"licitacion obra publica":                                        "Licitación pública obra pública",
	"licitacion publica acuerdo marco de precios":                    "Licitación pública acuerdo marco de precios",
	"concurso de meritos abierto":                                    "Concurso de méritos abierto",
	"concurso de meritos con lista corta":                            "Concurso de méritos con lista corta",
	"cce 20 concurso meritos sin lista corta 1sobre":                 "Concurso de méritos abierto",
	"cce 19 concurso meritos con lista corta 1sobre":                 "Concurso de méritos con lista corta",
	"contratos y convenios con mas de dos partes":                    "Contratos y convenios con más de dos partes",
	"solicitud de informacion a los proveedores":                     "Solicitud de información a los proveedores",
	"enajenacion de bienes con subasta":                              "Enajenación de bienes con subasta",
	"enajenacion de bienes con sobre cerrado":                        "Enajenación de bienes con sobre cerrado",
	"asociacion publico privada":                                     "Asociación público privada",
	"iniciativa privada sin recursos publicos":                       "Iniciativa privada sin recursos públicos",
	"seleccion abreviada del literal h del numeral 2 del articulo 2": "Selección abreviada literal h",
}

// Modality normalises a modality of contracting; unknown ones are kept,
// cleaned.
func Modality(raw string) string {
	if IsNull(raw) {
		return ""
	}
	if s, ok := modalities[nameKey(raw)]; ok {
		return s
	}
	return collapseSpace(raw)
}

// contractTypes maps folded contract-type spellings and leaked internal
// codes to one label.
var contractTypes = map[string]string{
	"prestacion de servicios": "Prestación de servicios", "compraventa": "Compraventa", "suministros": "Suministro",
	"suministro": "Suministro", "otro": "Otro", "otro tipo de contrato": "Otro", "decreto 092 de 2017": "Decreto 092 de 2017",
	"decree092 2017": "Decreto 092 de 2017", "decreelaw092 2017": "Decreto 092 de 2017",
	"arrendamiento de inmuebles": "Arrendamiento de inmuebles", "arrendamiento de muebles": "Arrendamiento de muebles",
	"arrendamiento": "Arrendamiento", "obra": "Obra", "consultoria": "Consultoría", "interventoria": "Interventoría",
	"comodato": "Comodato", "servicios financieros": "Servicios financieros", "seguros": "Seguros", "concesion": "Concesión",
	"emprestito": "Empréstito", "operaciones de credito publico": "Operaciones de crédito público", "credito": "Crédito",
	"servicios de aprovisionamiento": "Servicios de aprovisionamiento", "alquiler de edificios": "Alquiler de edificios",
	"27 otros servicios": "Otros servicios", "acuerdo marco": "Acuerdo marco de precios",
	"acuerdo marco de precios": "Acuerdo marco de precios", "fiducia": "Fiducia",
	"serviciosprofesionales": "Prestación de servicios", "prestamodeuso": "Comodato",
	"contratosconveniosinteradministrativosconvalor": "Interadministrativo",
}

// ContractType normalises a contract type; unknown ones are kept, cleaned.
func ContractType(raw string) string {
	if IsNull(raw) {
		return ""
	}
	if s, ok := contractTypes[nameKey(raw)]; ok {
		return s
	}
	return collapseSpace(raw)
}
