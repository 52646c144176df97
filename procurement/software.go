package procurement

import (
	"math"
	"sort"
	"strings"
	"sync"

	"github.com/acervo-co/acervo/registry"
)

// SoftwareThreshold is the score from which a purchase counts as a software
// purchase; from PossibleThreshold it is shown for review.
const (
	SoftwareThreshold = 0.6
	PossibleThreshold = 0.3
)

// Detector scores how likely a purchase is a software purchase, and says
// why: UNSPSC tier, TVEC framework agreement, Spanish keywords (with the
// phrases that look like software and are not: "licencia de conducción",
// "sistema de riego", …), and known product names. It is safe for
// concurrent use once built.
type Detector struct {
	mu    sync.Mutex
	cache map[uint64]textScore // text part of the score by text hash

	sure      []term       // unmistakably software: +0.6
	strong    []term       // software words: +0.35, +0.1 for each further one (twice)
	medium    []term       // IT words: +0.05 each, at most two
	objects   []objectRule // action + software object: +0.35, +0.1 for a second one
	staff     []term       // the contract uses a system or registers data in it: −0.3
	teaching  []term       // the contract teaches (software, among others): at most 0.25
	negatives []string     // phrases that only look like software
	hardware  []term       // hardware and connectivity: −0.3 unless software is named
	products  []product    // known product names: +0.3
	context   []string     // words that make an ambiguous product name count
}

type term struct {
	key    string // nameKey form, padded with spaces unless prefix
	label  string
	prefix bool
	first  string // first word, for the quick test
	single bool   // one word
}

type product struct {
	term
	ambiguous bool
}

func mkTerms(words ...string) []term {
	out := make([]term, 0, len(words))
	for _, w := range words {
		t := term{label: strings.TrimSuffix(w, "*")}
		if strings.HasSuffix(w, "*") {
			t.prefix = true
			t.key = " " + nameKey(strings.TrimSuffix(w, "*"))
		} else {
			t.key = " " + nameKey(w) + " "
		}
		ws := strings.Fields(t.key)
		t.first, t.single = ws[0], len(ws) == 1
		out = append(out, t)
	}
	return out
}

// NewDetector returns the detector with its built-in vocabulary; extra
// product names (asset aliases such as "ORFEO", "SIIF Nación") may be added.
func NewDetector(extraProducts ...string) *Detector {
	d := &Detector{
		sure: mkTerms(
			"saas", "software como servicio", "software as a service", "licencias de software", "licencia de software",
			"licenciamiento de software", "licenciamiento del software", "facturacion electronica", "antivirus",
			"microsoft 365", "office 365", "google workspace", "desarrollo de software", "desarrollador de software",
			"fabrica de software", "fabricas de software", "e learning", "learning management system",
		),
		strong: mkTerms(
			"software*", "sofware*", "licenciamiento*", "licencias de uso", "licencia de uso", "aplicativo*",
			"aplicacion web", "aplicaciones web", "aplicacion movil", "aplicaciones moviles", "app movil",
			"desarrollador*", "programador*", "suscripcion*", "pagina web", "paginas web", "portal web", "sitio web",
			"hosting", "ingeniero de sistemas", "ingenieros de sistemas", "inteligencia artificial", "lms",
			"computacion en la nube", "servicios de nube", "servicio de nube", "servicios en la nube", "nube publica",
			"nube privada", "cloud", "interoperabilidad", "chatbot", "firewall", "moodle", "erp", "crm",
			"programacion de sistemas", "analisis y programacion", "mantenimiento evolutivo", "pruebas funcionales",
			"arquitecto de software", "arquitecto de sistemas", "prototipo funcional",
		),
		medium: mkTerms(
			"sistema de informacion", "sistemas de informacion", "base de datos", "bases de datos", "plataforma*",
			"modulo*", "nube", "digital", "virtual", "tecnologico*", "tecnologica*", "tecnologia*", "informatic*",
			"sistemas", "tic", "tics", "ti", "datacenter", "centro de datos", "ciberseguridad", "seguridad informatica",
			"seguridad digital", "transformacion digital", "gobierno digital", "mesa de ayuda", "mesa de servicio*",
			"infraestructura tecnologica", "herramienta tecnologica", "herramientas tecnologicas", "web",
		),
		objects: []objectRule{
			{words: mkTerms("software*", "sofware*", "aplicativo*", "aplicacion*", "plataforma*", "modulo*", "portal*",
				"pagina web", "paginas web", "sitio web", "herramientas tecnologicas", "herramienta tecnologica",
				"sistema de gestion documental", "gestor documental", "licencia*", "sistema sap", "sistema del backup",
				"sistema de backup", "funcionalidades", "sistema integral", "sistema de gestion"),
				actions: append(engineering, "administr")},
			{words: mkTerms("sistema de informacion", "sistemas de informacion"), actions: engineering},
			{words: mkTerms("base de datos", "bases de datos"),
				actions: []string{"administr", "optimiz", "diseno", "desarroll", "licenci", "manten", "interoperab"}},
		},
		staff: mkTerms("registro en", "registro del", "registro de informacion", "cargue de", "cargue y", "diligenciamiento*",
			"digitacion", "archivo de las historias", "manejo del aplicativo", "manejo de bases", "manejo de base",
			"uso de las", "uso de los", "el uso de", "apoyar el uso", "abogado", "juridic*", "encuestas", "prensa",
			"emprendedores", "auditoria de recertificacion"),
		teaching: mkTerms("instructor*", "formacion titulada", "formacion profesional", "aprendices", "curso",
			"maestria", "especializacion en", "docentes", "ensenanza", "red de conocimiento"),
		negatives: []string{
			"licencia de conduccion", "licencias de conduccion", "licencia ambiental", "licencias ambientales",
			"licencia de construccion", "licencias de construccion", "licencia urbanistica", "licencias urbanisticas",
			"licencia de maternidad", "licencia de paternidad", "licencia no remunerada", "licencia sanitaria",
			"licencia de funcionamiento", "licencia de intervencion", "licencias de intervencion",
			"sistema de riego", "sistemas de riego", "sistema de alcantarillado", "sistema electrico", "sistemas electricos",
			"sistema de bombeo", "sistema fotovoltaico", "sistemas fotovoltaicos", "sistema de aire",
			"sistema de acueducto", "sistema de tratamiento", "sistema de alarma", "sistema contra incendio",
			"sistema de gestion de seguridad y salud", "sistema de gestion ambiental", "sistema de gestion de calidad",
			"sistema general de seguridad social", "sistema general de participaciones", "sistema general de regalias",
			"sistema de transporte", "sistema nacional de", "sistema de salud", "aplicacion de vacunas",
			"aplicacion de pintura", "aplicacion de herbicida", "aplicacion de encuestas", "aplicacion de la norma",
			"aplicacion de instrumentos", "plataforma elevadora", "plataforma de vehiculo", "plataformas elevadoras",
			"modulo de aula", "modulo educativo impreso", "modulos impresos", "valle del software",
			"radiologia digital", "mamografia digital", "camara digital", "camaras digitales", "impresion digital",
			"senalizacion digital", "tv digital", "television digital", "radio digital", "redes sociales",
			"marketing digital", "comunicacion digital", "estrategia digital", "pauta digital", "publicidad digital",
			"certificados digitales", "certificado digital", "firma digital", "biblioteca virtual", "aula virtual",
			"aulas virtuales", "formacion virtual", "modalidad virtual", "de manera virtual", "forma virtual",
			"datos personales", "tecnologo en", "tecnologa en", "sistemas de potencia", "sistema de control de acceso",
			"sistema de videovigilancia", "sistema de seguridad",
		},
		hardware: mkTerms("computador*", "equipos de computo", "equipo de computo", "equipos de computacion", "impresora*",
			"impresion", "toner*", "cableado*", "cctv", "camaras", "internet dedicado", "fibra optica", "portatil*",
			"tablet*", "videobeam", "televisor*", "ups", "radios", "telefonia", "canal de internet", "conectividad",
			"perifericos", "servidores fisicos", "switch", "scanner", "escaner", "pantallas", "equipos tecnologicos",
			"internet banda ancha", "repuestos", "discos", "mobiliario", "gimbal", "equipos de red", "redes de computadores",
			"telecomunicaciones", "hardware", "nas", "dispositivos"),
		context: []string{" software", " licencia", " sistema", " plataforma", " aplicativo", " soporte", " modulo",
			" herramienta", " programa", " actualizacion", " implementacion", " version", " servidor", " nube"},
	}
	for _, p := range []string{
		"siif nacion", "siif", "sofia plus", "sivigila", "paiweb", "sispro", "sia observa", "pasivocol", "sinigan",
		"orfeo", "linux", "ubuntu", "google workspace", "adobe", "creative cloud", "arcgis", "esri", "autocad",
		"autodesk", "milenium", "precont", "dinamica gerencial", "sysman", "isolucion", "ariesnet", "daruma", "labsag",
		"sicau", "sipse", "sap", "oracle", "salesforce", "power bi", "tableau", "qgis", "spss", "stata", "matlab",
		"vmware", "veeam", "fortinet", "fortigate", "kaspersky", "eset", "sophos", "sharepoint", "jira", "docuware",
		"laserfiche", "solidworks", "revit", "erdms", "controldoc", "saimyr", "syscafe", "sihos", "almera", "janiumnet",
		"dspace", "pacs", "solin", "flash", "qx transito", "visual studio", "php", "laravel", "java", "python",
		"superargo", "sislab",
	} {
		d.products = append(d.products, product{term: mkTerms(p)[0]})
	}
	for _, p := range []string{"sas", "royal", "sios", "simo", "pacco", "office", "teams", "zoom", "windows", "microsoft", "flash", "pacs", "java", "python"} {
		found := false
		for i := range d.products {
			if d.products[i].label == p {
				d.products[i].ambiguous, found = true, true
			}
		}
		if !found {
			d.products = append(d.products, product{term: mkTerms(p)[0], ambiguous: true})
		}
	}
	for _, p := range extraProducts {
		if k := nameKey(p); k != "" && !d.hasProduct(k) {
			d.products = append(d.products, product{term: mkTerms(k)[0], ambiguous: len(k) <= 4})
			d.products[len(d.products)-1].label = p
		}
	}
	return d
}

// engineering are the prefixes of the words that say work is done on
// software: development, maintenance, support, licensing…
var engineering = []string{"desarroll", "manten", "soporte", "actualiz", "implement", "parametriz", "licenci", "renov",
	"adquisic", "adquirir", "arrend", "suscrip", "despliegue", "prueba", "configur", "migra", "programa", "instala",
	"optimiz", "diseno", "transformacion", "evolutiv", "creacion", "personaliz", "integracion", "acceso", "ajuste",
	"uso no exclusivo"}

// dataWork are words that, between an action and a system, say the work is
// on what the system holds ("actualización de los datos en el sistema").
var dataWork = map[string]bool{"datos": true, "informacion": true, "documentacion": true, "registros": true,
	"seguimiento": true, "tramites": true, "procesos": true, "contenidos": true, "reportes": true, "pagos": true,
	"solicitudes": true}

// objectRule is a software object ("sistema de información") that counts
// when one of the actions ("soporte", "desarrollo") stands at most four
// words before it.
type objectRule struct {
	words   []term
	actions []string // word prefixes
}

func (d *Detector) hasProduct(label string) bool {
	for _, p := range d.products {
		if p.label == label {
			return true
		}
	}
	return false
}

// tierA are the UNSPSC prefixes of software products and services.
var tierA = []string{"4323", "811115", "811116", "811118", "811120", "811122", "811125", "811615", "811616"}

// tierB are IT prefixes that are not software (hardware, connectivity).
var tierB = []string{"43", "811121", "811123", "811124", "811617", "811618", "8111", "551116"}

func unspscTier(code string) (tier string, prefix string) {
	for _, p := range tierA {
		if strings.HasPrefix(code, p) {
			return "A", p
		}
	}
	for _, p := range tierB {
		if strings.HasPrefix(code, p) {
			return "B", p
		}
	}
	return "", ""
}

// Score computes the software score of a purchase (0 to 1) and its reasons,
// most telling first. Reasons are short codes with the evidence:
// "unspsc-a:43232300", "tvec:IAD Software por Catálogo II",
// "text:software", "product:orfeo", "hardware:computador",
// "negative:licencia de conduccion".
func (d *Detector) Score(p *registry.Purchase) (float64, []string) {
	var reasons []string
	score := 0.0
	// UNSPSC.
	bestTier := ""
	for _, c := range p.UNSPSC {
		t, _ := unspscTier(c)
		switch {
		case t == "A" && bestTier != "A":
			bestTier = "A"
			reasons = append(reasons, "unspsc-a:"+c)
		case t == "B" && bestTier == "":
			bestTier = "B"
			reasons = append(reasons, "unspsc-b:"+c)
		}
	}
	switch {
	case bestTier == "A" && strings.HasPrefix(strings.TrimPrefix(reasons[0], "unspsc-a:"), "4323"):
		score += 0.55
	case bestTier == "A":
		score += 0.35
	case bestTier == "B":
		score += 0.1
	}
	// TVEC framework agreement.
	if p.FrameworkAgreement != "" {
		k := " " + nameKey(p.FrameworkAgreement) + " "
		switch {
		case containsAny(k, " software", " nube", " cloud", " licenc", " microsoft", " oracle", " digitales de confianza", " google", " sap "):
			score += 0.6
			reasons = append(reasons, "tvec:"+p.FrameworkAgreement)
		case containsAny(k, " conectividad", " datacenter", " centro de datos", " tecnolog", " computo", " impresion"):
			score += 0.1
			reasons = append(reasons, "tvec-it:"+p.FrameworkAgreement)
		}
	}
	// Text: scored once per distinct text (contracts repeat templates).
	ts := d.textScore(p.Description, p.Object)
	score += ts.score
	reasons = append(reasons, ts.reasons...)
	if ts.hardware && ts.strongHits == 0 {
		score -= 0.3
	}
	if ts.teaching {
		score = math.Min(score, 0.25) // teaching software is not buying it
	}
	score = math.Max(0, math.Min(1, score))
	score = math.Round(score*100) / 100
	sortReasons(reasons)
	return score, reasons
}

// textScore is the part of the score the description gives.
type textScore struct {
	score      float64
	reasons    []string
	strongHits int
	hardware   bool
	teaching   bool
}

const textCacheMax = 1 << 18

func (d *Detector) textScore(desc, object string) textScore {
	k := fnv64a(fnv64a(fnv64a(14695981039346656037, desc), "\x00"), object)
	d.mu.Lock()
	ts, ok := d.cache[k]
	d.mu.Unlock()
	if ok {
		return ts
	}
	ts = d.scoreText(desc, object)
	d.mu.Lock()
	if d.cache == nil || len(d.cache) >= textCacheMax {
		d.cache = make(map[uint64]textScore, 1024)
	}
	d.cache[k] = ts
	d.mu.Unlock()
	return ts
}

// fnv64a continues an FNV-1a hash over s (without converting s to bytes).
func fnv64a(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func (d *Detector) scoreText(desc, object string) textScore {
	var reasons []string
	score := 0.0
	// Text.
	text := " " + nameKey(desc+" . "+object) + " "
	ti := newTextIndex(text)
	for _, n := range d.negatives {
		if ti.has(firstWord(n)) && strings.Contains(text, " "+n+" ") {
			reasons = append(reasons, "negative:"+n)
			text = strings.ReplaceAll(text, " "+n+" ", " _ ")
			ti = newTextIndex(text)
		}
	}
	sure := false
	for _, t := range d.sure {
		if t.match(ti) {
			if !sure {
				score += 0.6
			}
			sure = true
			reasons = append(reasons, "text:"+t.label)
		}
	}
	strongHits := 0
	for _, t := range d.strong {
		if t.match(ti) {
			switch {
			case strongHits == 0:
				score += 0.35
			case strongHits <= 2:
				score += 0.1
			}
			strongHits++
			reasons = append(reasons, "text:"+t.label)
		}
	}
	if sure {
		strongHits++
	}
	words := ti.words
	objHits := 0
	for _, o := range d.objects {
		for _, w := range o.words {
			if !w.match(ti) {
				continue
			}
			if a, ok := actionBefore(words, w, o.actions); ok {
				if objHits == 0 {
					score += 0.5
				} else if objHits == 1 {
					score += 0.1
				}
				objHits++
				reasons = append(reasons, "text:"+a+"→"+w.label)
				break
			}
		}
	}
	mediumHits := 0
	for _, t := range d.medium {
		if t.match(ti) {
			if mediumHits < 2 {
				score += 0.05
			}
			mediumHits++
			reasons = append(reasons, "text-weak:"+t.label)
		}
	}
	for _, pr := range d.products {
		if !pr.match(ti) {
			continue
		}
		if pr.ambiguous && !containsAny(ti.text, d.context...) {
			continue
		}
		score += 0.3
		reasons = append(reasons, "product:"+pr.label)
		break
	}
	teaching := false
	for _, t := range d.teaching {
		if t.match(ti) {
			teaching = true
			reasons = append(reasons, "teaching:"+t.label)
			break
		}
	}
	if !sure && objHits == 0 {
		for _, t := range d.staff {
			if t.match(ti) {
				score -= 0.3
				reasons = append(reasons, "staff:"+t.label)
				break
			}
		}
	}
	hw := false
	for _, t := range d.hardware {
		if t.match(ti) {
			hw = true
			reasons = append(reasons, "hardware:"+t.label)
		}
	}
	return textScore{score: score, reasons: reasons, strongHits: strongHits, hardware: hw, teaching: teaching}
}

// actionBefore finds an occurrence of the object w in words with one of the
// action prefixes at most four words before it.
func actionBefore(words []string, w term, actions []string) (string, bool) {
	obj := strings.Fields(w.key)
	for i := 0; i+len(obj) <= len(words); i++ {
		match := true
		for j, ow := range obj {
			if j == len(obj)-1 && w.prefix {
				if !strings.HasPrefix(words[i+j], ow) {
					match = false
				}
			} else if words[i+j] != ow {
				match = false
			}
			if !match {
				break
			}
		}
		if !match {
			continue
		}
		for k := i - 1; k >= 0 && k >= i-6; k-- {
			if dataWork[words[k]] {
				break // work on the data held in a system, not on the system
			}
			for _, a := range actions {
				if strings.HasPrefix(words[k], a) {
					return words[k], true
				}
			}
		}
	}
	return "", false
}

// textIndex is a text's words, for quick term tests.
type textIndex struct {
	text  string              // " w1 w2 … "
	words []string            // in order
	set   map[string]struct{} // the words
	pre4  map[string]struct{} // their first four bytes (words of at least four)
}

func newTextIndex(text string) *textIndex {
	ws := strings.Fields(text)
	ti := &textIndex{text: text, words: ws, set: make(map[string]struct{}, len(ws)), pre4: make(map[string]struct{}, len(ws))}
	for _, w := range ws {
		ti.set[w] = struct{}{}
		if len(w) >= 4 {
			ti.pre4[w[:4]] = struct{}{}
		}
	}
	return ti
}

func (ti *textIndex) has(w string) bool {
	_, ok := ti.set[w]
	return ok
}

func (ti *textIndex) hasPrefix(p string) bool {
	if len(p) >= 4 {
		if _, ok := ti.pre4[p[:4]]; !ok {
			return false
		}
	}
	for _, w := range ti.words {
		if strings.HasPrefix(w, p) {
			return true
		}
	}
	return false
}

func firstWord(s string) string {
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i]
	}
	return s
}

func (t term) match(ti *textIndex) bool {
	switch {
	case t.single && t.prefix:
		return ti.hasPrefix(t.first)
	case t.single:
		return ti.has(t.first)
	case !ti.has(t.first):
		return false
	}
	return strings.Contains(ti.text, t.key)
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// sortReasons puts codes first, then agreements, products, text, hardware,
// negatives, keeping the order within a kind.
func sortReasons(r []string) {
	rank := func(s string) int {
		for i, p := range []string{"unspsc-a:", "tvec:", "product:", "text:", "unspsc-b:", "tvec-it:", "text-weak:", "staff:", "teaching:", "hardware:", "negative:"} {
			if strings.HasPrefix(s, p) {
				return i
			}
		}
		return 99
	}
	sort.SliceStable(r, func(i, j int) bool { return rank(r[i]) < rank(r[j]) })
}

// IsSoftware reports whether a score makes a purchase a software purchase.
func IsSoftware(score float64) bool { return score >= SoftwareThreshold }
