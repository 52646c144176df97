package procurement

import (
	"math"
	"sort"
	"strings"

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
	strong    []term // +0.5 first, +0.15 each further one
	medium    []term // +0.3
	weak      []term // +0.1 each, at most two
	negatives []string
	hardware  []term
	products  []product
	context   []string // words that make an ambiguous product name count
}

type term struct {
	key    string // nameKey form, padded with spaces unless prefix
	label  string
	prefix bool
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
		out = append(out, t)
	}
	return out
}

// NewDetector returns the detector with its built-in vocabulary; extra
// product names (asset aliases such as "ORFEO", "SIIF Nación") may be added.
func NewDetector(extraProducts ...string) *Detector {
	d := &Detector{
		strong: mkTerms(
			"software*", "licencias de uso", "licencia de uso", "licenciamiento*", "licencias de software",
			"licencia de software", "sistema de informacion", "sistemas de informacion", "aplicativo*",
			"desarrollo de aplicacion*", "desarrollo de plataforma*", "desarrollo de portal*", "desarrollo de sistema*",
			"desarrollo web", "desarrollo e implementacion", "soporte tecnico y funcional", "soporte funcional",
			"mantenimiento evolutivo", "erp", "crm", "saas", "suscripcion*", "microsoft 365", "office 365",
			"google workspace", "antivirus", "base de datos", "bases de datos", "gestion documental electronic*",
			"sistema de gestion documental", "portal web", "sitio web", "pagina web", "paginas web", "interoperabilidad",
			"computacion en la nube", "servicios de nube", "servicio de nube", "nube publica", "nube privada", "cloud",
			"hosting", "centro de datos", "datacenter", "firewall", "ciberseguridad", "seguridad informatica",
			"seguridad digital", "seguridad de la informacion", "aplicacion movil", "aplicaciones moviles", "app movil",
			"herramienta tecnologica", "herramientas tecnologicas", "plataforma tecnologica", "plataforma virtual",
			"plataformas tecnologicas", "plataforma web", "plataforma digital", "transformacion digital",
			"inteligencia artificial", "inteligencia de negocios", "business intelligence", "analitica de datos",
			"desarrollador*", "ingeniero de software", "ingeniero de sistemas", "ingenieria de sistemas",
			"programador*", "arquitectura de software", "arquitectura empresarial", "servidores", "servidor",
			"infraestructura tecnologica", "infraestructura de ti", "tecnologias de la informacion", "mesa de ayuda",
			"mesa de servicio", "gobierno digital", "ventanilla unica virtual", "tramites en linea", "moodle",
			"sistematizacion", "digitalizacion", "chatbot", "ciencia de datos", "soporte tecnologico",
		),
		medium: mkTerms(
			"plataforma*", "modulo*", "sistema de gestion", "gestion documental", "nube", "digital", "virtual",
			"tecnologico*", "tecnologia*", "informatic*", "sistemas", "tic", "tics", "ti", "datos", "web", "en linea",
			"redes", "correo electronico", "virtualizacion", "licencia*",
		),
		weak: mkTerms("soporte", "actualizacion", "implementacion", "integracion", "automatizacion", "mantenimiento",
			"configuracion", "parametrizacion", "migracion"),
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
			"modulo de aula", "modulo educativo impreso", "modulos impresos", "base de datos de beneficiarios",
			"digital de imagenes diagnosticas", "radiologia digital", "mamografia digital", "camara digital",
			"camaras digitales", "impresion digital", "senalizacion digital", "tv digital", "television digital",
			"radio digital", "medios digitales", "piezas digitales", "contenidos digitales", "redes sociales",
			"marketing digital", "comunicacion digital", "comunicaciones digitales", "estrategia digital",
			"pauta digital", "publicidad digital", "formato digital", "medio digital", "firma digital",
			"archivo digital", "biblioteca virtual", "aula virtual", "aulas virtuales", "formacion virtual",
			"modalidad virtual", "de manera virtual", "forma virtual", "evento virtual", "eventos virtuales",
			"mantenimiento preventivo y correctivo de vehiculo", "redes electricas", "redes de acueducto",
			"redes de alcantarillado", "redes hidraulicas", "redes de gas", "redes de apoyo", "redes de servicios",
			"datos personales", "tecnologia en", "tecnologo", "tecnologa", "tecnologos",
		},
		hardware: mkTerms("computador*", "equipos de computo", "equipo de computo", "impresora*", "toner*", "cableado*",
			"cctv", "camaras", "internet dedicado", "fibra optica", "portatil*", "tablet*", "videobeam", "televisor*",
			"ups", "radios", "telefonia", "canal de internet", "conectividad", "perifericos"),
		context: []string{" software", " licencia", " sistema", " plataforma", " aplicativo", " soporte", " modulo",
			" herramienta", " programa", " actualizacion", " implementacion", " version"},
	}
	for _, p := range []string{
		"siif nacion", "siif", "sofia plus", "sivigila", "paiweb", "sispro", "sia observa", "pasivocol", "sinigan",
		"orfeo", "linux", "ubuntu", "microsoft", "windows", "office", "google workspace", "adobe", "creative cloud",
		"arcgis", "esri", "autocad", "autodesk", "predios milenium", "precont", "dinamica gerencial", "sysman",
		"isolucion", "ariesnet", "daruma", "labsag", "sicau", "sipse", "sap", "oracle", "salesforce", "power bi",
		"tableau", "qgis", "spss", "stata", "matlab", "vmware", "veeam", "fortinet", "fortigate", "kaspersky",
		"eset", "sophos", "zoom", "teams", "sharepoint", "jira", "docuware", "laserfiche", "solidworks", "revit",
		"argis", "erdms", "controldoc", "gestion transparente", "saimyr", "sinfad", "hacienda en linea",
	} {
		d.products = append(d.products, product{term: mkTerms(p)[0]})
	}
	for _, p := range []string{"sas", "royal", "sios", "simo", "pacco", "sigep", "secop", "office", "teams", "zoom", "windows", "microsoft"} {
		for i := range d.products {
			if d.products[i].label == p {
				d.products[i].ambiguous = true
			}
		}
		if !d.hasProduct(p) {
			d.products = append(d.products, product{term: mkTerms(p)[0], ambiguous: true})
		}
	}
	for _, p := range extraProducts {
		if k := nameKey(p); k != "" && !d.hasProduct(k) {
			d.products = append(d.products, product{term: term{key: " " + k + " ", label: p}, ambiguous: len(k) <= 4})
		}
	}
	return d
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
	switch bestTier {
	case "A":
		score += 0.6
	case "B":
		score += 0.2
	}
	// TVEC framework agreement.
	if p.FrameworkAgreement != "" {
		k := " " + nameKey(p.FrameworkAgreement) + " "
		switch {
		case containsAny(k, " software", " nube", " cloud", " licenc", " microsoft", " oracle", " digitales de confianza", " google", " sap "):
			score += 0.6
			reasons = append(reasons, "tvec:"+p.FrameworkAgreement)
		case containsAny(k, " conectividad", " datacenter", " centro de datos", " tecnolog", " computo", " impresion"):
			score += 0.2
			reasons = append(reasons, "tvec-it:"+p.FrameworkAgreement)
		}
	}
	// Text.
	text := " " + nameKey(p.Description+" . "+p.Object) + " "
	for _, n := range d.negatives {
		if strings.Contains(text, " "+n+" ") {
			reasons = append(reasons, "negative:"+n)
			text = strings.ReplaceAll(text, " "+n+" ", " _ ")
		}
	}
	strongHits := 0
	for _, t := range d.strong {
		if t.match(text) {
			if strongHits == 0 {
				score += 0.5
			} else if strongHits < 3 {
				score += 0.15
			}
			strongHits++
			reasons = append(reasons, "text:"+t.label)
		}
	}
	mediumHits := 0
	for _, t := range d.medium {
		if t.match(text) {
			if mediumHits < 2 {
				score += 0.2
			}
			mediumHits++
			reasons = append(reasons, "text-weak:"+t.label)
		}
	}
	weakHits := 0
	for _, t := range d.weak {
		if t.match(text) && weakHits < 2 {
			weakHits++
			score += 0.05
		}
	}
	for _, pr := range d.products {
		if !pr.match(text) {
			continue
		}
		if pr.ambiguous && !containsAny(text, d.context...) {
			continue
		}
		score += 0.3
		reasons = append(reasons, "product:"+pr.label)
		break
	}
	hw := 0
	for _, t := range d.hardware {
		if t.match(text) {
			hw++
			reasons = append(reasons, "hardware:"+t.label)
		}
	}
	if hw > 0 && strongHits == 0 {
		score -= 0.2
	}
	score = math.Max(0, math.Min(1, score))
	score = math.Round(score*100) / 100
	sortReasons(reasons)
	return score, reasons
}

func (t term) match(text string) bool { return strings.Contains(text, t.key) }

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
		for i, p := range []string{"unspsc-a:", "tvec:", "product:", "text:", "unspsc-b:", "tvec-it:", "text-weak:", "hardware:", "negative:"} {
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
