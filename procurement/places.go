package procurement

import (
	"strings"
)

// Gazetteer turns department and municipality names, in every spelling SECOP
// and DANE publish ("Distrito Capital de Bogotá", "BOGOTa D.C.", "BOGOTÁ,
// D.C.", "CoRDOBA", "San Andrés, Providencia y Santa Catalina"), into
// DIVIPOLA codes: two digits for a department, five for a municipality.
type Gazetteer struct {
	deptByKey  map[string]string            // folded name → "05"
	deptName   map[string]string            // "05" → ANTIOQUIA
	mpioByDept map[string]map[string]string // "05" → folded name → "05001"
	mpioByKey  map[string][]string          // folded name → codes in every department
	mpioName   map[string]string            // "05001" → MEDELLÍN
	compact    map[string]map[string]string // "05" → compactKey → "05001"
}

// compactKey drops spaces and the particles de, del, la, el, los, las:
// "SAN ANDReS SOTAVENTO" and "SAN ANDRÉS DE SOTAVENTO" meet.
func compactKey(k string) string {
	var b strings.Builder
	for _, w := range strings.Fields(k) {
		switch w {
		case "de", "del", "la", "el", "los", "las", "y":
			continue
		}
		b.WriteString(w)
	}
	return b.String()
}

// deptAliases are the department spellings DANE's table does not carry.
var deptAliases = map[string]string{
	"bogota": "11", "bogota d c": "11", "bogota dc": "11", "distrito capital de bogota": "11", "distrito capital": "11",
	"bogota distrito capital": "11", "santafe de bogota": "11", "santa fe de bogota": "11", "santafe de bogota d c": "11",
	"san andres providencia y santa catalina": "88", "san andres": "88", "san andres y providencia": "88",
	"archipielago de san andres": "88", "archipielago de san andres providencia y santa catalina": "88",
	"valle": "76", "norte santander": "54", "guajira": "44", "la guajira": "44", "n de santander": "54",
}

// mpioAliases are short or historical municipality names, by department.
var mpioAliases = map[string]map[string]string{
	"05": {"san vicente": "05674", "santafe de antioquia": "05042", "santa fe de antioquia": "05042", "carmen de viboral": "05148", "el carmen de viboral": "05148",
		"san pedro": "05664", "yondo": "05893", "donmatias": "05237", "don matias": "05237", "puerto nare": "05585"},
	"11": {"bogota": "11001", "bogota d c": "11001", "bogota dc": "11001", "distrito capital de bogota": "11001",
		"santafe de bogota": "11001", "bogota distrito capital": "11001"},
	"13": {"cartagena": "13001", "cartagena de indias": "13001", "cartagena de indias d t y c": "13001", "el carmen de bolivar": "13244", "carmen de bolivar": "13244", "mompos": "13468", "santa cruz de mompox": "13468", "mompox": "13468"},
	"15": {"villa de leyva": "15407", "villa de leiva": "15407"},
	"17": {},
	"19": {"piendamo": "19548", "sotara": "19760", "paez belalcazar": "19517", "belalcazar": "19517"},
	"20": {"valledupar": "20001"},
	"23": {"purisima": "23586", "purisima de la concepcion": "23586", "lorica": "23417", "santa cruz de lorica": "23417"},
	"25": {"ubate": "25843", "villa de san diego de ubate": "25843", "villa de ubate": "25843"},
	"44": {"riohacha": "44001"},
	"47": {"santa marta": "47001", "santa marta d t c h": "47001", "cienaga": "47189", "chibolo": "47170", "el dificil": "47058"},
	"50": {},
	"52": {"san jose": "52621", "pasto": "52001", "san juan de pasto": "52001", "tumaco": "52835", "san andres de tumaco": "52835"},
	"54": {"cucuta": "54001", "san jose de cucuta": "54001", "la playa de belen": "54398", "salazar de las palmas": "54660"},
	"68": {},
	"86": {"san miguel de mocoa": "86001"},
	"27": {"quibdo": "27001", "el canton de san pablo": "27135", "canton de san pablo": "27135", "istmina": "27361", "andagoya": "27450"},
	"70": {"tolu": "70820", "santiago de tolu": "70820", "since": "70742", "san luis de since": "70742", "tolu viejo": "70823", "toluviejo": "70823"},
	"73": {"mariquita": "73443", "san sebastian de mariquita": "73443"},
	"76": {"buga": "76111", "guadalajara de buga": "76111", "cali": "76001", "santiago de cali": "76001", "calima": "76126", "calima el darien": "76126"},
	"88": {"san andres": "88001", "providencia": "88564", "providencia y santa catalina": "88564", "providencia y santa catalina islas": "88564"},
}

func loadGazetteer() (*Gazetteer, error) {
	rows, err := readCSV("divipola_municipios_dane.csv")
	if err != nil {
		return nil, err
	}
	g := &Gazetteer{
		deptByKey:  map[string]string{},
		deptName:   map[string]string{},
		mpioByDept: map[string]map[string]string{},
		mpioByKey:  map[string][]string{},
		mpioName:   map[string]string{},
		compact:    map[string]map[string]string{},
	}
	for _, r := range rows {
		dc, mc := r["cod_dpto"], r["cod_mpio"]
		g.deptName[dc] = r["dpto"]
		g.deptByKey[nameKey(r["dpto"])] = dc
		if g.mpioByDept[dc] == nil {
			g.mpioByDept[dc] = map[string]string{}
		}
		g.mpioName[mc] = r["nom_mpio"]
		for _, k := range mpioKeys(r["nom_mpio"]) {
			if _, dup := g.mpioByDept[dc][k]; !dup {
				g.mpioByDept[dc][k] = mc
				g.mpioByKey[k] = append(g.mpioByKey[k], mc)
			}
		}
	}
	for k, v := range deptAliases {
		g.deptByKey[k] = v
	}
	for dc, m := range g.mpioByDept {
		g.compact[dc] = map[string]string{}
		for k, v := range m {
			g.compact[dc][compactKey(k)] = v
		}
	}
	for dc, m := range mpioAliases {
		if g.mpioByDept[dc] == nil {
			g.mpioByDept[dc] = map[string]string{}
		}
		for k, v := range m {
			if _, ok := g.mpioByDept[dc][k]; !ok {
				g.mpioByDept[dc][k] = v
				g.mpioByKey[k] = append(g.mpioByKey[k], v)
			}
			if g.compact[dc] == nil {
				g.compact[dc] = map[string]string{}
			}
			g.compact[dc][compactKey(k)] = v
		}
	}
	return g, nil
}

// mpioKeys gives the keys of a DANE municipality name: the folded name, and
// the name without a parenthesised part ("SAN JOSÉ DE TOLUVIEJO (TOLUVIEJO)").
func mpioKeys(name string) []string {
	keys := []string{nameKey(name)}
	if i := strings.Index(name, " - "); i > 0 {
		keys = append(keys, nameKey(name[:i]))
	}
	if i := strings.IndexByte(name, '('); i > 0 {
		keys = append(keys, nameKey(name[:i]))
		if j := strings.IndexByte(name[i:], ')'); j > 0 {
			keys = append(keys, nameKey(name[i+1:i+j]))
		}
	}
	return keys
}

// Department returns the DIVIPOLA code of a department name ("" when
// unknown). "BOGOTa D.C." and "Distrito Capital de Bogotá" give "11".
func (g *Gazetteer) Department(name string) string {
	k := nameKey(name)
	if k == "" {
		return ""
	}
	if c, ok := g.deptByKey[k]; ok {
		return c
	}
	k = strings.TrimPrefix(strings.TrimPrefix(k, "departamento del "), "departamento de ")
	if c, ok := g.deptByKey[k]; ok {
		return c
	}
	return ""
}

// DepartmentName returns DANE's name of a department code.
func (g *Gazetteer) DepartmentName(code string) string { return g.deptName[code] }

// MunicipalityName returns DANE's name of a municipality code.
func (g *Gazetteer) MunicipalityName(code string) string { return g.mpioName[code] }

// Municipality returns the five-digit code of a municipality named in a
// department (dept: a code, or "" when unknown, in which case the name must
// be unique in the country). Bogotá's spellings give 11001 in any case.
func (g *Gazetteer) Municipality(dept, name string) string {
	k := nameKey(name)
	if k == "" {
		return ""
	}
	variants := []string{k}
	for _, part := range strings.Split(name, "/") {
		variants = append(variants, mpioKeys(part)...)
	}
	for _, v := range variants {
		for _, p := range []string{"el ", "la ", "los ", "las "} {
			if strings.HasPrefix(v, p) {
				variants = append(variants, strings.TrimPrefix(v, p))
			}
		}
	}
	for _, p := range []string{"municipio de ", "distrito de ", "ciudad de "} {
		if strings.HasPrefix(k, p) {
			variants = append(variants, strings.TrimPrefix(k, p))
		}
	}
	for _, s := range []string{" d c", " dc", " d t y c", " d t", " distrito capital"} {
		if strings.HasSuffix(k, s) {
			variants = append(variants, strings.TrimSuffix(k, s))
		}
	}
	for _, v := range variants {
		if dept != "" {
			if c, ok := g.mpioByDept[dept][v]; ok {
				return c
			}
			if c, ok := g.compact[dept][compactKey(v)]; ok {
				return c
			}
			continue
		}
		if cs := g.mpioByKey[v]; len(cs) == 1 {
			return cs[0]
		}
	}
	if c := g.mpioByDept["11"][k]; c != "" && (dept == "" || dept == "11") {
		return c
	}
	return ""
}

// Place resolves a department and municipality pair as SECOP publishes it.
// When the municipality is unknown ("No Definido") the department's code
// alone is returned; a municipality that only fits another department is
// dropped.
func (g *Gazetteer) Place(deptName, mpioName string) (dept, mpio string) {
	dept = g.Department(deptName)
	if IsNull(mpioName) {
		if dept == "11" {
			return dept, "11001"
		}
		return dept, ""
	}
	mpio = g.Municipality(dept, mpioName)
	if dept == "" && mpio != "" {
		dept = mpio[:2]
	}
	if dept == "11" && mpio == "" {
		mpio = "11001"
	}
	return dept, mpio
}
