package registrytest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/acervo-co/acervo/registry"
)

func newEntity(id, nit, name string, minute int) *registry.Entity {
	return &registry.Entity{
		ID: id, NIT: nit, CheckDigit: registry.NITCheckDigit(nit), Name: name,
		Orden: registry.OrdenNacional, Sector: "Tecnologías de la Información", Rama: "Ejecutiva",
		DepartmentCode: "11", MunicipalityCode: "11001", CreatedAt: at(minute), UpdatedAt: at(minute),
	}
}

func entityTests() []subtest {
	return []subtest{
		{"CRUD", testEntityCRUD},
		{"UpsertMerge", testEntityUpsert},
		{"List", testEntityList},
	}
}

func testEntityCRUD(t *testing.T, s registry.Store) {
	ctx := t.Context()
	es := s.Entities()
	seq := lastSeq(t, s)
	e := newEntity("ent-mintic", "899999053", "Ministerio de Tecnologías de la Información y las Comunicaciones", 1)
	e.Sigla = "MinTIC"
	e.Aliases = []string{"MINTIC"}
	ok(t, es.Create(ctx, e, event("entity.create", registry.KindEntity, e.ID)), "Create")
	if e.Rev != 1 {
		t.Fatalf("Create: Rev = %d", e.Rev)
	}
	seq = oneChange(t, s, seq, registry.KindEntity, e.ID, false)
	audited(t, s, e.ID, "entity.create", 1)
	got, err := es.Get(ctx, e.ID)
	ok(t, err, "Get")
	same(t, "Get", e, got)
	got, err = es.GetByNIT(ctx, "899999053")
	ok(t, err, "GetByNIT")
	same(t, "GetByNIT", e, got)
	_, err = es.GetByNIT(ctx, "899999054")
	wantErr(t, err, registry.ErrNotFound, "GetByNIT(missing)")
	_, err = es.Get(ctx, "missing")
	wantErr(t, err, registry.ErrNotFound, "Get(missing)")

	dup := newEntity("ent-other", "899999053", "Otra", 2)
	wantErr(t, es.Create(ctx, dup, nil), registry.ErrConflict, "Create with a taken NIT")
	dup = newEntity("ent-mintic", "800000001", "Otra", 2)
	wantErr(t, es.Create(ctx, dup, nil), registry.ErrConflict, "Create with a taken id")
	noChange(t, s, seq)

	f := newEntity("", "800000001", "Alcaldía de Medellín", 3)
	ok(t, es.Create(ctx, f, nil), "Create without id")
	if f.ID == "" {
		t.Fatal("Create without id: no id assigned")
	}
	seq = oneChange(t, s, seq, registry.KindEntity, f.ID, false)
	many, err := es.GetMany(ctx, []string{"800000001", "111111111", "899999053"})
	ok(t, err, "GetMany")
	if len(many) != 2 || many[0].NIT != "800000001" || many[1].NIT != "899999053" {
		t.Fatalf("GetMany: got %v", ids(many, func(e registry.Entity) string { return e.NIT }))
	}

	upd := *e
	upd.Website = "https://www.mintic.gov.co"
	upd.UpdatedAt = at(9)
	ok(t, es.Update(ctx, &upd, event("entity.update", registry.KindEntity, e.ID)), "Update")
	if upd.Rev != 2 {
		t.Fatalf("Update: Rev = %d", upd.Rev)
	}
	seq = oneChange(t, s, seq, registry.KindEntity, e.ID, false)
	got, _ = es.GetByNIT(ctx, e.NIT)
	same(t, "after Update", upd, got)
	wantErr(t, es.Update(ctx, e, nil), registry.ErrConflict, "Update with stale rev")
	taken := upd
	taken.NIT = "800000001"
	wantErr(t, es.Update(ctx, &taken, nil), registry.ErrConflict, "Update to a taken NIT")
	noChange(t, s, seq)

	wantErr(t, es.Delete(ctx, e.ID, 1, nil), registry.ErrConflict, "Delete with stale rev")
	ok(t, es.Delete(ctx, e.ID, 2, event("entity.delete", registry.KindEntity, e.ID)), "Delete")
	oneChange(t, s, seq, registry.KindEntity, e.ID, true)
	audited(t, s, e.ID, "entity.delete", 3)
	_, err = es.GetByNIT(ctx, e.NIT)
	wantErr(t, err, registry.ErrNotFound, "GetByNIT after Delete")
	wantErr(t, es.Delete(ctx, e.ID, 0, nil), registry.ErrNotFound, "Delete twice")
}

func testEntityUpsert(t *testing.T, s registry.Store) {
	ctx := t.Context()
	es := s.Entities()
	seq := lastSeq(t, s)
	first := &registry.Entity{NIT: "890480184", CheckDigit: 4, Name: "Alcaldía de Cartagena de Indias", DepartmentCode: "13", CreatedAt: at(1), UpdatedAt: at(1)}
	created, err := es.Upsert(ctx, first, event("entity.upsert", registry.KindEntity, ""))
	ok(t, err, "Upsert new")
	if !created || first.ID == "" || first.Rev != 1 {
		t.Fatalf("Upsert new: created %v id %q rev %d", created, first.ID, first.Rev)
	}
	seq = oneChange(t, s, seq, registry.KindEntity, first.ID, false)
	audited(t, s, first.ID, "entity.upsert", 1)

	// A second source knows more fields and writes the name otherwise.
	second := &registry.Entity{
		ID: "ignored", NIT: "890480184", CheckDigit: 4, Name: "DISTRITO TURISTICO Y CULTURAL DE CARTAGENA",
		Aliases: []string{"Cartagena"}, Sigla: "DTCC", Orden: registry.OrdenTerritorial, DepartmentCode: "99",
		MunicipalityCode: "13001", CreatedAt: at(5), UpdatedAt: at(5),
	}
	created, err = es.Upsert(ctx, second, event("entity.upsert", registry.KindEntity, first.ID))
	ok(t, err, "Upsert merge")
	if created {
		t.Fatal("Upsert merge reported created")
	}
	want := *first
	want.Aliases = []string{"Cartagena", "DISTRITO TURISTICO Y CULTURAL DE CARTAGENA"}
	want.Sigla = "DTCC"
	want.Orden = registry.OrdenTerritorial
	want.MunicipalityCode = "13001"
	want.UpdatedAt = at(5)
	want.Rev = 2
	// DepartmentCode keeps the stored "13": only empty fields take new values.
	got, err := es.GetByNIT(ctx, "890480184")
	ok(t, err, "GetByNIT")
	slices.Sort(got.Aliases)
	same(t, "merged entity", want, got)
	slices.Sort(second.Aliases)
	same(t, "merged entity written back", want, second)
	seq = oneChange(t, s, seq, registry.KindEntity, first.ID, false)
	audited(t, s, first.ID, "entity.upsert", 2)

	// Upserting what is already known (the name in other case and accents,
	// an alias already there) changes nothing and writes nothing.
	third := &registry.Entity{NIT: "890480184", Name: "ALCALDIA DE CARTAGENA DE INDIAS", Aliases: []string{"Cartagena"}, DepartmentCode: "13", CreatedAt: at(7), UpdatedAt: at(7)}
	created, err = es.Upsert(ctx, third, event("entity.upsert", registry.KindEntity, first.ID))
	ok(t, err, "Upsert unchanged")
	if created || third.Rev != 2 || third.ID != first.ID {
		t.Fatalf("Upsert unchanged: created %v rev %d id %s", created, third.Rev, third.ID)
	}
	noChange(t, s, seq)
	audited(t, s, first.ID, "entity.upsert", 2)
	got, _ = es.GetByNIT(ctx, "890480184")
	if got.Rev != 2 || len(got.Aliases) != 2 {
		t.Fatalf("unchanged upsert modified the entity: %+v", got)
	}
}

func testEntityList(t *testing.T, s registry.Store) {
	ctx := t.Context()
	names := []string{
		"Alcaldía de Bogotá D.C.", "ALCALDIA DE BARRANQUILLA", "alcaldía de bello", "Agencia Nacional Digital",
		"Ministerio de Educación Nacional", "MINISTERIO DE SALUD", "Ministério Público", "Gobernación de Antioquia",
		"Gobernación del Valle del Cauca", "Ñuñoa Fundación", "nunca jamás", "Universidad Nacional de Colombia",
		"Instituto Colombiano de Bienestar Familiar", "Alcaldía de Bogotá D.C.",
	}
	depts := []string{"11", "08", "05", "11", "11", "11", "11", "05", "76", "11", "76", "11", "11", "11"}
	var all []registry.Entity
	for i, n := range names {
		nit := fmt.Sprintf("%d", []int{899999061, 8901020181, 890980112, 901144049, 899999001, 900474727, 12345, 890900286, 890399029, 800100200, 99999, 899999063, 899999239, 10000001}[i])
		e := newEntity(fmt.Sprintf("e%02d", i), nit, n, i)
		e.DepartmentCode = depts[i]
		if i%3 == 0 {
			e.Orden = registry.OrdenTerritorial
		}
		e.Sector = []string{"Hacienda", "Educación", "Salud"}[i%3]
		ok(t, s.Entities().Create(ctx, e, nil), "Create %s", e.Name)
		all = append(all, *e)
	}
	id := func(e registry.Entity) string { return e.ID }
	lister := func(f registry.EntityFilter) pager[registry.Entity] {
		return func(ctx contextT, p registry.Page) (registry.List[registry.Entity], error) {
			f.Page = p
			return s.Entities().List(ctx, f)
		}
	}
	byName := func(a, b registry.Entity) bool {
		return ascStr(registry.Fold(a.Name), registry.Fold(b.Name), a.ID, b.ID)
	}
	// NIT order is numeric: shorter NITs first.
	byNIT := func(a, b registry.Entity) bool {
		if len(a.NIT) != len(b.NIT) {
			return len(a.NIT) < len(b.NIT)
		}
		return ascStr(a.NIT, b.NIT, a.ID, b.ID)
	}
	prefix := func(p string) func(e registry.Entity) bool {
		return func(e registry.Entity) bool { return strings.HasPrefix(registry.Fold(e.Name), registry.Fold(p)) }
	}
	runListCases(t, all, id, []listCase[registry.Entity]{
		{name: "all by default (name)", list: lister(registry.EntityFilter{}), less: byName},
		{name: "all by NIT", list: lister(registry.EntityFilter{Sort: registry.SortNIT}), less: byNIT},
		{name: "prefix folded", list: lister(registry.EntityFilter{NamePrefix: "ALCALDÍA DE B"}), less: byName, keep: prefix("alcaldia de b")},
		{name: "prefix accent-free", list: lister(registry.EntityFilter{NamePrefix: "ministerio"}), less: byName, keep: prefix("ministerio")},
		{name: "prefix ñ", list: lister(registry.EntityFilter{NamePrefix: "ñu"}), less: byName, keep: prefix("nu")},
		{name: "prefix by NIT", list: lister(registry.EntityFilter{NamePrefix: "Gobernacion", Sort: registry.SortNIT}), less: byNIT, keep: prefix("gobernacion")},
		{name: "nits", list: lister(registry.EntityFilter{NITs: []string{"12345", "899999001", "1"}}), less: byName,
			keep: func(e registry.Entity) bool { return e.NIT == "12345" || e.NIT == "899999001" }},
		{name: "orden", list: lister(registry.EntityFilter{Orden: registry.OrdenTerritorial}), less: byName,
			keep: func(e registry.Entity) bool { return e.Orden == registry.OrdenTerritorial }},
		{name: "sector", list: lister(registry.EntityFilter{Sector: "Salud", Sort: registry.SortNIT}), less: byNIT,
			keep: func(e registry.Entity) bool { return e.Sector == "Salud" }},
		{name: "department", list: lister(registry.EntityFilter{DepartmentCode: "11"}), less: byName,
			keep: func(e registry.Entity) bool { return e.DepartmentCode == "11" }},
		{name: "combined", list: lister(registry.EntityFilter{DepartmentCode: "11", NamePrefix: "a", Orden: registry.OrdenNacional}), less: byName,
			keep: func(e registry.Entity) bool {
				return e.DepartmentCode == "11" && prefix("a")(e) && e.Orden == registry.OrdenNacional
			}},
		{name: "none with prefix", list: lister(registry.EntityFilter{NamePrefix: "zz"}), less: byName, keep: prefix("zz")},
		{name: "none: prefix % is no wildcard", list: lister(registry.EntityFilter{NamePrefix: "%"}), less: byName, keep: prefix("%")},
		{name: "none: prefix _ is no wildcard", list: lister(registry.EntityFilter{NamePrefix: "alcald_a"}), less: byName, keep: prefix("alcald_a")},
	})
	t.Run("BadPages", func(t *testing.T) {
		badPages(t, func(p registry.Page, sort string) (registry.List[registry.Entity], error) {
			return s.Entities().List(t.Context(), registry.EntityFilter{Page: p, Sort: sort})
		}, []string{registry.SortName, registry.SortNIT})
	})
}
