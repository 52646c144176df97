package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/acervo-co/acervo/gitsync"
	"github.com/acervo-co/acervo/procurement"
	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/search"
	"github.com/acervo-co/acervo/scripts/demo"
)

// demoPassword is the password of every demo account. The demo registry is
// local, labelled as demo content, and prints it on start.
const demoPassword = "acervo-demo-2026"

// demoAccount is a demo officer and what it can do.
type demoAccount struct {
	Username string `json:"username"`
	Role     string `json:"role"`
	Entity   string `json:"entity,omitempty"`
}

// demoResult is what the demo prints, also kept in <data>/demo.json so a
// second start reuses the data.
type demoResult struct {
	Accounts []demoAccount `json:"accounts"`
	Assets   int           `json:"assets"`
	Releases int           `json:"releases"`
	Imported int64         `json:"imported"`
	Links    int           `json:"links"`
	Adopted  int           `json:"adoptions"`
}

func (d *demoResult) print(w io.Writer, base string) {
	fmt.Fprintf(w, "acervo: demo registry: %d assets, %d releases, %d purchases imported, %d suggested links, %d adoptions\n",
		d.Assets, d.Releases, d.Imported, d.Links, d.Adopted)
	fmt.Fprintf(w, "acervo: open %s/ — demo accounts (password %q):\n", base, demoPassword)
	for _, a := range d.Accounts {
		if a.Entity != "" {
			fmt.Fprintf(w, "  %-22s %s of %s\n", a.Username, a.Role, a.Entity)
		} else {
			fmt.Fprintf(w, "  %-22s %s\n", a.Username, a.Role)
		}
	}
}

func demoReposDir(sf storeFlags) string {
	abs, err := filepath.Abs(dataPath(sf, "demo-repos"))
	if err != nil {
		return dataPath(sf, "demo-repos")
	}
	return abs
}

// demoAdoptions: entity NIT → (asset slug, release tag, status) it runs.
// Versions are chosen so that the dashboard shows entities on the latest
// release, behind by a patch, minor or major, and on a withdrawn release.
var demoAdoptions = []struct {
	nit, slug, tag, status string
	verify                 bool
}{
	{"890205176", "orfeo-gestion-documental", "v4.1.0", registry.AdoptionProduction, true},
	{"891580016", "orfeo-gestion-documental", "v3.9.1", registry.AdoptionProduction, true},
	{"891855017", "orfeo-gestion-documental", "v3.8.0", registry.AdoptionProduction, false},
	{"890980331", "orfeo-gestion-documental", "v4.0.0", registry.AdoptionPilot, true},
	{"800113389", "orfeo-gestion-documental", "v3.9.0", registry.AdoptionProduction, true},
	{"899999011", "orfeo-gestion-documental", "v4.1.0", registry.AdoptionProduction, true},
	{"900474727", "conector-sivigila", "v1.2.0", registry.AdoptionProduction, true},
	{"891580006", "conector-sivigila", "v1.1.0", registry.AdoptionProduction, true},
	{"890501434", "conector-sivigila", "v1.0.0", registry.AdoptionProduction, false},
	{"899999090", "conciliador-siif", "v1.2.0", registry.AdoptionProduction, true},
	{"899999011", "conciliador-siif", "v1.1.0", registry.AdoptionProduction, true},
	{"900948953", "conciliador-siif", "v1.0.0", registry.AdoptionPilot, true},
	{"899999004", "geoportal-catastral", "v2.1.0", registry.AdoptionProduction, true},
	{"900948953", "geoportal-catastral", "v2.0.0", registry.AdoptionProduction, true},
	{"890102018", "geoportal-catastral", "v1.1.0", registry.AdoptionEvaluating, false},
	{"891480030", "pqrsd-ciudadano", "v1.1.0", registry.AdoptionProduction, true},
	{"800113389", "pqrsd-ciudadano", "v1.0.1", registry.AdoptionProduction, true},
	{"891580006", "pqrsd-ciudadano", "v1.0.0", registry.AdoptionProduction, true},
	{"899999034", "sofia-plus-integracion", "v2.5.0", registry.AdoptionProduction, true},
	{"800214750", "sofia-plus-integracion", "v2.4.0", registry.AdoptionProduction, true},
	{"900003409", "empleo-publico-convocatorias", "v2.0.0", registry.AdoptionProduction, true},
	{"890102018", "tablero-presupuesto", "v1.1.0", registry.AdoptionProduction, true},
	{"891580016", "portal-transparencia", "v2.2.0", registry.AdoptionProduction, true},
	{"890501434", "portal-transparencia", "v2.1.0", registry.AdoptionProduction, true},
	{"891580006", "nomina-publica", "v1.3.0", registry.AdoptionProduction, true},
	{"891855017", "nomina-publica", "v1.1.0", registry.AdoptionProduction, true},
	{"899999001", "observatorio-educacion", "v1.3.0", registry.AdoptionProduction, true},
	{"890980331", "turnos-atencion", "v1.2.0", registry.AdoptionPilot, false},
	{"899999069", "mesa-de-ayuda-ti", "v2.0.0", registry.AdoptionProduction, true},
	{"899999027", "datos-abiertos-municipales", "v1.0.0", registry.AdoptionProduction, true},
	{"899999062", "sig-ambiental", "v2.2.0", registry.AdoptionProduction, true},
	{"800131648", "firma-electronica", "v1.3.0", registry.AdoptionProduction, true},
	{"800176089", "firma-electronica", "v1.2.0", registry.AdoptionProduction, true},
	{"899999035", "aulas-virtuales", "v1.2.0", registry.AdoptionProduction, true},
	{"800214750", "biblioteca-digital", "v1.1.0", registry.AdoptionProduction, true},
}

// prepareDemo fills an empty data directory with the demo registry through
// the normal paths (gitsync, the importers, the matcher), or reuses one
// prepared before.
func prepareDemo(ctx context.Context, svc *registry.Service, syncer *gitsync.Syncer, workers matchWorkers, ix *search.Index, sf storeFlags, log *slog.Logger) (*demoResult, error) {
	marker := dataPath(sf, "demo.json")
	if b, err := os.ReadFile(marker); err == nil {
		var d demoResult
		if json.Unmarshal(b, &d) == nil {
			return &d, nil
		}
	}
	sys := registry.WithActor(ctx, registry.SystemActor("demo"))
	res := &demoResult{}
	phase := time.Now()
	done := func(what string) {
		log.Info("demo: "+what, "took", time.Since(phase).Round(time.Millisecond))
		phase = time.Now()
	}

	// 1. Procurement: the real SECOP and OCDS samples, through the importers;
	// they also build the entity directory from the buyers.
	importDir := dataPath(sf, "demo-import")
	if err := os.MkdirAll(importDir, 0o755); err != nil {
		return nil, err
	}
	files, err := fs.Glob(demo.Procurement, "data/*")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	for _, name := range files {
		b, err := demo.Procurement.ReadFile(name)
		if err != nil {
			return nil, err
		}
		path := filepath.Join(importDir, filepath.Base(name))
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return nil, err
		}
		im, err := procurement.NewImporter(svc, procurement.Options{DataDir: sf.data, Log: log, NoResume: true})
		if err != nil {
			return nil, err
		}
		sum, err := im.ImportFile(sys, path)
		if err != nil {
			return nil, fmt.Errorf("importing %s: %w", filepath.Base(name), err)
		}
		res.Imported += sum.New + sum.Updated + sum.Unchanged
		log.Info("demo import", "file", filepath.Base(name), "format", sum.Format, "new", sum.New, "rejected", sum.Rejected)
	}

	done("imported procurement samples")
	// 2. Publishers of the demo software, when the samples did not name them.
	cat := demo.Catalogue()
	for _, sw := range cat {
		if _, err := svc.Store().Entities().GetByNIT(ctx, sw.PublisherNIT); errors.Is(err, registry.ErrNotFound) {
			if _, err := svc.UpsertEntity(sys, &registry.Entity{NIT: sw.PublisherNIT, Name: strings.ToUpper(registry.FoldAccents(sw.Publisher))}); err != nil {
				return nil, fmt.Errorf("entity %s: %w", sw.PublisherNIT, err)
			}
		} else if err != nil {
			return nil, err
		}
	}

	done("publishers")
	// 3. The repositories: generated, registered and mirrored through gitsync.
	repos, err := demo.Generate(ctx, demoReposDir(sf))
	if err != nil {
		return nil, err
	}
	urls := make([]string, len(repos))
	for i, r := range repos {
		urls[i] = r.Dir
	}
	for _, r := range syncer.SyncURLs(sys, urls, nil) {
		if r.Status == gitsync.StatusFailed {
			return nil, fmt.Errorf("mirroring %s: %s %s", r.URL, r.ErrorCode, r.Error)
		}
	}
	done("mirrored repositories")
	// Withdraw some tags upstream and sync again: their releases show as withdrawn.
	if err := demo.WithdrawTags(ctx, repos); err != nil {
		return nil, err
	}
	for _, r := range syncer.SyncURLs(sys, urls, nil) {
		if r.Status == gitsync.StatusFailed {
			return nil, fmt.Errorf("mirroring %s again: %s %s", r.URL, r.ErrorCode, r.Error)
		}
	}

	done("withdrawn tags synced")
	// 4. Label the assets as demo content, with the aliases contracts use.
	slugs := map[string]registry.Asset{}
	for i, r := range repos {
		a, err := svc.Store().Assets().GetByRepositoryURL(ctx, mirroredURL(svc, ctx, urls[i]))
		if err != nil {
			return nil, fmt.Errorf("asset of %s: %w", r.Slug, err)
		}
		a.Demo = true
		a.Aliases = append(a.Aliases, r.Aliases...)
		if a.PublisherNIT == "" {
			a.PublisherNIT = r.PublisherNIT
		}
		if err := svc.UpdateAsset(sys, &a, "aliases"); err != nil {
			return nil, fmt.Errorf("labelling %s: %w", r.Slug, err)
		}
		slugs[r.Slug] = a
		rs, err := svc.Store().Releases().ForAssets(ctx, []string{a.ID})
		if err != nil {
			return nil, err
		}
		for _, rel := range rs {
			if rel.IsRelease {
				res.Releases++
			}
		}
	}
	res.Assets = len(slugs)

	done("labelled assets")
	// 5. Accounts.
	accounts := []struct {
		user  string
		grant registry.Grant
		label string
	}{
		{"admin", registry.Grant{Role: registry.RoleAdmin}, "administrador / administrator"},
		{"cio.floridablanca", registry.Grant{Role: registry.RoleCIO, EntityNIT: "890205176"}, "CIO"},
		{"cio.dnp", registry.Grant{Role: registry.RoleCIO, EntityNIT: "899999011"}, "CIO"},
		{"cio.popayan", registry.Grant{Role: registry.RoleCIO, EntityNIT: "891580006"}, "CIO"},
		{"compras.dnp", registry.Grant{Role: registry.RoleProcurement, EntityNIT: "899999011"}, "compras / procurement"},
		{"compras.sic", registry.Grant{Role: registry.RoleProcurement, EntityNIT: "800176089"}, "compras / procurement"},
		{"editor.igac", registry.Grant{Role: registry.RoleEditor, EntityNIT: "899999004"}, "editor"},
	}
	for _, a := range accounts {
		u := &registry.User{Username: a.user, DisplayName: "Demo " + a.user, Email: a.user + "@demo.acervo.invalid", Grants: []registry.Grant{a.grant}}
		if err := svc.CreateUser(sys, u, demoPassword); err != nil && !errors.Is(err, registry.ErrConflict) {
			return nil, fmt.Errorf("account %s: %w", a.user, err)
		}
		acc := demoAccount{Username: a.user, Role: a.label}
		if a.grant.EntityNIT != "" {
			if e, err := svc.Store().Entities().GetByNIT(ctx, a.grant.EntityNIT); err == nil {
				acc.Entity = e.Name
			} else {
				acc.Entity = a.grant.EntityNIT
			}
		}
		res.Accounts = append(res.Accounts, acc)
	}

	done("accounts")
	// 6. Adoptions, recorded by each entity's CIO (the system acts for them
	// here) and verified for most.
	since := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	for i, d := range demoAdoptions {
		a, ok := slugs[d.slug]
		if !ok {
			continue
		}
		if _, err := svc.Store().Entities().GetByNIT(ctx, d.nit); err != nil {
			continue
		}
		s := since.AddDate(0, i%14, i)
		ad := &registry.Adoption{EntityNIT: d.nit, AssetID: a.ID, ReleaseTag: d.tag, Status: d.status, Environment: "produccion",
			Since: &s, Evidence: []registry.Evidence{{Kind: "DECLARATION", Ref: "Declaración de demostración"}}}
		if err := svc.RecordAdoption(sys, ad); err != nil {
			if errors.Is(err, registry.ErrConflict) {
				continue
			}
			return nil, fmt.Errorf("adoption of %s by %s: %w", d.slug, d.nit, err)
		}
		res.Adopted++
		if d.verify {
			cio := registry.WithActor(ctx, registry.Actor{UserID: "demo-cio-" + d.nit, Username: "cio de demostración",
				Grants: []registry.Grant{{Role: registry.RoleCIO, EntityNIT: d.nit}}})
			if _, err := svc.VerifyAdoption(cio, ad.ID); err != nil {
				return nil, fmt.Errorf("verifying adoption %s: %w", ad.ID, err)
			}
		}
	}

	done("adoptions")
	// 7. One security advisory: older Orfeo releases.
	if a, ok := slugs["orfeo-gestion-documental"]; ok {
		adv := &registry.Advisory{ID: "ACERVO-DEMO-2025-0001", AssetID: a.ID,
			Summary:  "Inyección SQL en la consulta ciudadana de radicados (contenido de demostración)",
			Details:  "La consulta pública del estado de una radicación no escapaba el número de radicado. Actualice a 4.0.0 o posterior. Aviso de demostración de Acervo.",
			Severity: "HIGH", Affected: []registry.AffectedRange{{Introduced: "3.8.0", Fixed: "4.0.0"}},
			Published: time.Date(2025, 6, 10, 0, 0, 0, 0, time.UTC), Modified: time.Date(2025, 6, 10, 0, 0, 0, 0, time.UTC)}
		if _, err := svc.AddAdvisory(sys, adv); err != nil {
			return nil, fmt.Errorf("advisory: %w", err)
		}
	}

	done("advisory")
	// 8. The matcher links the purchases, then the search index catches up.
	stats, err := workers.Runner.Full(sys, nil)
	if err != nil {
		return nil, fmt.Errorf("matcher: %w", err)
	}
	done("matcher")
	res.Links = stats.Suggested
	if _, err := ix.CatchUp(ctx); err != nil {
		return nil, err
	}

	done("search index")
	b, _ := json.MarshalIndent(res, "", "  ")
	if err := os.WriteFile(marker, b, 0o644); err != nil {
		return nil, err
	}
	return res, nil
}

// mirroredURL is the canonical URL the Service stored for a local path.
func mirroredURL(svc *registry.Service, ctx context.Context, raw string) string {
	m, err := svc.Store().Mirrors().List(ctx, registry.MirrorFilter{Page: registry.Page{First: registry.MaxPageSize}})
	if err != nil {
		return raw
	}
	for _, x := range m.Items {
		if x.URL == raw || strings.TrimPrefix(x.URL, "file://") == raw {
			return x.URL
		}
	}
	return raw
}
