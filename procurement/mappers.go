package procurement

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/acervo-co/acervo/registry"
)

// Mapped is what one input row becomes: a purchase and what it says about
// its buyer.
type Mapped struct {
	Purchase registry.Purchase
	// Buyer is the buying entity as this row describes it (NIT empty when
	// the row carries no usable NIT).
	Buyer registry.Entity
}

// mapper turns a tabular row into purchases.
type mapper func(r *Row, t *Tables) (Mapped, *RowError)

func mapperOf(d Dataset) mapper {
	switch d {
	case SECOP2Contracts:
		return mapSECOP2Contract
	case SECOP2Processes:
		return mapSECOP2Process
	case SECOP1:
		return mapSECOP1
	case TVEC:
		return mapTVEC
	case Integrado:
		return mapIntegrado
	}
	return nil
}

// fieldReader reads fields of a row, remembering the first error.
type fieldReader struct {
	r   *Row
	err *RowError
}

func (f *fieldReader) text(field string) string { return Clean(f.r.Get(field)) }

func (f *fieldReader) fail(field string, err error) {
	if f.err == nil {
		v := f.r.Get(field)
		if len(v) > 40 {
			v = v[:40] + "…"
		}
		f.err = fieldErr(f.r, field, "%q: %v", v, unwrapMsg(err))
	}
}

func unwrapMsg(err error) string {
	if errors.Is(err, ErrScientific) {
		return ErrScientific.Error()
	}
	return err.Error()
}

func (f *fieldReader) money(field string) (int64, bool) {
	v, ok, err := Money(f.r.Get(field))
	if err != nil {
		f.fail(field, err)
		return 0, false
	}
	return v, ok
}

func (f *fieldReader) date(field string) *time.Time {
	t, err := Date(f.r.Get(field))
	if err != nil {
		f.fail(field, err)
		return nil
	}
	return t
}

func (f *fieldReader) nit(field string) string {
	n, _, _, err := NIT(f.r.Get(field))
	if err != nil {
		f.fail(field, err)
		return ""
	}
	return n
}

func (f *fieldReader) party(typField, docField, nameField string) registry.Party {
	p, err := Party(f.r.Get(typField), f.r.Get(docField), f.r.Get(nameField))
	if err != nil {
		f.fail(docField, err)
	}
	return p
}

func (f *fieldReader) require(field, value string) {
	if value == "" && f.err == nil {
		if f.r.Has(field) {
			f.err = fieldErr(f.r, field, "is empty; it identifies the row")
		} else {
			f.err = fieldErr(f.r, field, "is missing; it identifies the row")
		}
	}
}

func (f *fieldReader) id(field string) string {
	v := f.text(field)
	if hasExponent(strings.TrimSpace(v)) {
		f.fail(field, ErrScientific)
		return ""
	}
	f.require(field, v)
	return v
}

// urlOf reads a URL column: plain, or Socrata's {"url": …} object written
// into a CSV cell.
func urlOf(v string) string {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "{") {
		if i := strings.Index(v, "http"); i >= 0 {
			u := v[i:]
			if j := strings.IndexByte(u, '"'); j >= 0 {
				u = u[:j]
			}
			return strings.ReplaceAll(u, `\/`, "/")
		}
		return ""
	}
	if strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://") {
		return v
	}
	return ""
}

// stripDeptPrefix drops the "DEPARTMENT - " prefix SECOP I puts before entity
// names ("CoRDOBA - ALCALDiA MUNICIPIO DE MONTELIBANO").
func stripDeptPrefix(name string, g *Gazetteer) string {
	if i := strings.Index(name, " - "); i > 0 && g.Department(name[:i]) != "" {
		return strings.TrimSpace(name[i+3:])
	}
	return name
}

func yearOf(t *time.Time) int {
	if t == nil {
		return 0
	}
	return t.In(Bogota).Year()
}

func addCode(list []string, raw string) []string {
	c, ok, err := ParseUNSPSC(raw)
	if !ok || err != nil {
		return list
	}
	for _, x := range list {
		if x == c.Code {
			return list
		}
	}
	return append(list, c.Code)
}

func buyer(nit, name, orden, sector, rama, dept, mpio string) registry.Entity {
	if nit == "" || !registry.ValidNIT(nit) || name == "" {
		return registry.Entity{}
	}
	if mpio != "" && mpio[:2] != dept {
		mpio = ""
	}
	return registry.Entity{
		NIT: nit, CheckDigit: registry.NITCheckDigit(nit), Name: name,
		Orden: orden, Sector: sector, Rama: rama, DepartmentCode: dept, MunicipalityCode: mpio,
	}
}

func mapSECOP2Contract(r *Row, t *Tables) (Mapped, *RowError) {
	f := &fieldReader{r: r}
	p := registry.Purchase{Source: registry.SourceSECOPII}
	p.ContractID = f.id("id_contrato")
	p.ProcessID = f.text("proceso_de_compra")
	p.URL = urlOf(r.Get("urlproceso"))
	p.BuyerNIT = f.nit("nit_entidad")
	p.BuyerName = f.text("nombre_entidad")
	p.Supplier = f.party("tipodocproveedor", "documento_proveedor", "proveedor_adjudicado")
	p.LegalRep = f.party("tipo_de_identificaci_n_representante_legal", "identificaci_n_representante_legal", "nombre_representante_legal")
	legalRepIsPerson(&p.LegalRep)
	p.Description = f.text("descripcion_del_proceso")
	p.Object = distinct(f.text("objeto_del_contrato"), p.Description)
	if p.Description == "" {
		p.Description, p.Object = p.Object, ""
	}
	p.UNSPSC = addCode(nil, r.Get("codigo_de_categoria_principal"))
	if _, _, err := ParseUNSPSC(r.Get("codigo_de_categoria_principal")); err != nil {
		f.fail("codigo_de_categoria_principal", err)
	}
	p.Modality = Modality(r.Get("modalidad_de_contratacion"))
	p.ContractType = ContractType(r.Get("tipo_de_contrato"))
	p.Status = Status(r.Get("estado_contrato"))
	p.Value, _ = f.money("valor_del_contrato")
	p.SignedAt = f.date("fecha_de_firma")
	p.StartAt = f.date("fecha_de_inicio_del_contrato")
	p.EndAt = f.date("fecha_de_fin_del_contrato")
	p.Year = yearOf(p.SignedAt)
	p.DepartmentCode, p.MunicipalityCode = t.Places.Place(r.Get("departamento"), r.Get("ciudad"))
	if f.err != nil {
		return Mapped{}, f.err
	}
	b := buyer(p.BuyerNIT, p.BuyerName, Orden(r.Get("orden")), Sector(r.Get("sector")), Rama(r.Get("rama")),
		p.DepartmentCode, p.MunicipalityCode)
	return Mapped{Purchase: p, Buyer: b}, nil
}

func mapSECOP2Process(r *Row, t *Tables) (Mapped, *RowError) {
	f := &fieldReader{r: r}
	p := registry.Purchase{Source: registry.SourceSECOPII}
	proc := f.id("id_del_proceso")
	p.ContractID = proc
	if award := f.text("id_adjudicacion"); award != "" {
		p.ContractID = proc + "/" + award
	}
	p.ProcessID = f.text("id_del_portafolio")
	p.URL = urlOf(r.Get("urlproceso"))
	p.BuyerNIT = f.nit("nit_entidad")
	p.BuyerName = f.text("entidad")
	p.Supplier = f.party("", "nit_del_proveedor_adjudicado", "nombre_del_proveedor")
	p.Description = f.text("descripci_n_del_procedimiento")
	p.Object = distinct(f.text("nombre_del_procedimiento"), p.Description)
	if p.Description == "" {
		p.Description, p.Object = p.Object, ""
	}
	p.UNSPSC = addCode(nil, r.Get("codigo_principal_de_categoria"))
	for _, c := range UNSPSCList(r.Get("categorias_adicionales")) {
		p.UNSPSC = addCode(p.UNSPSC, c)
	}
	p.Modality = Modality(r.Get("modalidad_de_contratacion"))
	p.ContractType = ContractType(r.Get("tipo_de_contrato"))
	p.Status = Status(r.Get("estado_del_procedimiento"))
	awarded, _ := f.money("valor_total_adjudicacion")
	base, _ := f.money("precio_base")
	p.Value = awarded
	if p.Value == 0 {
		p.Value = base
	}
	p.SignedAt = f.date("fecha_adjudicacion")
	published := f.date("fecha_de_publicacion_del")
	p.Year = yearOf(p.SignedAt)
	if p.Year == 0 {
		p.Year = yearOf(published)
	}
	p.DepartmentCode, p.MunicipalityCode = t.Places.Place(r.Get("departamento_entidad"), r.Get("ciudad_entidad"))
	if f.err != nil {
		return Mapped{}, f.err
	}
	b := buyer(p.BuyerNIT, p.BuyerName, Orden(r.Get("ordenentidad")), "", "", p.DepartmentCode, p.MunicipalityCode)
	return Mapped{Purchase: p, Buyer: b}, nil
}

func mapSECOP1(r *Row, t *Tables) (Mapped, *RowError) {
	f := &fieldReader{r: r}
	p := registry.Purchase{Source: registry.SourceSECOPI}
	constancia := f.id("numero_de_constancia")
	p.ContractID = constancia
	if award := f.text("id_adjudicacion"); award != "" {
		p.ContractID = constancia + "/" + award
	}
	p.ProcessID = constancia
	p.URL = urlOf(r.Get("ruta_proceso_en_secop_i"))
	p.BuyerNIT = f.nit("nit_de_la_entidad")
	p.BuyerName = stripDeptPrefix(f.text("nombre_entidad"), t.Places)
	p.Supplier = f.party("tipo_identifi_del_contratista", "identificacion_del_contratista", "nom_razon_social_contratista")
	p.LegalRep = f.party("tipo_doc_representante_legal", "identific_representante_legal", "nombre_del_represen_legal")
	legalRepIsPerson(&p.LegalRep)
	p.Description = f.text("detalle_del_objeto_a_contratar")
	p.Object = distinct(f.text("objeto_del_contrato_a_la"), p.Description)
	if p.Description == "" {
		p.Description, p.Object = p.Object, ""
	}
	switch {
	case !IsNull(r.Get("id_clase")):
		p.UNSPSC = addCode(nil, r.Get("id_clase"))
	case !IsNull(r.Get("id_familia")):
		p.UNSPSC = addCode(nil, r.Get("id_familia"))
	default:
		p.UNSPSC = addCode(nil, r.Get("id_objeto_a_contratar"))
	}
	p.Modality = Modality(r.Get("modalidad_de_contratacion"))
	p.ContractType = ContractType(r.Get("tipo_de_contrato"))
	p.Status = Status(r.Get("estado_del_proceso"))
	v, ok := f.money("valor_contrato_con_adiciones")
	if !ok {
		// cuantia_contrato is the initial value; read it only when the
		// total is missing (it is damaged in some extracts).
		v, _ = f.money("cuantia_contrato")
	}
	if cur := nameKey(r.Get("moneda")); strings.Contains(cur, "dolar") || strings.Contains(cur, "euro") {
		v = 0 // not pesos, and no rate to convert it
	}
	p.Value = v
	p.SignedAt = f.date("fecha_de_firma_del_contrato")
	p.StartAt = f.date("fecha_ini_ejec_contrato")
	p.EndAt = f.date("fecha_fin_ejec_contrato")
	p.Year = yearOf(p.SignedAt)
	if y, err := strconv.Atoi(strings.TrimSpace(r.Get("anno_firma_contrato"))); p.Year == 0 && err == nil && y > 1990 {
		p.Year = y
	}
	p.DepartmentCode, p.MunicipalityCode = t.Places.Place(r.Get("departamento_entidad"), r.Get("municipio_entidad"))
	if f.err != nil {
		return Mapped{}, f.err
	}
	orden := Orden(r.Get("orden_entidad"))
	if orden == "" {
		orden = Orden(r.Get("nivel_entidad"))
	}
	b := buyer(p.BuyerNIT, p.BuyerName, orden, "", "", p.DepartmentCode, p.MunicipalityCode)
	return Mapped{Purchase: p, Buyer: b}, nil
}

func mapTVEC(r *Row, t *Tables) (Mapped, *RowError) {
	f := &fieldReader{r: r}
	p := registry.Purchase{Source: registry.SourceTVEC}
	p.ContractID = f.id("identificador_de_la_orden")
	p.ProcessID = f.text("solicitud")
	p.BuyerNIT = f.nit("nit_entidad")
	p.BuyerName = f.text("entidad")
	p.Supplier = f.party("", "nit_proveedor", "proveedor")
	p.Description = f.text("items")
	p.FrameworkAgreement = f.text("agregacion")
	p.ContractType = "Orden de compra"
	p.Modality = "Tienda Virtual del Estado Colombiano"
	if p.FrameworkAgreement != "" {
		p.Modality = "Acuerdo marco de precios / instrumento de agregación de demanda"
	}
	p.Status = Status(r.Get("estado"))
	p.Value, _ = f.money("total")
	p.SignedAt = f.date("fecha")
	p.EndAt = f.date("fecha_vence")
	p.Year = yearOf(p.SignedAt)
	if y, err := strconv.Atoi(strings.TrimSpace(r.Get("a_o"))); p.Year == 0 && err == nil && y > 1990 {
		p.Year = y
	}
	p.DepartmentCode, p.MunicipalityCode = t.Places.Place("", r.Get("ciudad"))
	if f.err != nil {
		return Mapped{}, f.err
	}
	b := buyer(p.BuyerNIT, p.BuyerName, Orden(r.Get("orden_de_la_entidad")), Sector(r.Get("sector_de_la_entidad")),
		Rama(r.Get("rama_de_la_entidad")), p.DepartmentCode, p.MunicipalityCode)
	return Mapped{Purchase: p, Buyer: b}, nil
}

func mapIntegrado(r *Row, t *Tables) (Mapped, *RowError) {
	f := &fieldReader{r: r}
	p := registry.Purchase{Source: registry.SourceSECOPII}
	origin := nameKey(r.Get("origen"))
	num := f.id("numero_del_contrato")
	switch origin {
	case "secopii", "secop ii":
		p.ContractID = num
	case "secopi", "secop i":
		// SECOP I contract numbers are the entity's own references: unique
		// only within the entity and the process.
		p.Source = registry.SourceSECOPI
		p.ContractID = "rpmr:" + keepDigits(r.Get("nit_de_la_entidad")) + ":" + f.text("numero_de_proceso") + ":" + num
	default:
		if f.err == nil {
			f.err = fieldErr(r, "origen", "%q is neither SECOPI nor SECOPII", r.Get("origen"))
		}
	}
	p.ProcessID = f.text("numero_de_proceso")
	p.URL = urlOf(r.Get("url_contrato"))
	p.BuyerNIT = f.nit("nit_de_la_entidad")
	p.BuyerName = f.text("nombre_de_la_entidad")
	p.Supplier = f.party("tipo_documento_proveedor", "documento_proveedor", "nom_raz_social_contratista")
	p.Description = f.text("objeto_del_proceso")
	p.Object = distinct(f.text("objeto_a_contratar"), p.Description)
	if p.Description == "" {
		p.Description, p.Object = p.Object, ""
	}
	p.Modality = Modality(r.Get("modalidad_de_contrataci_n"))
	p.ContractType = ContractType(r.Get("tipo_de_contrato"))
	p.Status = Status(r.Get("estado_del_proceso"))
	p.Value, _ = f.money("valor_contrato")
	p.SignedAt = f.date("fecha_de_firma_del_contrato")
	p.StartAt = f.date("fecha_inicio_ejecuci_n")
	p.EndAt = f.date("fecha_fin_ejecuci_n")
	p.Year = yearOf(p.SignedAt)
	p.DepartmentCode, p.MunicipalityCode = t.Places.Place(r.Get("departamento_entidad"), r.Get("municipio_entidad"))
	if f.err != nil {
		return Mapped{}, f.err
	}
	b := buyer(p.BuyerNIT, p.BuyerName, Orden(r.Get("nivel_entidad")), "", "", p.DepartmentCode, p.MunicipalityCode)
	return Mapped{Purchase: p, Buyer: b}, nil
}

// legalRepIsPerson marks a legal representative as a natural person unless
// the document says it is a company's.
func legalRepIsPerson(p *registry.Party) {
	if p.DocNumber == "" {
		return
	}
	if p.DocType != DocNIT && p.DocType != DocForeignCo && p.DocType != DocForeignNIT && p.DocType != DocTrust {
		p.NaturalPerson = true
	}
}

// distinct returns a unless it says the same as b (case and accents aside).
func distinct(a, b string) string {
	if a == "" || fold(a) == fold(b) {
		return ""
	}
	return a
}

// RowHash is the hash of a purchase's normalised content: every field an
// import writes, not the stored id, revision or timestamps. Two rows that
// normalise to the same purchase have the same hash.
func RowHash(p *registry.Purchase) string {
	h := rowHasher{buf: make([]byte, 0, 1024)}
	return h.sum(p)
}

// rowHasher computes row hashes reusing one buffer: the fields are laid out
// in buf (each string after its length, numbers as 8 little-endian bytes)
// and hashed in one call, without allocating per field.
type rowHasher struct {
	buf []byte
}

func (w *rowHasher) sum(p *registry.Purchase) string {
	w.buf = w.buf[:0]
	w.s(p.Source)
	w.s(p.ContractID)
	w.s(p.ProcessID)
	w.s(p.URL)
	w.s(p.BuyerNIT)
	w.s(p.BuyerName)
	w.party(p.Supplier)
	w.party(p.LegalRep)
	w.s(p.Description)
	w.s(p.Object)
	w.n(int64(len(p.UNSPSC)))
	for _, c := range p.UNSPSC {
		w.s(c)
	}
	w.s(p.Modality)
	w.s(p.ContractType)
	w.s(p.Status)
	w.n(p.Value)
	w.t(p.SignedAt)
	w.t(p.StartAt)
	w.t(p.EndAt)
	w.n(int64(p.Year))
	w.s(p.DepartmentCode)
	w.s(p.MunicipalityCode)
	w.s(p.FrameworkAgreement)
	w.n(int64(math.Round(p.SoftwareScore * 1000)))
	w.n(int64(len(p.SoftwareReasons)))
	for _, r := range p.SoftwareReasons {
		w.s(r)
	}
	sum := sha256.Sum256(w.buf)
	var out [32]byte
	hex.Encode(out[:], sum[:16])
	return string(out[:])
}

func (w *rowHasher) s(v string) {
	w.n(int64(len(v)))
	w.buf = append(w.buf, v...)
}

func (w *rowHasher) n(v int64) {
	w.buf = binary.LittleEndian.AppendUint64(w.buf, uint64(v))
}

func (w *rowHasher) t(v *time.Time) {
	if v == nil {
		w.n(math.MinInt64)
		return
	}
	w.n(v.Unix())
}

func (w *rowHasher) party(p registry.Party) {
	w.s(p.DocType)
	w.s(p.DocNumber)
	w.s(p.Name)
	if p.NaturalPerson {
		w.n(1)
	} else {
		w.n(0)
	}
}
