package sqlite

import (
	"encoding/binary"
	"errors"
	"math"
	"time"
	"unsafe"

	"github.com/acervo-co/acervo/registry"
	jsonv2 "github.com/go-json-experiment/json"
)

// Purchases are the one table of millions of rows, and a page of them is
// read on every buyer, supplier and asset page. Their documents are kept in a
// compact binary form instead of JSON: decoding a page of 20 from JSON cost
// more than the whole SQLite query (≈11 µs a document), and the JSON keys
// made every row a third larger. Rows written before this form (JSON, they
// start with '{') are still read as JSON; every other table keeps JSON.
//
// Layout: one marker byte (purchaseV1), then every field of
// registry.Purchase in declaration order: strings and string slices as
// uvarint lengths followed by their bytes, integers as varints, floats as 8
// little-endian bytes, booleans as one byte, times as a uvarint length and
// time.Time's MarshalBinary (which keeps the zone offset), an absent *time
// as length 0. TestPurchaseCodecCoversEveryField fails when a field is added
// to Purchase or Party without being added here.
const purchaseV1 = 0x01

var errPurchaseCodec = errors.New("sqlite: corrupt purchase record")

// isPurchaseBinary tells the binary form from JSON.
func isPurchaseBinary(doc []byte) bool { return len(doc) > 0 && doc[0] == purchaseV1 }

type penc struct{ b []byte }

func (e *penc) str(s string) {
	e.b = binary.AppendUvarint(e.b, uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *penc) strs(ss []string) {
	if ss == nil {
		e.b = append(e.b, 0)
		return
	}
	// 0 is nil, n+1 is a slice of n (an empty non-nil slice stays empty).
	e.b = binary.AppendUvarint(e.b, uint64(len(ss))+1)
	for _, s := range ss {
		e.str(s)
	}
}

func (e *penc) int(v int64) { e.b = binary.AppendVarint(e.b, v) }

func (e *penc) float(f float64) { e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(f)) }

func (e *penc) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

func (e *penc) time(t time.Time) error {
	m, err := t.MarshalBinary()
	if err != nil {
		return err
	}
	e.b = binary.AppendUvarint(e.b, uint64(len(m)))
	e.b = append(e.b, m...)
	return nil
}

func (e *penc) ptime(t *time.Time) error {
	if t == nil {
		e.b = append(e.b, 0)
		return nil
	}
	return e.time(*t)
}

func (e *penc) party(p registry.Party) {
	e.str(p.DocType)
	e.str(p.DocNumber)
	e.str(p.Name)
	e.bool(p.NaturalPerson)
}

// encodePurchase appends the binary form of p to buf.
func encodePurchase(buf []byte, p *registry.Purchase) ([]byte, error) {
	if buf == nil {
		// One allocation: the text, and room for lengths, numbers and times.
		n := 160 + len(p.ID) + len(p.Source) + len(p.ContractID) + len(p.ProcessID) + len(p.URL) + len(p.BuyerNIT) +
			len(p.BuyerName) + len(p.Supplier.Name) + len(p.LegalRep.Name) + len(p.Description) + len(p.Object) +
			len(p.Modality) + len(p.ContractType) + len(p.Status) + len(p.RowHash) + 12*(len(p.UNSPSC)+len(p.SoftwareReasons))
		buf = make([]byte, 0, n)
	}
	e := penc{b: append(buf, purchaseV1)}
	e.str(p.ID)
	e.str(p.Source)
	e.str(p.ContractID)
	e.str(p.ProcessID)
	e.str(p.URL)
	e.str(p.BuyerNIT)
	e.str(p.BuyerName)
	e.party(p.Supplier)
	e.party(p.LegalRep)
	e.str(p.Description)
	e.str(p.Object)
	e.strs(p.UNSPSC)
	e.str(p.Modality)
	e.str(p.ContractType)
	e.str(p.Status)
	e.int(p.Value)
	for _, t := range []*time.Time{p.SignedAt, p.StartAt, p.EndAt} {
		if err := e.ptime(t); err != nil {
			return nil, err
		}
	}
	e.int(int64(p.Year))
	e.str(p.DepartmentCode)
	e.str(p.MunicipalityCode)
	e.str(p.FrameworkAgreement)
	e.float(p.SoftwareScore)
	e.strs(p.SoftwareReasons)
	e.str(p.RowHash)
	if err := e.time(p.CreatedAt); err != nil {
		return nil, err
	}
	if err := e.time(p.UpdatedAt); err != nil {
		return nil, err
	}
	e.int(p.Rev)
	return e.b, nil
}

// pdec reads the binary form. Strings point into one private copy of the
// record (never written after), so a record costs one allocation for all of
// its text instead of one per field.
type pdec struct {
	b   []byte
	err error
}

func (d *pdec) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errPurchaseCodec
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *pdec) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.err = errPurchaseCodec
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *pdec) str() string {
	v := d.bytes()
	if len(v) == 0 {
		return ""
	}
	return unsafe.String(&v[0], len(v))
}

func (d *pdec) strs() []string {
	n := d.uvarint()
	if d.err != nil || n == 0 {
		return nil
	}
	n--
	if n > uint64(len(d.b)) { // every string takes at least one byte
		d.err = errPurchaseCodec
		return nil
	}
	ss := make([]string, n)
	for i := range ss {
		ss[i] = d.str()
	}
	return ss
}

func (d *pdec) int() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errPurchaseCodec
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *pdec) float() float64 {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 8 {
		d.err = errPurchaseCodec
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
	d.b = d.b[8:]
	return v
}

func (d *pdec) bool() bool {
	if d.err != nil {
		return false
	}
	if len(d.b) < 1 || d.b[0] > 1 {
		d.err = errPurchaseCodec
		return false
	}
	v := d.b[0] == 1
	d.b = d.b[1:]
	return v
}

func (d *pdec) time() time.Time {
	var t time.Time
	m := d.bytes()
	if d.err == nil {
		if err := t.UnmarshalBinary(m); err != nil {
			d.err = errPurchaseCodec
		}
	}
	return t
}

func (d *pdec) ptime() *time.Time {
	if d.err == nil && len(d.b) > 0 && d.b[0] == 0 {
		d.b = d.b[1:]
		return nil
	}
	t := d.time()
	if d.err != nil {
		return nil
	}
	return &t
}

func (d *pdec) party() registry.Party {
	return registry.Party{DocType: d.str(), DocNumber: d.str(), Name: d.str(), NaturalPerson: d.bool()}
}

// decodePurchase reads the binary form made by encodePurchase.
func decodePurchase(doc []byte, p *registry.Purchase) error {
	if !isPurchaseBinary(doc) {
		return errPurchaseCodec
	}
	own := make([]byte, len(doc)-1)
	copy(own, doc[1:])
	d := pdec{b: own}
	*p = registry.Purchase{
		ID: d.str(), Source: d.str(), ContractID: d.str(), ProcessID: d.str(), URL: d.str(),
		BuyerNIT: d.str(), BuyerName: d.str(), Supplier: d.party(), LegalRep: d.party(),
		Description: d.str(), Object: d.str(), UNSPSC: d.strs(),
		Modality: d.str(), ContractType: d.str(), Status: d.str(), Value: d.int(),
		SignedAt: d.ptime(), StartAt: d.ptime(), EndAt: d.ptime(), Year: int(d.int()),
		DepartmentCode: d.str(), MunicipalityCode: d.str(), FrameworkAgreement: d.str(),
		SoftwareScore: d.float(), SoftwareReasons: d.strs(), RowHash: d.str(),
		CreatedAt: d.time(), UpdatedAt: d.time(), Rev: d.int(),
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = errPurchaseCodec
	}
	if d.err != nil {
		*p = registry.Purchase{}
		return d.err
	}
	return nil
}

// purchaseCreatedAt reads only the creation time of a stored purchase, in
// either form.
func purchaseCreatedAt(doc []byte) (time.Time, error) {
	var p registry.Purchase
	if isPurchaseBinary(doc) {
		err := decodePurchase(doc, &p)
		return p.CreatedAt, err
	}
	var c struct {
		CreatedAt time.Time `json:"createdAt"`
	}
	err := jsonv2.Unmarshal(doc, &c)
	return c.CreatedAt, err
}
