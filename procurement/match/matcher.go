package match

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/acervo-co/acervo/registry"
)

// RelUse is the matcher's verdict for a purchase that uses a system without
// buying, building, licensing, hosting or supporting it: a clerk who
// registers payments in SIIF Nación, an assistant who files in ORFEO. It
// is reported (it says the buyer runs the system) but never stored as a
// purchase link.
const RelUse = "USE"

// Candidate is one asset a purchase may be linked to.
type Candidate struct {
	AssetID  string   `json:"assetId"`
	Asset    string   `json:"asset"`
	Relation string   `json:"relation"`
	Score    float64  `json:"score"`
	Reasons  []string `json:"reasons"`
}

// Direct reports a relation that says the purchase bought, built,
// implemented, maintained, supported, licensed, hosted or taught the
// asset (everything but ALTERNATIVE and USE).
func Direct(relation string) bool {
	return relation != "" && relation != RelUse && relation != registry.RelAlternative
}

// Options tune the matcher.
type Options struct {
	// Threshold is the score from which a candidate becomes a suggestion
	// waiting for a person (default 0.5).
	Threshold float64
	// MaxAlternatives bounds the ALTERNATIVE candidates of one purchase
	// (default 3).
	MaxAlternatives int
}

func (o Options) withDefaults() Options {
	if o.Threshold <= 0 {
		o.Threshold = 0.5
	}
	if o.MaxAlternatives <= 0 {
		o.MaxAlternatives = 3
	}
	return o
}

// Matcher finds the candidate assets of purchases. It is safe for
// concurrent use; each goroutine should call MatchInto with its own
// Scratch to avoid allocations.
type Matcher struct {
	ix  *Index
	opt Options
}

// New returns a matcher over ix.
func New(ix *Index, opt Options) *Matcher { return &Matcher{ix: ix, opt: opt.withDefaults()} }

// Index returns the matcher's index.
func (m *Matcher) Index() *Index { return m.ix }

// Threshold returns the suggestion threshold.
func (m *Matcher) Threshold() float64 { return m.opt.Threshold }

// Scratch holds the buffers of one matching goroutine.
type Scratch struct{ sc scratch }

type scratch struct {
	tok   tokenizer
	ids   []int32
	all   []hit
	hits  []hit
	per   map[int32]*assetEvidence
	order []int32
	cats  []int32  // category vocabularies named in the text
	dcats []string // categories of assets linked directly
}

// assetEvidence gathers what a purchase says about one asset.
type assetEvidence struct {
	mentions []hit
}

// Match returns the candidates of p, best first (allocating its own
// scratch).
func (m *Matcher) Match(p *registry.Purchase) []Candidate {
	var s Scratch
	return m.MatchInto(p, &s, nil)
}

// facts are the contract-level signals of a purchase.
type facts struct {
	personal     bool // a person hired: professional or management-support services
	natural      bool // the supplier is a natural person
	company      bool // the supplier is a company (known NIT or legal-person name)
	softwareCode string
	personalCode bool
	supplierNIT  string
	supplierName string // as written; folded when needed
	buyer        string
	categories   []int32 // category vocabularies named in the text (scratch-backed)
	cueCount     [numCues]int
}

// MatchInto appends the candidates of p to out, best first, and returns
// it. Candidates below the threshold are included (with their score) so
// callers can explain near misses; Suggestions filters them.
func (m *Matcher) MatchInto(p *registry.Purchase, s *Scratch, out []Candidate) []Candidate {
	sc := &s.sc
	sc.tok.reset()
	sc.tok.add(p.Description)
	if p.Object != "" && p.Object != p.Description {
		sc.tok.add(p.Object)
	}
	m.ix.scan(sc)
	named := false
	for _, h := range sc.hits {
		if h.out.kind != kindCue {
			named = true
			break
		}
	}
	if !named && (p.Supplier.DocNumber == "" || len(m.ix.bySupplier[p.Supplier.DocNumber]) == 0) {
		return out // no asset, category or known supplier: the common case, no work
	}
	f := m.facts(p, sc)
	if sc.per == nil {
		sc.per = map[int32]*assetEvidence{}
	}
	for k := range sc.per {
		delete(sc.per, k)
	}
	sc.order = sc.order[:0]
	for i, h := range sc.hits {
		if h.out.kind != kindAlias && h.out.kind != kindURL {
			continue
		}
		e := &m.ix.assets[h.out.asset]
		if h.out.kind == kindAlias && e.ambiguous[h.out.alias] && !m.ambiguousOK(sc, i) {
			continue
		}
		ev := sc.per[h.out.asset]
		if ev == nil {
			ev = &assetEvidence{}
			sc.per[h.out.asset] = ev
			sc.order = append(sc.order, h.out.asset)
		}
		ev.mentions = append(ev.mentions, h)
	}
	start := len(out)
	sc.dcats = sc.dcats[:0]
	for _, a := range sc.order {
		c := m.mentioned(p, sc, f, a, sc.per[a])
		if Direct(c.Relation) {
			sc.dcats = append(sc.dcats, m.ix.assets[a].categories...)
		}
		out = append(out, c)
	}
	// The supplier is a known contractor of assets the text does not name.
	if f.supplierNIT != "" {
		for _, a := range m.ix.bySupplier[f.supplierNIT] {
			if sc.per[a] != nil {
				continue
			}
			if c, ok := m.supplierOnly(p, f, a); ok {
				out = append(out, c)
			}
		}
	}
	out = m.alternatives(p, f, out, start, sc.dcats)
	if res := out[start:]; len(res) > 1 {
		sort.SliceStable(res, func(i, j int) bool {
			if res[i].Score != res[j].Score {
				return res[i].Score > res[j].Score
			}
			return res[i].AssetID < res[j].AssetID
		})
	}
	return out
}

// Suggestions keeps the candidates that become suggestions: a stored
// relation (not USE) at or above the threshold.
func (m *Matcher) Suggestions(cs []Candidate) []Candidate {
	var out []Candidate
	for _, c := range cs {
		if c.Relation != RelUse && c.Score >= m.opt.Threshold {
			out = append(out, c)
		}
	}
	return out
}

// ambiguousOK accepts a mention of an ambiguous alias ("SAS", "SAP",
// "Mercurio") only when a word that says software governs it — right
// before it, possibly across generic words ("SISTEMA DE GESTIÓN
// DOCUMENTAL MERCURIO", "SOFTWARE ESTADÍSTICO SAS"), or right after it
// ("SAP ERP") — and not when it trails another product name (the "S.A.S."
// of "SYSMAN SAS").
func (m *Matcher) ambiguousOK(sc *scratch, i int) bool {
	h := sc.hits[i]
	softEnd := func(pos int32) bool { // a software cue ends at pos
		for _, o := range sc.hits {
			if o.out.kind == kindCue && o.out.cue == cueSoftware && o.end == pos {
				return true
			}
		}
		return false
	}
	for _, o := range sc.hits {
		if (o.out.kind == kindAlias || o.out.kind == kindURL) && o.end == h.start && o.out.asset != h.out.asset {
			return false
		}
		if o.out.kind == kindCue && o.out.cue == cueSoftware && o.start == h.end {
			return true
		}
	}
	for j, skipped := h.start, 0; j > 0 && skipped <= 4; skipped++ {
		if softEnd(j) {
			return true
		}
		if sc.tok.breaks[j] || !genericWords[string(sc.tok.word(int(j-1)))] {
			return false
		}
		j--
	}
	return false
}

func (m *Matcher) facts(p *registry.Purchase, sc *scratch) facts {
	var f facts
	f.buyer = p.BuyerNIT
	f.natural = p.Supplier.NaturalPerson
	if !f.natural && p.Supplier.DocNumber != "" {
		switch p.Supplier.DocType {
		case "NIT", "":
			f.company = looksLikeCompanyNIT(p.Supplier.DocNumber)
		}
	}
	if !f.natural && !f.company && legalPersonName(p.Supplier.Name) {
		f.company = true
	}
	if f.company || p.Supplier.DocType == "NIT" {
		f.supplierNIT = p.Supplier.DocNumber
	}
	f.supplierName = p.Supplier.Name
	for _, c := range p.UNSPSC {
		if f.softwareCode == "" && softwareUNSPSC(c) {
			f.softwareCode = c
		}
	}
	if len(p.UNSPSC) > 0 && personalUNSPSC(p.UNSPSC[0]) {
		f.personalCode = true
	}
	sc.cats = sc.cats[:0]
	for _, h := range sc.hits {
		switch h.out.kind {
		case kindCue:
			f.cueCount[h.out.cue]++
		case kindCategory:
			if !slices.Contains(sc.cats, h.out.asset) {
				sc.cats = append(sc.cats, h.out.asset)
			}
		}
	}
	f.categories = sc.cats
	// A person hired for professional or management-support services:
	// a natural-person supplier, or the wording of such a contract when
	// the supplier is not known to be a company.
	f.personal = f.natural || (!f.company && (f.cueCount[cuePersonal] > 0 || f.personalCode))
	return f
}

// looksLikeCompanyNIT: nine digits starting with 8 or 9 (or ten with the
// check digit glued on).
func looksLikeCompanyNIT(d string) bool {
	if len(d) != 9 && len(d) != 10 {
		return false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return d[0] == '8' || d[0] == '9'
}

// legalPersonName reports a supplier name with a company suffix.
func legalPersonName(name string) bool {
	for _, w := range foldWords(name) {
		switch w {
		case "sas", "ltda", "sa", "eu", "sca", "cia", "esp", "ese", "corporacion", "fundacion", "universidad",
			"asociacion", "cooperativa", "inc", "llc", "gmbh", "sucursal", "consorcio", "union":
			return true
		}
	}
	return false
}

// windowBefore and windowAfter bound where a cue can govern a mention.
const (
	windowBefore = 14
	windowAfter  = 10
)

// mentioned scores an asset the text names.
func (m *Matcher) mentioned(p *registry.Purchase, sc *scratch, f facts, a int32, ev *assetEvidence) Candidate {
	e := &m.ix.assets[a]
	c := Candidate{AssetID: e.id, Asset: e.name}
	first := ev.mentions[0]
	url := false
	for _, h := range ev.mentions {
		if h.out.kind == kindURL {
			url, first = true, h
			break
		}
	}
	if url {
		c.Score = 0.7
		c.Reasons = append(c.Reasons, fmt.Sprintf("la descripción cita el repositorio %s", e.aliases[first.out.alias]))
	} else {
		c.Score = 0.55
		c.Reasons = append(c.Reasons, fmt.Sprintf("la descripción nombra «%s»", e.aliases[first.out.alias]))
		if e.ambiguous[first.out.alias] {
			c.Score -= 0.05
			c.Reasons = append(c.Reasons, "nombre corto o común, aceptado porque va junto a una palabra de software")
		}
	}

	// Weigh every cue by its distance to the nearest mention of the asset.
	// A cue governs the nearest product: when another product is named
	// between the cue and this one, the cue is the other's. Access cues
	// (certificates to sign in) count wherever they are.
	var build [numCues]float64
	var use float64
	var nearest [numCues]string
	for _, h := range sc.hits {
		if h.out.kind != kindCue {
			continue
		}
		cu := h.out.cue
		if cu == cueSoftware || cu == cuePersonal || cu == cueNeutral {
			continue
		}
		if cu == cueAccess {
			use += 1.5
			continue
		}
		w := 0.0
		for _, mn := range ev.mentions {
			var d int32
			after := false
			switch {
			case h.end <= mn.start:
				d = mn.start - h.end
			case h.start >= mn.end:
				d, after = h.start-mn.end, true
			case h.start < mn.start:
				d = 0 // the cue runs into the name ("con base de datos" + "base de datos Oracle")
			default:
				continue
			}
			if (!after && d > windowBefore) || (after && d > windowAfter) {
				continue
			}
			if cu != cueUse && m.otherBetween(sc, a, h, mn, after) {
				continue
			}
			x := 1 / (1 + float64(d)/3)
			if after {
				x *= 0.6
			}
			if x > w {
				w = x
			}
		}
		if w == 0 {
			continue
		}
		if cu == cueUse {
			// A company's "para uso de" states what its product is for;
			// a person's "registro en el aplicativo" is the job.
			if f.company {
				w *= 0.6
			}
			use += w
			continue
		}
		if build[cu] == 0 {
			nearest[cu] = string(sc.tok.buf[sc.tok.spans[h.start].start:sc.tok.spans[h.end-1].end])
		}
		build[cu] += w
	}
	var buildSum, buildMax float64
	for _, b := range build {
		buildSum += b
		if b > buildMax {
			buildMax = b
		}
	}

	// Contract-level priors. A known contractor, a supplier named after
	// the product and the publisher buying work on its own system are
	// strong signs of a direct relation; a company selling under a
	// software UNSPSC code is a weak one, which counts only when the text
	// names an activity or no use at all.
	owner := e.publisher != "" && e.publisher == f.buyer
	ownerWeight := 0.6
	if f.personal {
		// The publisher's own clerks use its system too (SENA and SOFIA
		// Plus): owning it helps, but does not decide.
		ownerWeight = 0.3
	}
	contractor := f.supplierNIT != "" && e.contractors[f.supplierNIT] != ""
	namesake := !contractor && m.supplierNamedAfter(f, e)
	strong := 0.0
	if owner {
		strong += ownerWeight
		c.Reasons = append(c.Reasons, "la entidad compradora publica el activo")
	}
	if contractor {
		strong += 1.0
		c.Score += 0.25
		c.Reasons = append(c.Reasons, fmt.Sprintf("el proveedor (NIT %s) es contratista conocido del activo", f.supplierNIT))
	} else if namesake {
		strong += 0.8
		c.Score += 0.15
		c.Reasons = append(c.Reasons, "el proveedor lleva el nombre del producto o de su contratista")
	}
	if f.softwareCode != "" {
		c.Score += 0.1
		c.Reasons = append(c.Reasons, fmt.Sprintf("código UNSPSC de software %s", f.softwareCode))
	}
	weak := 0.0
	if f.company && f.softwareCode != "" && (buildSum > 0 || use == 0) {
		weak = 0.3
	}
	// A person hired by the hour works in systems far more often than on
	// them: the text must name an activity on the system, and clearly
	// more than any use of it.
	direct := false
	switch {
	case f.personal:
		need := 0.25
		if use > 0 {
			need = use + 0.3
		}
		direct = buildSum > 0 && buildSum+strong >= need
	default:
		direct = buildSum+strong+weak > use && buildSum+strong+weak > 0
	}
	bias := strong + weak
	if direct {
		rel := ""
		for _, cu := range relationPriority {
			if build[cu] > 0 && build[cu] >= 0.3*buildMax {
				rel = relationOf[cu]
				c.Reasons = append(c.Reasons, fmt.Sprintf("actividad sobre el sistema: %s («%s»)", cueNames[cu], nearest[cu]))
				break
			}
		}
		if rel == "" {
			rel = relationFromUNSPSC(f.softwareCode)
			if rel != "" {
				c.Reasons = append(c.Reasons, "relación deducida del código UNSPSC")
			} else {
				rel = registry.RelSupport
				c.Score -= 0.1
				c.Reasons = append(c.Reasons, "sin verbo de la actividad; se supone soporte")
			}
		}
		// A licence bought by a person is not a licence purchase: people
		// are hired to work, not to sell products.
		if rel == registry.RelLicensing && f.personal {
			for _, cu := range relationPriority[1:] {
				if build[cu] > 0 {
					rel = relationOf[cu]
					break
				}
			}
		}
		c.Relation = rel
		if f.personal {
			c.Reasons = append(c.Reasons, "servicios personales cuyo objeto actúa sobre el sistema (no solo lo usa)")
		}
		if margin := buildSum + bias - use; margin < 0.5 && (f.personal || !f.company) {
			c.Score -= 0.1
			c.Reasons = append(c.Reasons, "señales de uso cercanas: revisar")
		}
	} else {
		c.Relation = RelUse
		c.Score = minf(c.Score, 0.3)
		if f.personal {
			c.Reasons = append(c.Reasons, "servicios personales de alguien que trabaja en el sistema: lo usa, no lo compra, desarrolla ni soporta")
		} else {
			c.Reasons = append(c.Reasons, "la compra usa el sistema o da acceso a él; no lo compra, desarrolla ni soporta")
		}
	}
	c.Score = clamp(c.Score)
	return c
}

// otherBetween reports whether another asset is named between cue h and
// mention mn of asset a.
func (m *Matcher) otherBetween(sc *scratch, a int32, h, mn hit, after bool) bool {
	lo, hi := h.end, mn.start
	if after {
		lo, hi = mn.end, h.start
	}
	for _, o := range sc.hits {
		if (o.out.kind == kindAlias || o.out.kind == kindURL) && o.out.asset != a && o.start >= lo && o.end <= hi {
			return true
		}
	}
	return false
}

// supplierNamedAfter reports a supplier whose name contains a distinctive
// alias of the asset or the name of one of its contractors ("SYSMAN
// S.A.S." sells SYSMAN).
func (m *Matcher) supplierNamedAfter(f facts, e *assetEntry) bool {
	if f.supplierName == "" || f.natural {
		return false
	}
	name := foldJoin(f.supplierName)
	padded := " " + name + " "
	for i, al := range e.aliases {
		if strings.Contains(al, "/") {
			continue
		}
		w := foldJoin(al)
		if w == "" {
			continue
		}
		if e.ambiguous[i] {
			// "PCT" sells PCT Enterprise only when that is its whole name.
			if name == w || strings.HasPrefix(name, w+" ") && legalPersonName(name[len(w):]) {
				return true
			}
			continue
		}
		if strings.Contains(padded, " "+w+" ") {
			return true
		}
	}
	for _, n := range e.contractorNames {
		if n != "" && strings.Contains(padded, " "+n+" ") {
			return true
		}
	}
	return false
}

// supplierOnly scores an asset whose known contractor is the supplier when
// the text does not name it: a software purchase from the vendor of one
// product is likely that product.
func (m *Matcher) supplierOnly(p *registry.Purchase, f facts, a int32) (Candidate, bool) {
	e := &m.ix.assets[a]
	if f.personal {
		return Candidate{}, false
	}
	rel := ""
	for _, cu := range relationPriority {
		if f.cueCount[cu] > 0 {
			rel = relationOf[cu]
			break
		}
	}
	if rel == "" {
		rel = relationFromUNSPSC(f.softwareCode)
	}
	if rel == "" {
		return Candidate{}, false
	}
	c := Candidate{AssetID: e.id, Asset: e.name, Relation: rel}
	n := len(m.ix.bySupplier[f.supplierNIT])
	c.Score = 0.3
	if n == 1 {
		c.Score = 0.4
	}
	c.Reasons = append(c.Reasons, fmt.Sprintf("el proveedor (NIT %s) es contratista conocido del activo; la descripción no lo nombra", f.supplierNIT))
	if n > 1 {
		c.Reasons = append(c.Reasons, fmt.Sprintf("el proveedor atiende %d activos", n))
	}
	if f.softwareCode != "" {
		c.Score += 0.1
		c.Reasons = append(c.Reasons, fmt.Sprintf("código UNSPSC de software %s", f.softwareCode))
	}
	return c, true
}

// alternatives adds ALTERNATIVE candidates: public assets of a category the
// purchase bought software of, when the buyer did not buy that public
// asset itself.
func (m *Matcher) alternatives(p *registry.Purchase, f facts, out []Candidate, start int, directCats []string) []Candidate {
	if f.personal || len(m.ix.byCategory) == 0 {
		return out
	}
	if f.softwareCode == "" && f.cueCount[cueSoftware] == 0 {
		return out
	}
	for _, vi := range m.categoriesOf(p, f) {
		v := categoryVocabs[vi.vocab]
		cands := m.ix.byCategory[v.category]
		if len(cands) == 0 {
			continue
		}
		score := 0.3
		var reasons []string
		if vi.text {
			score += 0.15
			reasons = append(reasons, fmt.Sprintf("compra software de %s", v.label))
		}
		if vi.code != "" {
			score += 0.1
			reasons = append(reasons, fmt.Sprintf("código UNSPSC %s de %s", vi.code, v.label))
		}
		if slices.Contains(directCats, v.category) {
			score += 0.1
			reasons = append(reasons, "compra o renueva un producto comercial de esa categoría")
		}
		added := 0
		for _, a := range cands {
			if added >= m.opt.MaxAlternatives {
				break
			}
			e := &m.ix.assets[a]
			dup := false
			for _, c := range out[start:] {
				if c.AssetID == e.id {
					dup = true
					break
				}
			}
			if dup {
				continue
			}
			rs := append([]string{fmt.Sprintf("activo público de %s que la entidad podría reutilizar", v.label)}, reasons...)
			if e.adopters > 0 {
				rs = append(rs, fmt.Sprintf("%d entidades lo adoptaron", e.adopters))
			}
			out = append(out, Candidate{AssetID: e.id, Asset: e.name, Relation: registry.RelAlternative, Score: clamp(score), Reasons: rs})
			added++
		}
	}
	return out
}

type categoryHit struct {
	vocab int32
	text  bool
	code  string
}

// categoriesOf lists the category vocabularies a purchase matches, by text
// or UNSPSC code.
func (m *Matcher) categoriesOf(p *registry.Purchase, f facts) []categoryHit {
	var out []categoryHit
	for _, vi := range f.categories {
		out = append(out, categoryHit{vocab: vi, text: true})
	}
	for i, v := range categoryVocabs {
		for _, code := range p.UNSPSC {
			hitCode := false
			for _, pre := range v.unspsc {
				if strings.HasPrefix(code, pre) {
					hitCode = true
					break
				}
			}
			if !hitCode {
				continue
			}
			found := false
			for k := range out {
				if out[k].vocab == int32(i) {
					out[k].code, found = code, true
				}
			}
			if !found {
				out = append(out, categoryHit{vocab: int32(i), code: code})
			}
			break
		}
	}
	return out
}

func clamp(x float64) float64 {
	switch {
	case x < 0:
		return 0
	case x > 1:
		return 1
	}
	return float64(int(x*100+0.5)) / 100
}

func minf(a, b float64) float64 {
	if a < b {
		return a
	}
	return b
}
