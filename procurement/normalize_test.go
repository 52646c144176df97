package procurement

import (
	"errors"
	"strings"
	"testing"

	"github.com/acervo-co/acervo/registry"
)

func TestNIT(t *testing.T) {
	cases := []struct {
		in       string
		nit      string
		dv       int
		mismatch bool
		err      bool
	}{
		{"899999027", "899999027", 8, false, false},
		{"8999990619", "899999061", 9, false, false},     // NIT and DV glued
		{"8000898096", "800089809", 6, false, false},     // IBAL
		{"8999990615", "8999990615", 8, false, false},    // ten digits, DV does not verify: kept as published
		{"1020304050", "1020304050", -1, false, false},   // a cédula, not NIT+DV
		{"890981115-6", "890981115", 6, false, false},    // SECOP I
		{"890.480.184-4", "890480184", 4, false, false},  // dotted
		{"890982294- 0", "890982294", 0, false, false},   // space after the hyphen
		{"890984376-0", "890984376", -1, true, false},    // wrong DV: NIT kept, mismatch said
		{"890.480.184,00", "890480184", 4, false, false}, // Spanish spreadsheet
		{"No Definido", "", -1, false, false},            // null sentinel
		{"2,02E+12", "", -1, false, true},                // spreadsheet damage
		{"CONSORCIO X", "", -1, false, true},             // not a NIT
		{"1234", "", -1, false, true},                    // too short
	}
	for _, c := range cases {
		nit, dv, mm, err := NIT(c.in)
		if (err != nil) != c.err || nit != c.nit || mm != c.mismatch || (c.dv >= 0 && dv != c.dv) {
			t.Errorf("NIT(%q) = %q, %d, %v, %v; want %q, %d, %v, err %v", c.in, nit, dv, mm, err, c.nit, c.dv, c.mismatch, c.err)
		}
	}
	if _, _, _, err := NIT("2,02E+12"); !errors.Is(err, ErrScientific) {
		t.Errorf("scientific notation: %v", err)
	}
}

func TestMoney(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		ok   bool
		err  bool
	}{
		{"3080250", 3080250, true, false},
		{"130432400.0", 130432400, true, false},
		{"57333333.5", 57333334, true, false},
		{"$ 31.500.000,00", 31500000, true, false},
		{"$31.500.000", 31500000, true, false},
		{"31,500,000.49", 31500000, true, false},
		{"1.500", 1500, true, false},
		{"1,5", 2, true, false},
		{"", 0, false, false},
		{"N/D", 0, false, false},
		{"2,02E+12", 0, false, true},
		{"2000-02-15T00:00:00.000Z", 0, false, true}, // SECOP I's damaged cuantia_contrato
		{"12 millones", 0, false, true},
	}
	for _, c := range cases {
		got, ok, err := Money(c.in)
		if got != c.want || ok != c.ok || (err != nil) != c.err {
			t.Errorf("Money(%q) = %d, %v, %v; want %d, %v, err %v", c.in, got, ok, err, c.want, c.ok, c.err)
		}
	}
}

func TestDate(t *testing.T) {
	cases := []struct{ in, want string }{
		{"2023-09-18T00:00:00.000", "2023-09-18 00:00"},
		{"2026-03-11T00:00:00.000Z", "2026-03-11 00:00"}, // Z added upstream to a local date
		{"2023-09-18", "2023-09-18 00:00"},
		{"01/19/2022", "2022-01-19 00:00"},
		{"9/07/2022", "2022-09-07 00:00"},
		{"19/01/2022", "2022-01-19 00:00"}, // day first only when it must be
		{"12/22/2023 12:00:00 AM", "2023-12-22 00:00"},
		{"06/01/2023 03:04:05 PM", "2023-06-01 15:04"},
		{"2023 ago 09 12:00:00 AM", "2023-08-09 00:00"},
		{"2023 sept 09", "2023-09-09 00:00"},
		{"No Definido", ""},
	}
	for _, c := range cases {
		got, err := Date(c.in)
		s := ""
		if got != nil {
			s = got.In(Bogota).Format("2006-01-02 15:04")
		}
		if err != nil || s != c.want {
			t.Errorf("Date(%q) = %q, %v; want %q", c.in, s, err, c.want)
		}
	}
	for _, bad := range []string{"2023-02-30", "13/13/2023", "ayer", "2023 xyz 09"} {
		if _, err := Date(bad); err == nil {
			t.Errorf("Date(%q) accepted", bad)
		}
	}
}

func TestUNSPSC(t *testing.T) {
	c, ok, err := ParseUNSPSC("V1.81112200")
	if !ok || err != nil || c != (UNSPSCCode{Code: "81112200", Segment: "81000000", Family: "81110000", Class: "81112200"}) {
		t.Errorf("V1.81112200: %+v %v %v", c, ok, err)
	}
	for in, want := range map[string]string{"432325": "43232500", "4323": "43230000", "43000000": "43000000", "81112200.0": "81112200"} {
		if c, ok, err := ParseUNSPSC(in); !ok || err != nil || c.Code != want {
			t.Errorf("ParseUNSPSC(%q) = %+v %v %v, want %s", in, c, ok, err, want)
		}
	}
	if _, ok, err := ParseUNSPSC("UNSPECIFIED"); ok || err != nil {
		t.Errorf("UNSPECIFIED: %v %v", ok, err)
	}
	if _, _, err := ParseUNSPSC("V1.811122000"); err == nil {
		t.Error("a nine-digit code was accepted")
	}
	if got := UNSPSCList("V1.43231500, V1.81112200;No definido"); len(got) != 2 || got[0] != "43231500" || got[1] != "81112200" {
		t.Errorf("UNSPSCList = %v", got)
	}
	tb, _ := LoadTables()
	if n := tb.UNSPSC.Name("V1.43232304"); n == "" {
		t.Error("no name for 43232304")
	}
}

func TestPlaces(t *testing.T) {
	tb, err := LoadTables()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ dept, mpio, wantD, wantM string }{
		{"Distrito Capital de Bogotá", "No Definido", "11", "11001"},
		{"BOGOTa D.C.", "BOGOTa D.C.", "11", "11001"},
		{"Bogotá D.C.", "Bogotá D.C.", "11", "11001"},
		{"CoRDOBA", "MONTELiBANO", "23", "23466"},
		{"San Andrés, Providencia y Santa Catalina", "Providencia", "88", "88564"},
		{"Bolívar", "Cartagena", "13", "13001"},
		{"Valle del Cauca", "Cali", "76", "76001"},
		{"NORTE DE SANTANDER", "San José de Cúcuta", "54", "54001"},
		{"CAUCA", "PAEZ/BELALCAZAR", "19", "19517"},
		{"NARIÑO", "ROBERTO PAYaN/SAN JOSe", "52", "52621"},
		{"CoRDOBA", "SAN ANDReS SOTAVENTO", "23", "23670"},
		{"TOLIMA", "EL ESPINAL", "73", "73268"},
		{"Antioquia", "Medellín", "05", "05001"},
		{"No Definido", "No Definido", "", ""},
		{"Antioquia", "Cali", "05", ""}, // a city of another department is dropped
	}
	for _, c := range cases {
		d, m := tb.Places.Place(c.dept, c.mpio)
		if d != c.wantD || m != c.wantM {
			t.Errorf("Place(%q, %q) = %s/%s, want %s/%s", c.dept, c.mpio, d, m, c.wantD, c.wantM)
		}
	}
}

func TestVocabularies(t *testing.T) {
	for in, want := range map[string]string{"Territorial": "TERRITORIAL", "TERRITORIAL DISTRITAL MUNICIPAL NIVEL 6": "TERRITORIAL",
		"NACIONAL CENTRALIZADO": "NACIONAL", "Corporación Autónoma": "", "No Definido": ""} {
		if got := Orden(in); got != want {
			t.Errorf("Orden(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"defensa": "Defensa", "Ley de Justicia": "Justicia y del Derecho",
		"No aplica/No pertenece": "", "Educación Nacional": "Educación Nacional"} {
		if got := Sector(in); got != want {
			t.Errorf("Sector(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"CONTRATACIoN MiNIMA CUANTiA": "Mínima cuantía", "ReGIMEN ESPECIAL": "Contratación régimen especial"} {
		if got := Modality(in); got != want {
			t.Errorf("Modality(%q) = %q, want %q", in, got, want)
		}
	}
	if Status("terminado") != "Terminado" || Rama("Ejecutivo") != "Ejecutivo" {
		t.Error("status or rama")
	}
	// SECOP I's states of processes that never became a contract, one
	// spelling each, which "antes de comprar" leaves out.
	for in, want := range map[string]string{"Declarado Desierto": "Declarado desierto", "DESCARTADO": "Descartado",
		"Terminado Anormalmente después de Convocado": "Terminado anormalmente después de convocado"} {
		if got := Status(in); got != want || !registry.NoContract(got) {
			t.Errorf("Status(%q) = %q, want %q, a state without a contract", in, got, want)
		}
	}
	for _, s := range []string{"No Definido", "N/D", "No D", "Sin Descripcion", "No aplica", "UNSPECIFIED", "No Adjudicado", " "} {
		if !IsNull(s) {
			t.Errorf("IsNull(%q) = false", s)
		}
	}
	if IsNull("No") || IsNull("Nacional") {
		t.Error("IsNull is too eager")
	}
}

func TestParty(t *testing.T) {
	cases := []struct {
		typ, doc string
		wantDoc  string
		natural  bool
	}{
		{"No Definido", "901623692", "901623692", false}, // company NIT
		{"", "63445943", "63445943", true},               // a cédula by its shape
		{"", "1037609915", "1037609915", true},           // ten digits starting with 1
		{"NIT DE PERSONA NATURAL", "41261533", "41261533", true},
		{"CeDULA DE CIUDADANiA", "52.131.186", "52131186", true},
		{"NIT DE PERSONA JURiDICA", "900363615", "900363615", false},
		{"", "8300844337", "830084433", false}, // glued DV stripped
		{"", "52131186.", "52131186", true},
	}
	for _, c := range cases {
		p, err := Party(c.typ, c.doc, "X")
		if err != nil || p.DocNumber != c.wantDoc || p.NaturalPerson != c.natural {
			t.Errorf("Party(%q, %q) = %+v, %v; want %s natural %v", c.typ, c.doc, p, err, c.wantDoc, c.natural)
		}
	}
}

// TestCleanWindows1252: SECOP I's text carries Windows-1252 punctuation
// decoded as Latin-1 (C1 control characters); Clean restores it, and leaves
// every other text as it is.
func TestCleanWindows1252(t *testing.T) {
	for in, want := range map[string]string{
		"LOGISDOC \u0096 LOGISTICA DOCUMENTAL":     "LOGISDOC – LOGISTICA DOCUMENTAL",
		"\u0093Sistema\u0094 de la entidad\u0092s": "“Sistema” de la entidad’s",
		"\u0095 licencias \u0097 soporte":          "• licencias — soporte",
		"a\u0081b":                                 "ab", // undefined in Windows-1252
		"Gestión documental — ñandú":               "Gestión documental — ñandú",
		"  dos   espacios \u0096  ":                "dos espacios –",
		"\u0096":                                   "–",
	} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
	// The real SECOP I sample: no C1 character survives its import.
	_, ms, _ := readAll(t, "testdata/real/secop1_procesos_2026-04.csv", "auto")
	fixed := 0
	for _, m := range ms {
		p := m.Purchase
		for _, s := range []string{p.Description, p.Supplier.Name, p.BuyerName} {
			for _, r := range s {
				if r >= 0x80 && r <= 0x9f {
					t.Fatalf("contract %s keeps %U in %q", p.ContractID, r, s)
				}
			}
			if strings.ContainsAny(s, "–—“”‘’•") {
				fixed++
			}
		}
	}
	if fixed == 0 {
		t.Error("no Windows-1252 punctuation restored in the SECOP I sample")
	}
}
