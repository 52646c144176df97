package match

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/acervo-co/acervo/registry"
)

// Proposal is a product name that recurs across entities' purchases and
// that no asset of the registry goes by: a COMMERCIAL asset a person may
// accept.
type Proposal struct {
	Name      string   `json:"name"`
	Entities  int      `json:"entities"`
	Purchases int      `json:"purchases"`
	Total     int64    `json:"total"`
	Examples  []string `json:"examples"` // contract ids
}

// productTriggers are words after which contracts name the product:
// "SOFTWARE SYSMAN", "LICENCIAS DE ADOBE", "PLATAFORMA ARCGIS".
var productTriggers = map[string]bool{
	"software": true, "aplicativo": true, "aplicativos": true, "plataforma": true, "plataformas": true, "licencia": true,
	"licencias": true, "licenciamiento": true, "suite": true, "herramienta": true, "erp": true, "programa": true,
	"sistema": true, "suscripcion": true, "aplicacion": true, "solucion": true, "sgdea": true,
}

// legalSuffixes end company names, never product names.
var legalSuffixes = map[string]bool{"sas": true, "ltda": true, "sa": true, "eu": true, "cia": true, "esp": true, "ese": true, "inc": true, "llc": true}

type proposalAcc struct {
	display   map[string]int // written forms seen
	buyers    map[string]bool
	purchases int
	total     int64
	examples  []string
}

// Proposer gathers product names from purchases (Add) and returns those
// named by at least MinEntities buying entities (Proposals).
type Proposer struct {
	ix          *Index
	MinEntities int
	acc         map[string]*proposalAcc
	tok         tokenizer
	sc          scratch
}

// NewProposer returns a proposer that skips names the index knows.
func NewProposer(ix *Index, minEntities int) *Proposer {
	if minEntities <= 0 {
		minEntities = 3
	}
	return &Proposer{ix: ix, MinEntities: minEntities, acc: map[string]*proposalAcc{}}
}

// candidateWord reports a folded word that may be part of a product name.
func (p *Proposer) candidateWord(w string) bool {
	if len(w) < 3 || genericWords[w] || legalSuffixes[w] || commonWords[w] {
		return false
	}
	allDigits := true
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			allDigits = false
			break
		}
	}
	if allDigits {
		return false
	}
	// A cue word ("soporte", "registro", "mantenimiento") is the contract's
	// activity, not a name.
	if id, ok := p.ix.dict[w]; ok {
		if n := p.ix.rootNext[id]; n >= 0 {
			for _, o := range p.ix.outs[n] {
				if o.kind == kindCue || o.kind == kindCategory {
					return false
				}
			}
		}
	}
	return !spanishWords[w]
}

// Add reads the product names a purchase's description gives.
func (p *Proposer) Add(pu *registry.Purchase) {
	sc := &p.sc
	sc.tok.reset()
	sc.tok.add(pu.Description)
	if pu.Object != "" && pu.Object != pu.Description {
		sc.tok.add(pu.Object)
	}
	p.ix.scan(sc)
	known := make([]bool, len(sc.tok.spans))
	for _, h := range sc.hits {
		if h.out.kind == kindAlias || h.out.kind == kindURL {
			for i := h.start; i < h.end; i++ {
				known[i] = true
			}
		}
	}
	t := &sc.tok
	seen := map[string]bool{}
	for i := 0; i < len(t.spans); i++ {
		if !productTriggers[string(t.word(i))] {
			continue
		}
		// Skip up to three generic words ("SOFTWARE DE GESTIÓN DOCUMENTAL X").
		j := i + 1
		for skipped := 0; j < len(t.spans) && skipped < 3 && !t.breaks[j] && genericWords[string(t.word(j))]; skipped++ {
			j++
		}
		var words []string
		for k := j; k < len(t.spans) && len(words) < 3 && !t.breaks[k]; k++ {
			w := string(t.word(k))
			if known[k] || !p.candidateWord(w) {
				break
			}
			words = append(words, w)
		}
		// Every prefix is a candidate: "HAS", "HAS SQL", "HAS SQL SAI";
		// Proposals keeps the longest one with the most support.
		for n := 1; n <= len(words); n++ {
			key := strings.Join(words[:n], " ")
			if seen[key] {
				continue
			}
			seen[key] = true
			a := p.acc[key]
			if a == nil {
				a = &proposalAcc{display: map[string]int{}, buyers: map[string]bool{}}
				p.acc[key] = a
			}
			a.display[strings.ToUpper(key)]++
			if pu.BuyerNIT != "" {
				a.buyers[pu.BuyerNIT] = true
			}
			a.purchases++
			a.total += pu.Value
			if len(a.examples) < 5 {
				a.examples = append(a.examples, pu.ContractID)
			}
		}
	}
}

// Proposals returns the names bought by at least MinEntities entities,
// most entities first. Of a name and its extensions ("HAS", "HAS SQL"),
// the longest bought by as many entities wins; an extension bought by
// fewer ("SYSMAN WEB" next to "SYSMAN") is folded into the shorter name.
func (p *Proposer) Proposals() []Proposal {
	var out []Proposal
	for key, a := range p.acc {
		if len(a.buyers) < p.MinEntities {
			continue
		}
		name := key
		best := 0
		for d, n := range a.display {
			if n > best || n == best && d < name {
				name, best = d, n
			}
		}
		out = append(out, Proposal{Name: name, Entities: len(a.buyers), Purchases: a.purchases, Total: a.total, Examples: a.examples})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Entities != out[j].Entities {
			return out[i].Entities > out[j].Entities
		}
		return out[i].Name < out[j].Name
	})
	var kept []Proposal
	for _, pr := range out {
		dup := false
		for _, o := range out {
			switch {
			case strings.HasPrefix(o.Name, pr.Name+" ") && o.Entities >= pr.Entities:
				dup = true // a longer name with as much support
			case strings.HasPrefix(pr.Name, o.Name+" ") && o.Entities > pr.Entities:
				dup = true // an extension of a better supported name
			}
		}
		if !dup {
			kept = append(kept, pr)
		}
	}
	return kept
}

// Propose scans the purchases that look like software and records a
// proposed COMMERCIAL asset for every product name at least minEntities
// entities bought (registry.Service.ProposeCommercialAsset; a person
// accepts or rejects it, and a rejected one is never proposed again).
func (r *Runner) Propose(ctx context.Context, minEntities int) ([]Proposal, error) {
	r.run.Lock()
	defer r.run.Unlock()
	ctx = r.sys(ctx)
	m, err := r.matcher(ctx)
	if err != nil {
		return nil, err
	}
	pr := NewProposer(m.ix, minEntities)
	minScore := 0.3
	if err := r.svc.Store().Purchases().Scan(ctx, registry.PurchaseFilter{MinSoftwareScore: &minScore}, func(ps []registry.Purchase) error {
		for i := range ps {
			pr.Add(&ps[i])
		}
		return nil
	}); err != nil {
		return nil, err
	}
	props := pr.Proposals()
	var created []Proposal
	for _, p := range props {
		evidence := fmt.Sprintf("Propuesto por el cotejo de compras: %d entidades lo compraron en %d contratos (%s), por ejemplo %s.",
			p.Entities, p.Purchases, registry.Pesos(p.Total), strings.Join(p.Examples, ", "))
		name := titleCase(p.Name)
		_, ok, err := r.svc.ProposeCommercialAsset(ctx, name, []string{p.Name}, evidence)
		if err != nil {
			return created, err
		}
		if ok {
			created = append(created, p)
		}
	}
	return created, nil
}

func titleCase(s string) string {
	words := strings.Fields(strings.ToLower(s))
	for i, w := range words {
		if len(w) <= 4 {
			words[i] = strings.ToUpper(w) // acronyms: SAP, SIOS, PCT
		} else {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// spanishWords are everyday words of contract descriptions that follow a
// trigger without being a product ("SOFTWARE CONTABLE PARA LA ALCALDÍA").
var spanishWords = map[string]bool{
	"contable": true, "financiero": true, "administrativo": true, "misional": true, "requerido": true, "requeridos": true,
	"especializado": true, "especializada": true, "necesario": true, "necesarios": true, "alcaldia": true, "municipio": true,
	"entidad": true, "institucion": true, "instituto": true, "secretaria": true, "gobernacion": true, "hospital": true,
	"empresa": true, "universidad": true, "colegio": true, "concejo": true, "personeria": true, "contraloria": true,
	"vigencia": true, "ano": true, "meses": true, "dias": true, "mes": true, "usuario": true, "usuarios": true, "equipos": true,
	"computo": true, "oficina": true, "oficinas": true, "nivel": true, "tipo": true, "marca": true, "version": true,
	"integral": true, "integrado": true, "integrada": true, "institucional": true, "estadistico": true, "academico": true,
	"educativo": true, "educativa": true, "hospitalario": true, "hospitalaria": true, "tributario": true, "predial": true,
	"juridico": true, "legal": true, "ambiental": true, "geografico": true, "geografica": true, "documental": true,
	"correspondencia": true, "nomina": true, "inventarios": true, "almacen": true, "activos": true, "fijos": true,
	"propiedad": true, "planta": true, "cuentas": true, "pagar": true, "cobrar": true, "recaudo": true, "facturacion": true,
	"electronica": true, "electronico": true, "virtual": true, "virtuales": true, "online": true, "linea": true,
	"existente": true, "actual": true, "adquirido": true, "adquiridos": true, "instalado": true, "licenciado": true,
	"propio": true, "propia": true, "denominado": true, "denominada": true, "llamado": true, "utilizado": true,
	"permita": true, "permitan": true, "garantice": true, "contribuya": true, "apoye": true, "mediante": true,
	"colaborativa": true, "ofimatica": true, "antivirus": true, "firewall": true, "correo": true, "respaldo": true,
	"copias": true, "seguridad": true, "perimetral": true, "endpoint": true, "informacion": true, "comunicaciones": true,
	"telecomunicaciones": true, "tecnologia": true, "tecnologias": true, "tic": true, "digital": true, "digitales": true,
	"modulo": true, "modulos": true, "funcionalidades": true, "componentes": true, "servicios": true, "servicio": true,
	"gestion": true, "control": true, "seguimiento": true, "monitoreo": true, "datos": true, "base": true, "bases": true,
	"web": true, "movil": true, "moviles": true, "portal": true, "pagina": true, "sitio": true, "intranet": true,
	"salud": true, "educacion": true, "transito": true, "movilidad": true, "planeacion": true, "hacienda": true,
	"contratacion": true, "talento": true, "humano": true, "recursos": true, "humanos": true, "calidad": true,
	"riesgos": true, "indicadores": true, "proyectos": true, "procesos": true, "procedimientos": true, "tramites": true,
	"nacional": true, "departamental": true, "municipal": true, "distrital": true, "regional": true, "local": true,
	"publico": true, "publica": true, "publicos": true, "social": true, "sociales": true, "general": true,
	"vigilancia": true, "certificacion": true, "nominal": true, "epidemiologica": true, "identificacion": true,
	"clasificacion": true, "seleccion": true, "evaluacion": true, "potenciales": true, "beneficiarios": true,
	"empleo": true, "merito": true, "oportunidad": true, "tiempos": true, "laborados": true, "recurso": true,
	"hidrico": true, "unico": true, "unificado": true, "finanzas": true, "presupuesto": true, "tesoreria": true,
}
