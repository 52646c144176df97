// Package opendata writes Acervo's open-data dumps: CSV and JSON files of
// assets, releases, verified adoptions and confirmed purchase links, with a
// data dictionary in Spanish and English shaped like the column metadata of
// the national open-data portal (API field name, display name, type, Socrata
// datatype, description). No personal data goes in: natural persons'
// names and document numbers, users, tokens and the audit log are left out.
package opendata

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/acervo-co/acervo/registry"
)

// Column describes one column of a dataset.
type Column struct {
	Field   string // API field name
	NameES  string
	NameEN  string
	Type    string // Texto, Número, Fecha y hora, URL, Casilla de verificación
	Socrata string // text, number, calendar_date, url, checkbox
	DescES  string
	DescEN  string
}

// Dataset is one file pair (CSV and JSON lines).
type Dataset struct {
	Name    string // file base name
	TitleES string
	TitleEN string
	Columns []Column
}

func col(field, es, en, typ, desc, descEN string) Column {
	soc := map[string]string{"Texto": "text", "Número": "number", "Fecha y hora": "calendar_date", "URL": "url", "Casilla de verificación": "checkbox"}[typ]
	return Column{Field: field, NameES: es, NameEN: en, Type: typ, Socrata: soc, DescES: desc, DescEN: descEN}
}

// Datasets lists what a dump contains.
func Datasets() []Dataset {
	return []Dataset{
		{Name: "activos", TitleES: "Activos de software", TitleEN: "Software assets", Columns: []Column{
			col("id", "Identificador", "Identifier", "Texto", "Identificador del activo en Acervo", "Asset identifier in Acervo"),
			col("slug", "Nombre corto", "Slug", "Texto", "Nombre corto usado en las direcciones de Acervo", "Short name used in Acervo's addresses"),
			col("tipo", "Tipo", "Kind", "Texto", "PUBLIC: software público con repositorio; COMMERCIAL: producto comercial que el Estado compra", "PUBLIC: public software with a repository; COMMERCIAL: a commercial product the State buys"),
			col("nombre", "Nombre", "Name", "Texto", "Nombre del software", "Software name"),
			col("descripcion", "Descripción", "Description", "Texto", "Descripción corta en español", "Short description in Spanish"),
			col("nit_entidad_publicadora", "NIT entidad publicadora", "Publisher NIT", "Texto", "NIT (sin dígito de verificación) de la entidad que publica el software", "NIT (without check digit) of the publishing entity"),
			col("repositorio", "Repositorio", "Repository", "URL", "Dirección del repositorio de código fuente", "Source repository address"),
			col("licencia", "Licencia", "Licence", "Texto", "Licencia en notación SPDX", "Licence as an SPDX expression"),
			col("categorias", "Categorías", "Categories", "Texto", "Categorías de publiccode.yml separadas por punto y coma", "publiccode.yml categories separated by semicolons"),
			col("estado_desarrollo", "Estado de desarrollo", "Development status", "Texto", "concept, development, beta, stable u obsolete", "concept, development, beta, stable or obsolete"),
			col("lenguajes", "Lenguajes", "Languages", "Texto", "Lenguajes de programación por proporción de archivos", "Programming languages by share of files"),
			col("activo", "Activo", "Active", "Casilla de verificación", "Si el activo está vigente en el catálogo", "Whether the asset is active in the catalogue"),
			col("actualizado", "Actualizado", "Updated", "Fecha y hora", "Última actualización en Acervo (UTC)", "Last update in Acervo (UTC)"),
		}},
		{Name: "versiones", TitleES: "Versiones publicadas", TitleEN: "Released versions", Columns: []Column{
			col("id_activo", "Identificador del activo", "Asset identifier", "Texto", "Activo al que pertenece la versión", "Asset the version belongs to"),
			col("etiqueta", "Etiqueta", "Tag", "Texto", "Etiqueta Git de la versión", "Git tag of the version"),
			col("version", "Versión", "Version", "Texto", "Versión semántica", "Semantic version"),
			col("commit", "Commit", "Commit", "Texto", "Commit al que apunta la etiqueta", "Commit the tag points to"),
			col("fecha", "Fecha", "Date", "Fecha y hora", "Fecha de la versión (UTC)", "Release date (UTC)"),
			col("preliminar", "Preliminar", "Prerelease", "Casilla de verificación", "Si es una versión preliminar", "Whether it is a prerelease"),
			col("retirada", "Retirada", "Withdrawn", "Casilla de verificación", "Si la etiqueta fue borrada del repositorio", "Whether the tag was deleted from the repository"),
			col("licencia", "Licencia", "Licence", "Texto", "Licencia detectada en esa versión", "Licence detected at that version"),
		}},
		{Name: "adopciones_verificadas", TitleES: "Adopciones verificadas", TitleEN: "Verified adoptions", Columns: []Column{
			col("nit_entidad", "NIT entidad", "Entity NIT", "Texto", "NIT de la entidad que usa el software", "NIT of the entity that uses the software"),
			col("nombre_entidad", "Nombre entidad", "Entity name", "Texto", "Nombre de la entidad", "Entity name"),
			col("id_activo", "Identificador del activo", "Asset identifier", "Texto", "Activo adoptado", "Adopted asset"),
			col("nombre_activo", "Nombre del activo", "Asset name", "Texto", "Nombre del activo adoptado", "Adopted asset name"),
			col("version", "Versión", "Version", "Texto", "Versión exacta o restricción de versiones en uso", "Exact version or version constraint in use"),
			col("estado", "Estado", "Status", "Texto", "EVALUATING, PILOT, PRODUCTION o RETIRED", "EVALUATING, PILOT, PRODUCTION or RETIRED"),
			col("verificacion", "Verificación", "Verification", "Texto", "Quién verificó la adopción", "Who verified the adoption"),
			col("desde", "Desde", "Since", "Fecha y hora", "Desde cuándo se usa", "In use since"),
		}},
		{Name: "compras_enlazadas", TitleES: "Compras enlazadas a software", TitleEN: "Purchases linked to software", Columns: []Column{
			col("id_activo", "Identificador del activo", "Asset identifier", "Texto", "Activo al que se enlaza la compra", "Asset the purchase is linked to"),
			col("nombre_activo", "Nombre del activo", "Asset name", "Texto", "Nombre del activo", "Asset name"),
			col("relacion", "Relación", "Relation", "Texto", "DEVELOPMENT, IMPLEMENTATION, MAINTENANCE, SUPPORT, LICENSING, HOSTING, TRAINING o ALTERNATIVE", "DEVELOPMENT, IMPLEMENTATION, MAINTENANCE, SUPPORT, LICENSING, HOSTING, TRAINING or ALTERNATIVE"),
			col("fuente", "Fuente", "Source", "Texto", "SECOP_II, SECOP_I, TVEC u OCDS", "SECOP_II, SECOP_I, TVEC or OCDS"),
			col("id_contrato", "Identificador del contrato", "Contract id", "Texto", "Identificador del contrato en la fuente", "Contract identifier at the source"),
			col("url", "Enlace", "Link", "URL", "Enlace al proceso en la fuente", "Link to the process at the source"),
			col("nit_entidad", "NIT entidad compradora", "Buyer NIT", "Texto", "NIT de la entidad compradora", "Buyer entity NIT"),
			col("nombre_entidad", "Entidad compradora", "Buyer", "Texto", "Nombre de la entidad compradora", "Buyer entity name"),
			col("proveedor", "Proveedor", "Supplier", "Texto", "Razón social del proveedor (vacío cuando es persona natural)", "Supplier name (empty for natural persons)"),
			col("nit_proveedor", "NIT proveedor", "Supplier NIT", "Texto", "NIT del proveedor (vacío cuando es persona natural)", "Supplier NIT (empty for natural persons)"),
			col("valor", "Valor", "Value", "Número", "Valor del contrato en pesos colombianos", "Contract value in Colombian pesos"),
			col("fecha_firma", "Fecha de firma", "Signature date", "Fecha y hora", "Fecha de firma del contrato", "Contract signature date"),
			col("anio", "Año", "Year", "Número", "Año de firma", "Signature year"),
		}},
	}
}

// Writer writes one dataset as CSV and JSON lines at once.
type writer struct {
	ds   Dataset
	csv  *csv.Writer
	json *json.Encoder
	n    int
}

func (w *writer) row(values ...string) error {
	if len(values) != len(w.ds.Columns) {
		return fmt.Errorf("opendata: %s: %d values for %d columns", w.ds.Name, len(values), len(w.ds.Columns))
	}
	if err := w.csv.Write(values); err != nil {
		return err
	}
	obj := make(map[string]any, len(values))
	for i, c := range w.ds.Columns {
		v := values[i]
		switch {
		case v == "":
			obj[c.Field] = nil
		case c.Socrata == "number":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return fmt.Errorf("opendata: %s.%s: %q is not a number", w.ds.Name, c.Field, v)
			}
			obj[c.Field] = n
		case c.Socrata == "checkbox":
			obj[c.Field] = v == "true"
		default:
			obj[c.Field] = v
		}
	}
	w.n++
	return w.json.Encode(obj)
}

// Summary counts the rows of each dataset.
type Summary map[string]int

// Write writes every dataset into dir (created): NAME.csv, NAME.json (JSON
// lines), diccionario.csv and metadatos.json. Files are written under
// temporary names and renamed, so a reader never sees a half dump.
func Write(ctx context.Context, st registry.Store, dir string, now time.Time) (Summary, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	sum := Summary{}
	type open struct {
		w        *writer
		files    []*os.File
		tmpNames []string
		final    []string
	}
	opened := map[string]*open{}
	defer func() {
		for _, o := range opened {
			for i, f := range o.files {
				f.Close()
				os.Remove(o.tmpNames[i])
			}
		}
	}()
	for _, ds := range Datasets() {
		o := &open{}
		for _, ext := range []string{".csv", ".json"} {
			f, err := os.CreateTemp(dir, "."+ds.Name+ext+".*")
			if err != nil {
				return nil, err
			}
			o.files = append(o.files, f)
			o.tmpNames = append(o.tmpNames, f.Name())
			o.final = append(o.final, filepath.Join(dir, ds.Name+ext))
		}
		o.w = &writer{ds: ds, csv: csv.NewWriter(o.files[0]), json: json.NewEncoder(o.files[1])}
		header := make([]string, len(ds.Columns))
		for i, c := range ds.Columns {
			header[i] = c.Field
		}
		if err := o.w.csv.Write(header); err != nil {
			return nil, err
		}
		opened[ds.Name] = o
	}
	if err := dump(ctx, st, opened["activos"].w, opened["versiones"].w, opened["adopciones_verificadas"].w, opened["compras_enlazadas"].w); err != nil {
		return nil, err
	}
	for name, o := range opened {
		o.w.csv.Flush()
		if err := o.w.csv.Error(); err != nil {
			return nil, err
		}
		for i, f := range o.files {
			if err := f.Sync(); err != nil {
				return nil, err
			}
			if err := f.Close(); err != nil {
				return nil, err
			}
			if err := os.Rename(o.tmpNames[i], o.final[i]); err != nil {
				return nil, err
			}
		}
		o.files = nil
		sum[name] = o.w.n
	}
	if err := writeDictionary(filepath.Join(dir, "diccionario.csv")); err != nil {
		return nil, err
	}
	return sum, writeMetadata(filepath.Join(dir, "metadatos.json"), now, sum)
}

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05")
}

func tsp(t *time.Time) string {
	if t == nil {
		return ""
	}
	return ts(*t)
}

func dump(ctx context.Context, st registry.Store, assets, releases, adoptions, links *writer) error {
	names := map[string]string{}
	page := registry.Page{First: registry.MaxPageSize}
	for {
		l, err := st.Assets().List(ctx, registry.AssetFilter{Sort: registry.SortName, Page: page})
		if err != nil {
			return err
		}
		var ids []string
		for _, a := range l.Items {
			names[a.ID] = a.Name
			ids = append(ids, a.ID)
			langs := make([]string, 0, len(a.Languages))
			for _, lg := range a.Languages {
				langs = append(langs, lg.Name)
			}
			desc := a.Descriptions["es"].ShortDescription
			if err := assets.row(a.ID, a.Slug, string(a.Kind), a.Name, desc, a.PublisherNIT, a.RepositoryURL, a.License,
				strings.Join(a.Categories, ";"), a.DevelopmentStatus, strings.Join(langs, ";"), strconv.FormatBool(a.Active), ts(a.UpdatedAt)); err != nil {
				return err
			}
		}
		if len(ids) > 0 {
			rs, err := st.Releases().ForAssets(ctx, ids)
			if err != nil {
				return err
			}
			for _, r := range rs {
				if !r.IsRelease {
					continue
				}
				if err := releases.row(r.AssetID, r.Tag, r.Version, r.Commit, ts(r.Date), strconv.FormatBool(r.Prerelease), strconv.FormatBool(r.Withdrawn), r.License); err != nil {
					return err
				}
			}
		}
		if !l.PageInfo.HasNextPage {
			break
		}
		page.After = l.PageInfo.EndCursor
	}

	entityNames := map[string]string{}
	entityName := func(nit string) string {
		if n, ok := entityNames[nit]; ok {
			return n
		}
		e, err := st.Entities().GetByNIT(ctx, nit)
		if err == nil {
			entityNames[nit] = e.Name
		} else {
			entityNames[nit] = ""
		}
		return entityNames[nit]
	}
	page = registry.Page{First: registry.MaxPageSize}
	for {
		l, err := st.Adoptions().List(ctx, registry.AdoptionFilter{Verification: registry.VerificationCIOVerified, Sort: registry.SortCreated, Page: page})
		if err != nil {
			return err
		}
		for _, a := range l.Items {
			version := a.ReleaseTag
			if version == "" {
				version = a.Constraint
			}
			if err := adoptions.row(a.EntityNIT, entityName(a.EntityNIT), a.AssetID, names[a.AssetID], version, a.Status, a.Verification, tsp(a.Since)); err != nil {
				return err
			}
		}
		if !l.PageInfo.HasNextPage {
			break
		}
		page.After = l.PageInfo.EndCursor
	}

	page = registry.Page{First: registry.MaxPageSize}
	for {
		l, err := st.Links().List(ctx, registry.LinkFilter{State: registry.LinkConfirmed, Sort: registry.SortUpdated, Page: page})
		if err != nil {
			return err
		}
		ids := make([]string, 0, len(l.Items))
		for _, k := range l.Items {
			ids = append(ids, k.PurchaseID)
		}
		ps, err := st.Purchases().GetMany(ctx, ids)
		if err != nil {
			return err
		}
		byID := map[string]registry.Purchase{}
		for _, p := range ps {
			byID[p.ID] = p
		}
		for _, k := range l.Items {
			p, ok := byID[k.PurchaseID]
			if !ok {
				continue
			}
			supplier, supplierNIT := p.Supplier.Name, p.Supplier.DocNumber
			if p.Supplier.NaturalPerson || p.Supplier.DocType != "NIT" {
				supplier, supplierNIT = "", "" // personal data (Ley 1581 de 2012)
			}
			year := ""
			if p.Year > 0 {
				year = strconv.Itoa(p.Year)
			}
			if err := links.row(k.AssetID, names[k.AssetID], k.Relation, p.Source, p.ContractID, p.URL, p.BuyerNIT, p.BuyerName,
				supplier, supplierNIT, strconv.FormatInt(p.Value, 10), tsp(p.SignedAt), year); err != nil {
				return err
			}
		}
		if !l.PageInfo.HasNextPage {
			break
		}
		page.After = l.PageInfo.EndCursor
	}
	return nil
}

func writeDictionary(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"archivo", "num", "campo_api", "nombre_columna", "nombre_columna_en", "tipo_dato", "socrata_datatype", "descripcion", "description_en"})
	for _, ds := range Datasets() {
		for i, c := range ds.Columns {
			w.Write([]string{ds.Name, strconv.Itoa(i + 1), c.Field, c.NameES, c.NameEN, c.Type, c.Socrata, c.DescES, c.DescEN})
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeMetadata(path string, now time.Time, sum Summary) error {
	type file struct {
		Name    string   `json:"archivo"`
		TitleES string   `json:"titulo"`
		TitleEN string   `json:"title"`
		Rows    int      `json:"filas"`
		Formats []string `json:"formatos"`
	}
	meta := struct {
		Title       string `json:"titulo"`
		TitleEN     string `json:"title"`
		Description string `json:"descripcion"`
		DescEN      string `json:"description"`
		Publisher   string `json:"publicador"`
		License     string `json:"licencia"`
		Frequency   string `json:"frecuencia_actualizacion"`
		Generated   string `json:"generado"`
		Files       []file `json:"archivos"`
		Dictionary  string `json:"diccionario"`
	}{
		Title: "Acervo: software público, adopciones y compras de software del Estado", TitleEN: "Acervo: public software, adoptions and software purchases of the State",
		Description: "Catálogo de software público reutilizable, sus versiones, las entidades que lo usan (adopciones verificadas) y las compras públicas enlazadas a cada activo. Sin datos personales.",
		DescEN:      "Catalogue of reusable public software, its versions, the entities using it (verified adoptions) and the public purchases linked to each asset. No personal data.",
		Publisher:   "Acervo", License: "CC-BY-SA-4.0", Frequency: "Diaria", Generated: now.UTC().Format(time.RFC3339), Dictionary: "diccionario.csv",
	}
	for _, ds := range Datasets() {
		meta.Files = append(meta.Files, file{Name: ds.Name, TitleES: ds.TitleES, TitleEN: ds.TitleEN, Rows: sum[ds.Name], Formats: []string{"csv", "json"}})
	}
	b, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// CopyFile streams a dump file to w (for /datos).
func CopyFile(w io.Writer, dir, name string) error {
	f, err := os.Open(filepath.Join(dir, filepath.Base(name)))
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}
