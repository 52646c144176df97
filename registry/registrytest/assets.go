package registrytest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/acervo-co/acervo/registry"
)

func newAsset(id, slug, name string, minute int) *registry.Asset {
	return &registry.Asset{
		ID: id, Kind: registry.AssetPublic, Slug: slug, Name: name,
		Descriptions: map[string]registry.Description{
			"es": {ShortDescription: "Gestión documental " + name, Features: []string{"radicación", "firma"}},
			"en": {ShortDescription: "Document management " + name},
		},
		PublisherNIT:  "899999001",
		RepositoryURL: "https://git.example.gov.co/" + slug,
		License:       "GPL-3.0-or-later",
		Categories:    []string{"document-management"},
		SoftwareType:  "standalone/web",
		Maintenance: registry.Maintenance{Type: "contract", Contractors: []registry.Contractor{
			{Name: "Contratista S.A.S.", NIT: "900123456", Until: at(60 * 24 * 365)},
		}},
		DevelopmentStatus: registry.StatusStable,
		Languages:         []registry.LanguageShare{{Name: "PHP", Share: 0.8}, {Name: "JavaScript", Share: 0.2}},
		Active:            true,
		Provenance:        map[string]registry.Provenance{"name": {Source: registry.ProvPubliccode, Ref: "abc123", At: at(minute)}},
		CreatedAt:         at(minute),
		UpdatedAt:         at(minute),
	}
}

func assetTests() []subtest {
	return []subtest{
		{"CRUD", testAssetCRUD},
		{"Uniqueness", testAssetUniqueness},
		{"List", testAssetList},
		{"BadPages", testAssetBadPages},
	}
}

func testAssetCRUD(t *testing.T, s registry.Store) {
	ctx := t.Context()
	as := s.Assets()
	a := newAsset("asset-orfeo", "orfeo", "Orfeo", 1)
	a.RepositoryAliases = []string{"https://github.com/example/orfeo", "https://gitlab.example.org/orfeo"}
	seq := lastSeq(t, s)
	ok(t, as.Create(ctx, a, event("asset.create", registry.KindAsset, a.ID)), "Create")
	if a.Rev != 1 {
		t.Fatalf("Create: Rev = %d, want 1", a.Rev)
	}
	seq = oneChange(t, s, seq, registry.KindAsset, a.ID, false)
	audited(t, s, a.ID, "asset.create", 1)

	got, err := as.Get(ctx, a.ID)
	ok(t, err, "Get")
	same(t, "Get", a, got)
	got, err = as.GetBySlug(ctx, "orfeo")
	ok(t, err, "GetBySlug")
	same(t, "GetBySlug", a, got)
	for _, u := range []string{a.RepositoryURL, a.RepositoryAliases[0], a.RepositoryAliases[1]} {
		got, err = as.GetByRepositoryURL(ctx, u)
		ok(t, err, "GetByRepositoryURL(%s)", u)
		same(t, "GetByRepositoryURL", a, got)
	}
	_, err = as.Get(ctx, "nope")
	wantErr(t, err, registry.ErrNotFound, "Get(missing)")
	_, err = as.GetBySlug(ctx, "nope")
	wantErr(t, err, registry.ErrNotFound, "GetBySlug(missing)")
	_, err = as.GetByRepositoryURL(ctx, "https://nowhere.example/x")
	wantErr(t, err, registry.ErrNotFound, "GetByRepositoryURL(missing)")

	// The store assigns an id when none is given.
	b := newAsset("", "sgdea", "SGDEA", 2)
	ok(t, as.Create(ctx, b, event("asset.create", registry.KindAsset, "")), "Create without id")
	if b.ID == "" || b.Rev != 1 {
		t.Fatalf("Create without id: id %q rev %d", b.ID, b.Rev)
	}
	seq = oneChange(t, s, seq, registry.KindAsset, b.ID, false)
	audited(t, s, b.ID, "asset.create", 1)

	many, err := as.GetMany(ctx, []string{b.ID, "missing", a.ID})
	ok(t, err, "GetMany")
	if len(many) != 2 || many[0].ID != b.ID || many[1].ID != a.ID {
		t.Fatalf("GetMany: got %v, want [%s %s] in the order asked", ids(many, func(x registry.Asset) string { return x.ID }), b.ID, a.ID)
	}
	many, err = as.GetMany(ctx, nil)
	ok(t, err, "GetMany(nil)")
	if len(many) != 0 {
		t.Fatalf("GetMany(nil) = %d assets", len(many))
	}

	// Update with the right revision.
	upd := *a
	upd.Name = "Orfeo NG"
	upd.Categories = []string{"document-management", "records"}
	upd.RepositoryAliases = []string{"https://github.com/example/orfeo-ng"}
	upd.UpdatedAt = at(10)
	ok(t, as.Update(ctx, &upd, event("asset.update", registry.KindAsset, a.ID)), "Update")
	if upd.Rev != 2 {
		t.Fatalf("Update: Rev = %d, want 2", upd.Rev)
	}
	seq = oneChange(t, s, seq, registry.KindAsset, a.ID, false)
	audited(t, s, a.ID, "asset.update", 2)
	got, err = as.Get(ctx, a.ID)
	ok(t, err, "Get after Update")
	same(t, "Get after Update", upd, got)
	// The dropped alias no longer resolves; the new one does.
	_, err = as.GetByRepositoryURL(ctx, "https://gitlab.example.org/orfeo")
	wantErr(t, err, registry.ErrNotFound, "dropped alias")
	got, err = as.GetByRepositoryURL(ctx, "https://github.com/example/orfeo-ng")
	ok(t, err, "new alias")
	if got.ID != a.ID {
		t.Fatalf("new alias resolves to %s", got.ID)
	}

	// A stale revision conflicts and changes nothing.
	stale := *a // Rev 1
	stale.Name = "Stale"
	wantErr(t, as.Update(ctx, &stale, event("asset.update", registry.KindAsset, a.ID)), registry.ErrConflict, "Update with stale rev")
	noChange(t, s, seq)
	audited(t, s, a.ID, "asset.update", 2)
	got, _ = as.Get(ctx, a.ID)
	if got.Name != "Orfeo NG" || got.Rev != 2 {
		t.Fatalf("stale update changed the asset: %q rev %d", got.Name, got.Rev)
	}
	missing := *newAsset("missing", "missing", "Missing", 3)
	missing.Rev = 1
	wantErr(t, as.Update(ctx, &missing, event("asset.update", registry.KindAsset, "missing")), registry.ErrNotFound, "Update(missing)")

	// Delete: wrong revision conflicts, right one deletes.
	wantErr(t, as.Delete(ctx, a.ID, 1, event("asset.delete", registry.KindAsset, a.ID)), registry.ErrConflict, "Delete with stale rev")
	noChange(t, s, seq)
	ok(t, as.Delete(ctx, a.ID, 2, event("asset.delete", registry.KindAsset, a.ID)), "Delete")
	seq = oneChange(t, s, seq, registry.KindAsset, a.ID, true)
	audited(t, s, a.ID, "asset.delete", 3)
	_, err = as.Get(ctx, a.ID)
	wantErr(t, err, registry.ErrNotFound, "Get after Delete")
	_, err = as.GetBySlug(ctx, "orfeo")
	wantErr(t, err, registry.ErrNotFound, "GetBySlug after Delete")
	_, err = as.GetByRepositoryURL(ctx, a.RepositoryURL)
	wantErr(t, err, registry.ErrNotFound, "GetByRepositoryURL after Delete")
	wantErr(t, as.Delete(ctx, a.ID, 2, event("asset.delete", registry.KindAsset, a.ID)), registry.ErrNotFound, "Delete twice")
	// Rev 0 deletes whatever the revision.
	ok(t, as.Delete(ctx, b.ID, 0, nil), "Delete with rev 0 and no event")
	oneChange(t, s, seq, registry.KindAsset, b.ID, true)
	audited(t, s, b.ID, "asset.create", 1)

	// Slug and URLs are free again.
	c := newAsset("asset-orfeo-2", "orfeo", "Orfeo", 4)
	c.RepositoryAliases = []string{"https://github.com/example/orfeo-ng"}
	ok(t, as.Create(ctx, c, nil), "Create on freed slug and URL")
}

func testAssetUniqueness(t *testing.T, s registry.Store) {
	ctx := t.Context()
	as := s.Assets()
	a := newAsset("a1", "uno", "Uno", 1)
	a.RepositoryAliases = []string{"https://mirror.example/uno"}
	ok(t, as.Create(ctx, a, nil), "Create")
	b := newAsset("b1", "dos", "Dos", 2)
	ok(t, as.Create(ctx, b, nil), "Create")
	seq := lastSeq(t, s)

	for _, tc := range []struct {
		name string
		mod  func(x *registry.Asset)
	}{
		{"same id", func(x *registry.Asset) { x.ID = "a1" }},
		{"same slug", func(x *registry.Asset) { x.Slug = "uno" }},
		{"url is another's url", func(x *registry.Asset) { x.RepositoryURL = a.RepositoryURL }},
		{"url is another's alias", func(x *registry.Asset) { x.RepositoryURL = "https://mirror.example/uno" }},
		{"alias is another's url", func(x *registry.Asset) { x.RepositoryAliases = []string{a.RepositoryURL} }},
		{"alias is another's alias", func(x *registry.Asset) { x.RepositoryAliases = []string{"https://mirror.example/uno"} }},
	} {
		x := newAsset("c1", "tres", "Tres", 3)
		tc.mod(x)
		wantErr(t, as.Create(ctx, x, event("asset.create", registry.KindAsset, x.ID)), registry.ErrConflict, "Create with %s", tc.name)
		noChange(t, s, seq)
		if evs := auditOf(t, s, x.ID); len(evs) != 0 && x.ID == "c1" {
			t.Fatalf("refused Create (%s) left an audit event", tc.name)
		}
	}
	_, err := as.Get(ctx, "c1")
	wantErr(t, err, registry.ErrNotFound, "refused Creates leave nothing")

	// Updates cannot take another's slug or URL either.
	for _, tc := range []struct {
		name string
		mod  func(x *registry.Asset)
	}{
		{"slug", func(x *registry.Asset) { x.Slug = "uno" }},
		{"url", func(x *registry.Asset) { x.RepositoryURL = "https://mirror.example/uno" }},
		{"alias", func(x *registry.Asset) { x.RepositoryAliases = []string{a.RepositoryURL} }},
	} {
		x, err := as.Get(ctx, "b1")
		ok(t, err, "Get")
		tc.mod(&x)
		wantErr(t, as.Update(ctx, &x, nil), registry.ErrConflict, "Update taking another's %s", tc.name)
	}
	noChange(t, s, seq)
	got, err := as.Get(ctx, "b1")
	ok(t, err, "Get")
	same(t, "asset after refused updates", b, got)

	// A commercial asset needs no repository; several may exist.
	for i := range 2 {
		x := &registry.Asset{ID: fmt.Sprintf("com%d", i), Kind: registry.AssetCommercial, Slug: fmt.Sprintf("sap-%d", i), Name: "SAP", Active: true, CreatedAt: at(5), UpdatedAt: at(5)}
		ok(t, as.Create(ctx, x, nil), "Create commercial asset without repository")
	}
}

// assetFixture creates entities, assets and adoptions for the list tests.
func assetFixture(t *testing.T, s registry.Store) ([]registry.Asset, []registry.Adoption, []registry.Entity) {
	ctx := t.Context()
	var ents []registry.Entity
	for i, d := range []string{"05", "11", "76"} {
		e := &registry.Entity{ID: fmt.Sprintf("ent%d", i), NIT: fmt.Sprintf("80000000%d", i), Name: fmt.Sprintf("Entidad %d", i), DepartmentCode: d, Orden: registry.OrdenTerritorial, CreatedAt: at(i), UpdatedAt: at(i)}
		e.CheckDigit = registry.NITCheckDigit(e.NIT)
		ok(t, s.Entities().Create(ctx, e, nil), "Create entity")
		ents = append(ents, *e)
	}
	names := []string{"Ágora", "agora", "Bachué", "bachue", "Zeus", "Orfeo", "órfeo", "Mercurio", "SIIF Nación", "Siif", "Álamo", "Ñandú", "Nube", "zafiro", "Cielo"}
	langs := []string{"PHP", "Go", "Java"}
	cats := []string{"document-management", "accounting", "gis"}
	statuses := []string{registry.StatusStable, registry.StatusBeta, registry.StatusDevelopment}
	var all []registry.Asset
	for i := range 30 {
		name := names[i%len(names)]
		a := newAsset(fmt.Sprintf("as%02d", i), fmt.Sprintf("asset-%02d", i), name, 100-i%7)
		a.UpdatedAt = at(200 + (i*13)%11)
		a.CreatedAt = at(100 - i%7)
		a.Kind = registry.AssetPublic
		if i%4 == 3 {
			a.Kind = registry.AssetCommercial
			a.RepositoryURL = ""
		}
		a.Active = i%5 != 4
		if !a.Active {
			a.InactiveReason = "repository gone"
		}
		a.PublisherNIT = ents[i%3].NIT
		a.Categories = []string{cats[i%3]}
		if i%6 == 0 {
			a.Categories = append(a.Categories, "gis")
		}
		a.License = []string{"GPL-3.0-or-later", "MIT", "EUPL-1.2", ""}[i%4]
		a.Languages = []registry.LanguageShare{{Name: langs[i%3], Share: 0.7}}
		if i%5 == 0 {
			a.Languages = append(a.Languages, registry.LanguageShare{Name: "JavaScript", Share: 0.3})
		}
		a.DevelopmentStatus = statuses[i%3]
		ok(t, s.Assets().Create(ctx, a, nil), "Create asset %d", i)
		all = append(all, *a)
	}
	var ads []registry.Adoption
	for i := range 12 {
		ad := &registry.Adoption{
			ID: fmt.Sprintf("ad%02d", i), EntityNIT: ents[i%3].NIT, AssetID: all[(i*7)%30].ID,
			Status: registry.AdoptionProduction, Verification: registry.VerificationSelfDeclared,
			Environment: "prod", CreatedAt: at(300 + i), UpdatedAt: at(300 + i),
		}
		ok(t, s.Adoptions().Create(ctx, ad, nil), "Create adoption %d", i)
		ads = append(ads, *ad)
	}
	return all, ads, ents
}

func testAssetList(t *testing.T, s registry.Store) {
	all, ads, ents := assetFixture(t, s)
	as := s.Assets()
	id := func(a registry.Asset) string { return a.ID }
	lister := func(f registry.AssetFilter) pager[registry.Asset] {
		return func(ctx contextT, p registry.Page) (registry.List[registry.Asset], error) {
			f.Page = p
			return as.List(ctx, f)
		}
	}
	byName := func(a, b registry.Asset) bool {
		return ascStr(registry.Fold(a.Name), registry.Fold(b.Name), a.ID, b.ID)
	}
	byUpdated := func(a, b registry.Asset) bool { return descTime(a.UpdatedAt, b.UpdatedAt, a.ID, b.ID) }
	byCreated := func(a, b registry.Asset) bool { return descTime(a.CreatedAt, b.CreatedAt, a.ID, b.ID) }
	adoptedBy := func(pred func(nit string) bool) func(a registry.Asset) bool {
		return func(a registry.Asset) bool {
			for _, ad := range ads {
				if ad.AssetID == a.ID && pred(ad.EntityNIT) {
					return true
				}
			}
			return false
		}
	}
	deptOf := map[string]string{}
	for _, e := range ents {
		deptOf[e.NIT] = e.DepartmentCode
	}
	hasLang := func(l string) func(a registry.Asset) bool {
		return func(a registry.Asset) bool {
			return slices.ContainsFunc(a.Languages, func(x registry.LanguageShare) bool { return x.Name == l })
		}
	}
	runListCases(t, all, id, []listCase[registry.Asset]{
		{name: "all by default (name)", list: lister(registry.AssetFilter{}), less: byName},
		{name: "all by name", list: lister(registry.AssetFilter{Sort: registry.SortName}), less: byName},
		{name: "all by updated", list: lister(registry.AssetFilter{Sort: registry.SortUpdated}), less: byUpdated},
		{name: "all by created", list: lister(registry.AssetFilter{Sort: registry.SortCreated}), less: byCreated},
		{name: "ids", list: lister(registry.AssetFilter{IDs: []string{"as03", "as17", "as29", "nope"}}), less: byName,
			keep: func(a registry.Asset) bool { return a.ID == "as03" || a.ID == "as17" || a.ID == "as29" }},
		{name: "kind commercial by updated", list: lister(registry.AssetFilter{Kind: registry.AssetCommercial, Sort: registry.SortUpdated}), less: byUpdated,
			keep: func(a registry.Asset) bool { return a.Kind == registry.AssetCommercial }},
		{name: "active", list: lister(registry.AssetFilter{Active: ptr(true)}), less: byName,
			keep: func(a registry.Asset) bool { return a.Active }},
		{name: "inactive", list: lister(registry.AssetFilter{Active: ptr(false)}), less: byName,
			keep: func(a registry.Asset) bool { return !a.Active }},
		{name: "publisher", list: lister(registry.AssetFilter{PublisherNIT: ents[1].NIT, Sort: registry.SortCreated}), less: byCreated,
			keep: func(a registry.Asset) bool { return a.PublisherNIT == ents[1].NIT }},
		{name: "category (any of)", list: lister(registry.AssetFilter{Category: "gis"}), less: byName,
			keep: func(a registry.Asset) bool { return slices.Contains(a.Categories, "gis") }},
		{name: "license", list: lister(registry.AssetFilter{License: "MIT", Sort: registry.SortUpdated}), less: byUpdated,
			keep: func(a registry.Asset) bool { return a.License == "MIT" }},
		{name: "language", list: lister(registry.AssetFilter{Language: "JavaScript"}), less: byName, keep: hasLang("JavaScript")},
		{name: "development status", list: lister(registry.AssetFilter{DevelopmentStatus: registry.StatusBeta}), less: byName,
			keep: func(a registry.Asset) bool { return a.DevelopmentStatus == registry.StatusBeta }},
		{name: "adopter", list: lister(registry.AssetFilter{AdopterNIT: ents[0].NIT}), less: byName,
			keep: adoptedBy(func(nit string) bool { return nit == ents[0].NIT })},
		{name: "adopter department", list: lister(registry.AssetFilter{AdopterDepartment: "76", Sort: registry.SortUpdated}), less: byUpdated,
			keep: adoptedBy(func(nit string) bool { return deptOf[nit] == "76" })},
		{name: "combined", list: lister(registry.AssetFilter{Kind: registry.AssetPublic, Active: ptr(true), Language: "PHP", Sort: registry.SortCreated}), less: byCreated,
			keep: func(a registry.Asset) bool {
				return a.Kind == registry.AssetPublic && a.Active && hasLang("PHP")(a)
			}},
		{name: "none matching", list: lister(registry.AssetFilter{License: "Apache-2.0"}), less: byName,
			keep: func(a registry.Asset) bool { return false }},
	})
}

func testAssetBadPages(t *testing.T, s registry.Store) {
	ctx := t.Context()
	for i := range 3 {
		ok(t, s.Assets().Create(ctx, newAsset(fmt.Sprintf("a%d", i), fmt.Sprintf("a-%d", i), fmt.Sprintf("A %d", i), i), nil), "Create")
	}
	badPages(t, func(p registry.Page, sort string) (registry.List[registry.Asset], error) {
		return s.Assets().List(ctx, registry.AssetFilter{Page: p, Sort: sort})
	}, []string{registry.SortName, registry.SortUpdated})
}
