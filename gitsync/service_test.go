package gitsync

import (
	"context"
	"errors"
	"testing"

	"github.com/acervo-co/acervo/registry"
)

// TestServiceMirrorRules checks the Service methods the syncs use
// (registry/service_mirror.go) on the real embedded store.
func TestServiceMirrorRules(t *testing.T) {
	e := newEnv(t, Config{})
	sys := e.ctx
	officer := registry.WithActor(context.Background(), registry.Actor{UserID: "u1", Username: "ana"})

	t.Run("register", func(t *testing.T) {
		if _, _, err := e.svc.RegisterRepository(context.Background(), "https://github.com/a/b"); !errors.Is(err, registry.ErrUnauthenticated) {
			t.Fatalf("anonymous: %v", err)
		}
		_, _, err := e.svc.RegisterRepository(officer, "git@github.com:a/b.git")
		fields := registry.FieldsOf(err)
		if !errors.Is(err, registry.ErrInvalid) || len(fields) != 1 || fields[0].Field != "url" || fields[0].Code != registry.CodeURLSchemeNotAllowed {
			t.Fatalf("scp form: %v %+v", err, fields)
		}
		a, m, err := e.svc.RegisterRepository(officer, "http://127.0.0.1:1/mintic/Orfeo.git/")
		if err != nil {
			t.Fatal(err)
		}
		if a.Kind != registry.AssetPublic || a.Name != "Orfeo" || a.Slug != "orfeo" || a.RepositoryURL != "http://127.0.0.1:1/mintic/Orfeo.git" ||
			m.AssetID != a.ID || m.Status != registry.MirrorNew || m.Path != "127.0.0.1_1/mintic/Orfeo.git" {
			t.Fatalf("asset %+v mirror %+v", a, m)
		}
		a2, m2, err := e.svc.RegisterRepository(officer, "http://127.0.0.1:1/mintic/Orfeo.git")
		if err != nil || a2.ID != a.ID || m2.ID != m.ID {
			t.Fatalf("again: %v %s %s", err, a2.ID, m2.ID)
		}
		if err := e.svc.SaveMirrorState(officer, &m); !errors.Is(err, registry.ErrForbidden) {
			t.Fatalf("an officer saved mirror state: %v", err)
		}
	})

	t.Run("metadata", func(t *testing.T) {
		a, _, err := e.svc.RegisterRepository(sys, "http://127.0.0.1:1/mintic/tramites")
		if err != nil {
			t.Fatal(err)
		}
		fields := &registry.Asset{Name: "Trámites", License: "MIT", Categories: []string{"document-management"}, DevelopmentStatus: "stable"}
		md := registry.RepositoryMetadata{Commit: "c1", Fields: fields, FieldNames: []string{"name", "license", "categories", "developmentStatus"},
			Publiccode: registry.PubliccodeSnapshot{Present: true, Valid: true}, Readme: "# T", Languages: []registry.LanguageShare{{Name: "Go", Share: 1}}}
		got, changed, err := e.svc.ApplyRepositoryMetadata(sys, a.ID, md)
		if err != nil || !changed {
			t.Fatalf("apply: %v changed=%v", err, changed)
		}
		if got.Name != "Trámites" || got.License != "MIT" || got.Provenance["name"] != (registry.Provenance{Source: registry.ProvPubliccode, Ref: "c1", At: got.Provenance["name"].At}) {
			t.Fatalf("asset %+v", got)
		}
		// The same metadata again writes nothing.
		if _, changed, err := e.svc.ApplyRepositoryMetadata(sys, a.ID, md); err != nil || changed {
			t.Fatalf("unchanged apply: %v changed=%v", err, changed)
		}
		// An administrator's value is kept; a field the file stops giving is cleared.
		got.Name = "Trámites en línea (MinTIC)"
		got.Provenance["name"] = registry.Provenance{Source: registry.ProvAdmin, Ref: "admin"}
		if err := e.svc.UpdateAsset(sys, &got); err != nil {
			t.Fatal(err)
		}
		md.Commit = "c2"
		md.Fields = &registry.Asset{Name: "Otro nombre", License: "MIT"}
		md.FieldNames = []string{"name", "license"}
		got, _, err = e.svc.ApplyRepositoryMetadata(sys, a.ID, md)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Trámites en línea (MinTIC)" || got.Categories != nil || got.DevelopmentStatus != "" || got.Provenance["license"].Ref != "c2" {
			t.Fatalf("after c2: name %q categories %v status %q licence provenance %+v", got.Name, got.Categories, got.DevelopmentStatus, got.Provenance["license"])
		}
		// Invalid, then fixed: inactive with the reason, then active again.
		md.Publiccode = registry.PubliccodeSnapshot{Present: true, Findings: []registry.Finding{{Severity: "error", Key: "developmentStatus", Message: "no es válido", Line: 3, Column: 1}}}
		got, _, _ = e.svc.ApplyRepositoryMetadata(sys, a.ID, md)
		if got.Active || got.InactiveReason != registry.MetadataInvalidReason+": developmentStatus: no es válido" {
			t.Fatalf("invalid: active=%v reason %q", got.Active, got.InactiveReason)
		}
		md.Publiccode = registry.PubliccodeSnapshot{Present: true, Valid: true}
		got, _, _ = e.svc.ApplyRepositoryMetadata(sys, a.ID, md)
		if !got.Active || got.InactiveReason != "" {
			t.Fatalf("fixed: active=%v reason %q", got.Active, got.InactiveReason)
		}
		// No publiccode.yml at all does not deactivate.
		md.Publiccode, md.Fields, md.FieldNames = registry.PubliccodeSnapshot{}, nil, nil
		if got, _, _ = e.svc.ApplyRepositoryMetadata(sys, a.ID, md); !got.Active {
			t.Fatal("an asset without publiccode.yml was deactivated")
		}
	})
}
