package sqlite

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/acervo-co/acervo/registry"
)

// nonZero sets v (settable) to a value other than its zero, by kind.
func nonZero(t *testing.T, v reflect.Value, path string) {
	t.Helper()
	switch {
	case v.Type() == reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(time.Date(2024, 8, 9, 12, 30, 5, 123456789, time.FixedZone("", -5*3600))))
	case v.Type() == reflect.TypeFor[*time.Time]():
		tm := time.Date(2023, 1, 2, 3, 4, 5, 0, time.UTC)
		v.Set(reflect.ValueOf(&tm))
	case v.Kind() == reflect.String:
		v.SetString("válido ñ " + path)
	case v.Kind() == reflect.Int, v.Kind() == reflect.Int64:
		v.SetInt(-1234567890123)
	case v.Kind() == reflect.Float64:
		v.SetFloat(0.875)
	case v.Kind() == reflect.Bool:
		v.SetBool(true)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
		v.Set(reflect.ValueOf([]string{"43231500", "", path}))
	default:
		t.Fatalf("%s: the test does not know how to fill a %s; teach it and purchasecodec.go", path, v.Type())
	}
}

func sameValue(a, b reflect.Value) bool {
	if ta, ok := a.Interface().(time.Time); ok {
		tb := b.Interface().(time.Time)
		_, oa := ta.Zone()
		_, ob := tb.Zone()
		return ta.Equal(tb) && oa == ob
	}
	if pa, ok := a.Interface().(*time.Time); ok {
		pb := b.Interface().(*time.Time)
		if pa == nil || pb == nil {
			return pa == pb
		}
		return sameValue(reflect.ValueOf(*pa), reflect.ValueOf(*pb))
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

// TestPurchaseCodecCoversEveryField sets each field of Purchase (and of its
// Party fields) alone and checks that it survives the binary form: a field
// added to the type and forgotten by the codec fails here.
func TestPurchaseCodecCoversEveryField(t *testing.T) {
	typ := reflect.TypeFor[registry.Purchase]()
	check := func(t *testing.T, p *registry.Purchase, field func(*registry.Purchase) reflect.Value, path string) {
		doc, err := encodePurchase(nil, p)
		if err != nil {
			t.Fatal(err)
		}
		var got registry.Purchase
		if err := decodePurchase(doc, &got); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if !sameValue(field(p), field(&got)) {
			t.Errorf("%s: wrote %v, read %v", path, field(p).Interface(), field(&got).Interface())
		}
		if !reflect.DeepEqual(jsonOf(t, p), jsonOf(t, &got)) {
			t.Errorf("%s: the record differs after the round trip:\n%s\n%s", path, jsonOf(t, p), jsonOf(t, &got))
		}
	}
	for i := range typ.NumField() {
		f := typ.Field(i)
		if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeFor[time.Time]() {
			for j := range f.Type.NumField() {
				path := f.Name + "." + f.Type.Field(j).Name
				var p registry.Purchase
				nonZero(t, reflect.ValueOf(&p).Elem().Field(i).Field(j), path)
				check(t, &p, func(p *registry.Purchase) reflect.Value { return reflect.ValueOf(p).Elem().Field(i).Field(j) }, path)
			}
			continue
		}
		var p registry.Purchase
		nonZero(t, reflect.ValueOf(&p).Elem().Field(i), f.Name)
		check(t, &p, func(p *registry.Purchase) reflect.Value { return reflect.ValueOf(p).Elem().Field(i) }, f.Name)
	}
}

func jsonOf(t *testing.T, p *registry.Purchase) string {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPurchaseCodecRoundTrip checks whole generated records, nil and empty
// slices apart, and zones (UTC, Bogotá, the machine's own).
func TestPurchaseCodecRoundTrip(t *testing.T) {
	g := newPurchaseGen(3)
	bogota := time.FixedZone("", -5*3600)
	for i := range 200 {
		p := g.purchase(i)
		p.ID = registry.NewID(time.Now())
		p.Rev = int64(i)
		switch i % 4 {
		case 0:
			p.SignedAt, p.UNSPSC = nil, []string{}
		case 1:
			s := p.SignedAt.In(bogota)
			p.SignedAt, p.StartAt = &s, &s
			p.LegalRep = registry.Party{DocType: "CC", DocNumber: "1020304050", Name: "PERSONA NATURAL", NaturalPerson: true}
		case 2:
			s := p.SignedAt.In(time.Local)
			p.EndAt, p.SoftwareReasons = &s, nil
		}
		doc, err := encodePurchase(nil, &p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decode[registry.Purchase](doc)
		if err != nil {
			t.Fatal(err)
		}
		if jsonOf(t, &p) != jsonOf(t, &got) || (p.UNSPSC == nil) != (got.UNSPSC == nil) || (p.SoftwareReasons == nil) != (got.SoftwareReasons == nil) {
			t.Fatalf("row %d differs:\n%s\n%s", i, jsonOf(t, &p), jsonOf(t, &got))
		}
		if len(doc) >= len(jsonOf(t, &p)) {
			t.Errorf("row %d: binary form %d bytes, JSON %d", i, len(doc), len(jsonOf(t, &p)))
		}
	}
}

// TestPurchaseCodecCorrupt: a damaged record is an error, never a panic or a
// half-read purchase.
func TestPurchaseCodecCorrupt(t *testing.T) {
	p := newPurchaseGen(1).purchase(1)
	doc, err := encodePurchase(nil, &p)
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n < len(doc); n++ {
		if _, err := decode[registry.Purchase](doc[:n]); err == nil {
			t.Fatalf("a record cut at %d of %d bytes was read", n, len(doc))
		}
	}
	if _, err := decode[registry.Purchase](append(doc, 0)); err == nil {
		t.Fatal("a record with a trailing byte was read")
	}
}

// FuzzDecodePurchase: any bytes decode to an error or to a record that
// encodes and decodes to itself.
func FuzzDecodePurchase(f *testing.F) {
	p := newPurchaseGen(1).purchase(1)
	doc, _ := encodePurchase(nil, &p)
	f.Add(doc)
	f.Add([]byte{purchaseV1})
	f.Fuzz(func(t *testing.T, b []byte) {
		var p registry.Purchase
		if err := decodePurchase(b, &p); err == nil {
			again, err := encodePurchase(nil, &p)
			if err != nil {
				t.Fatal(err)
			}
			var q registry.Purchase
			if err := decodePurchase(again, &q); err != nil {
				t.Fatalf("a re-encoded record does not decode: %v", err)
			}
			third, err := encodePurchase(nil, &q)
			if err != nil || string(third) != string(again) {
				t.Fatalf("re-encoding a decoded record changed it: %v", err)
			}
		}
	})
}

// TestPurchasesWrittenAsJSONStillRead: rows stored before the binary form
// read as before, and an import of the same rows finds them unchanged and
// keeps their creation time.
func TestPurchasesWrittenAsJSONStillRead(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	g := newPurchaseGen(9)
	batch := []registry.Purchase{g.purchase(1), g.purchase(2)}
	ev := func() *registry.AuditEvent {
		return &registry.AuditEvent{At: time.Now(), Actor: "system:import", Action: "purchase.import", TargetKind: "import", TargetID: "t"}
	}
	if _, err := s.Purchases().UpsertBatch(ctx, batch, ev()); err != nil {
		t.Fatal(err)
	}
	// Rewrite the stored rows as the JSON an older acervo wrote.
	for _, p := range batch {
		stored, err := s.Purchases().GetByKey(ctx, p.Source, p.ContractID)
		if err != nil {
			t.Fatal(err)
		}
		old, err := json.Marshal(stored)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.w.ExecContext(ctx, `UPDATE purchases SET doc = ? WHERE id = ?`, string(old), stored.ID); err != nil {
			t.Fatal(err)
		}
		var raw string
		if err := s.w.QueryRowContext(ctx, `SELECT doc FROM purchases WHERE id = ?`, stored.ID).Scan(&raw); err != nil || raw[0] != '{' {
			t.Fatalf("the row was not rewritten as JSON: %.20q %v", raw, err)
		}
		got, err := s.Purchases().Get(ctx, stored.ID)
		if err != nil {
			t.Fatal(err)
		}
		if jsonOf(t, &got) != string(old) {
			t.Fatalf("JSON row read back differently:\n%s\n%s", old, jsonOf(t, &got))
		}
	}
	again := []registry.Purchase{g.purchase(1), g.purchase(2)}
	g2 := newPurchaseGen(9)
	again[0], again[1] = g2.purchase(1), g2.purchase(2)
	out, err := s.Purchases().UpsertBatch(ctx, again, ev())
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range out {
		if o != registry.OutcomeUnchanged {
			t.Errorf("row %d: %v, want unchanged", i, o)
		}
	}
	// A changed row is written in the binary form and keeps its creation time.
	changed := again[0]
	changed.RowHash, changed.Value = "changed", 42
	changed.CreatedAt = time.Now()
	if _, err := s.Purchases().UpsertBatch(ctx, []registry.Purchase{changed}, ev()); err != nil {
		t.Fatal(err)
	}
	got, err := s.Purchases().GetByKey(ctx, changed.Source, changed.ContractID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Value != 42 || !got.CreatedAt.Equal(batch[0].CreatedAt) || got.Rev != 2 {
		t.Errorf("updated row: value %d, created %v (want %v), rev %d", got.Value, got.CreatedAt, batch[0].CreatedAt, got.Rev)
	}
	var doc []byte
	if err := s.w.QueryRowContext(ctx, `SELECT doc FROM purchases WHERE id = ?`, got.ID).Scan(&doc); err != nil || !isPurchaseBinary(doc) {
		t.Errorf("the updated row starts with %.1q, want the binary marker (%v)", doc, err)
	}
}
