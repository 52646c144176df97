package procurement

import (
	"strings"
	"unicode"
)

// Dataset is a kind of purchase record CCE publishes.
type Dataset string

// Datasets the importer reads (their datos.gov.co ids in comments).
const (
	SECOP2Contracts Dataset = "secop2-contratos" // jbjy-vk9h
	SECOP2Processes Dataset = "secop2-procesos"  // p6dx-8zbt
	SECOP1          Dataset = "secop1"           // f789-7hwg
	TVEC            Dataset = "tvec"             // rgxm-mmea
	Integrado       Dataset = "secop-integrado"  // rpmr-utcd
	OCDS            Dataset = "ocds"             // ocds-k50g02
	UnknownDataset  Dataset = ""
)

// Encodings of an input.
const (
	EncSODAJSON       = "soda-json"            // /resource/<id>.json: API field names
	EncSODACSV        = "soda-csv"             // /resource/<id>.csv: API field names
	EncExportCSV      = "export-csv"           // the portal's export: display headers
	EncOCDSReleasePkg = "ocds-release-package" // {"releases":[…]}
	EncOCDSRecordPkg  = "ocds-record-package"  // {"records":[…]}
	EncOCDSRelease    = "ocds-release"         // lone (compiled) releases, or an array or lines of them
)

// Format is what Detect found: a dataset in an encoding.
type Format struct {
	Dataset  Dataset
	Encoding string
	// Delimiter of a CSV (',' or ';'), for the message.
	Delimiter rune
}

func (f Format) String() string {
	if f.Dataset == UnknownDataset {
		return "unknown"
	}
	return string(f.Dataset) + "/" + f.Encoding
}

// Family is the word of `acervo import FAMILY` a dataset belongs to.
func (d Dataset) Family() string {
	switch d {
	case SECOP2Contracts, SECOP2Processes:
		return "secop2"
	case SECOP1:
		return "secop1"
	case TVEC:
		return "tvec"
	case OCDS:
		return "ocds"
	case Integrado:
		return "integrado"
	}
	return ""
}

// datasetSpec describes a tabular dataset: its API fields, the export
// headers that differ from what the API names fold to, and the fields that
// identify it.
type datasetSpec struct {
	dataset Dataset
	fields  []string
	display map[string]string // headerKey(display) → API field
	key     []string          // fields that must all be present
}

// secop2ContractFields are the API fields of jbjy-vk9h the importer reads
// (the rest are accepted and ignored).
var secop2ContractFields = []string{
	"nombre_entidad", "nit_entidad", "departamento", "ciudad", "localizaci_n", "orden", "sector", "rama",
	"entidad_centralizada", "proceso_de_compra", "id_contrato", "referencia_del_contrato", "estado_contrato",
	"codigo_de_categoria_principal", "descripcion_del_proceso", "tipo_de_contrato", "modalidad_de_contratacion",
	"justificacion_modalidad_de", "fecha_de_firma", "fecha_de_inicio_del_contrato", "fecha_de_fin_del_contrato",
	"tipodocproveedor", "documento_proveedor", "proveedor_adjudicado", "es_pyme", "valor_del_contrato", "valor_pagado",
	"urlproceso", "nombre_representante_legal", "tipo_de_identificaci_n_representante_legal",
	"identificaci_n_representante_legal", "codigo_entidad", "codigo_proveedor", "objeto_del_contrato",
	"ultima_actualizacion",
}

var secop2ProcessFields = []string{
	"entidad", "nit_entidad", "departamento_entidad", "ciudad_entidad", "ordenentidad", "codigo_pci", "id_del_proceso",
	"referencia_del_proceso", "ppi", "id_del_portafolio", "nombre_del_procedimiento", "descripci_n_del_procedimiento",
	"fase", "fecha_de_publicacion_del", "fecha_de_ultima_publicaci", "precio_base", "modalidad_de_contratacion",
	"justificaci_n_modalidad_de", "duracion", "unidad_de_duracion", "estado_del_procedimiento", "adjudicado",
	"id_adjudicacion", "codigoproveedor", "fecha_adjudicacion", "valor_total_adjudicacion", "nombre_del_proveedor",
	"nit_del_proveedor_adjudicado", "codigo_principal_de_categoria", "tipo_de_contrato", "categorias_adicionales",
	"urlproceso", "codigo_entidad", "estado_resumen",
}

var secop2ProcessDisplay = map[string]string{
	"entidad": "entidad", "nit_entidad": "nit_entidad", "departamento_entidad": "departamento_entidad",
	"ciudad_entidad": "ciudad_entidad", "ordenentidad": "ordenentidad", "entidad_centralizada": "codigo_pci",
	"id_del_proceso": "id_del_proceso", "referencia_del_proceso": "referencia_del_proceso", "pci": "ppi",
	"id_del_portafolio": "id_del_portafolio", "nombre_del_procedimiento": "nombre_del_procedimiento",
	"descripcion_del_procedimiento": "descripci_n_del_procedimiento", "fase": "fase",
	"fecha_de_publicacion_del_proceso": "fecha_de_publicacion_del", "fecha_de_ultima_publicacion": "fecha_de_ultima_publicaci",
	"precio_base": "precio_base", "modalidad_de_contratacion": "modalidad_de_contratacion",
	"justificacion_modalidad_de_contratacion": "justificaci_n_modalidad_de", "duracion": "duracion",
	"unidad_de_duracion": "unidad_de_duracion", "estado_del_procedimiento": "estado_del_procedimiento",
	"adjudicado": "adjudicado", "id_adjudicacion": "id_adjudicacion", "codigoproveedor": "codigoproveedor",
	"fecha_adjudicacion": "fecha_adjudicacion", "valor_total_adjudicacion": "valor_total_adjudicacion",
	"nombre_del_proveedor_adjudicado": "nombre_del_proveedor", "nit_del_proveedor_adjudicado": "nit_del_proveedor_adjudicado",
	"codigo_principal_de_categoria": "codigo_principal_de_categoria", "tipo_de_contrato": "tipo_de_contrato",
	"categorias_adicionales": "categorias_adicionales", "urlproceso": "urlproceso", "codigo_entidad": "codigo_entidad",
	"estado_resumen": "estado_resumen",
}

var secop1Fields = []string{
	"uid", "anno_cargue_secop", "anno_firma_contrato", "nivel_entidad", "orden_entidad", "nombre_entidad",
	"nit_de_la_entidad", "c_digo_de_la_entidad", "id_modalidad", "modalidad_de_contratacion", "estado_del_proceso",
	"causal_de_otras_formas_de", "id_regimen_de_contratacion", "nombre_regimen_de_contratacion",
	"id_objeto_a_contratar", "objeto_a_contratar", "detalle_del_objeto_a_contratar", "tipo_de_contrato",
	"municipio_de_obtencion", "municipio_de_entrega", "municipios_ejecucion", "fecha_de_cargue_en_el_secop",
	"numero_de_constancia", "numero_de_proceso", "numero_de_contrato", "cuantia_proceso", "id_grupo", "nombre_grupo",
	"id_familia", "nombre_familia", "id_clase", "nombre_clase", "id_adjudicacion", "tipo_identifi_del_contratista",
	"identificacion_del_contratista", "nom_razon_social_contratista", "dpto_y_muni_contratista",
	"tipo_doc_representante_legal", "identific_representante_legal", "nombre_del_represen_legal",
	"fecha_de_firma_del_contrato", "fecha_ini_ejec_contrato", "plazo_de_ejec_del_contrato", "rango_de_ejec_del_contrato",
	"fecha_fin_ejec_contrato", "cuantia_contrato", "valor_total_de_adiciones", "valor_contrato_con_adiciones",
	"objeto_del_contrato_a_la", "ruta_proceso_en_secop_i", "moneda", "municipio_entidad", "departamento_entidad",
	"ultima_actualizacion", "es_mipyme", "codigo_bpin", "destino_gasto", "fecha_liquidacion",
}

// secop1Aliases are older SECOP I column names (historical extracts).
var secop1Aliases = map[string]string{
	"nombre_de_la_entidad": "nombre_entidad", "nit_entidad": "nit_de_la_entidad", "codigo_de_la_entidad": "c_digo_de_la_entidad",
	"causal_de_otras_formas_de_contratacion_directa": "causal_de_otras_formas_de",
	"objeto_del_contrato_a_la_firma":                 "objeto_del_contrato_a_la", "tipo_de_proceso": "modalidad_de_contratacion",
	"identificacion_del_representante_legal": "identific_representante_legal",
	"nombre_del_representante_legal":         "nombre_del_represen_legal",
	"tipo_identificacion_del_contratista":    "tipo_identifi_del_contratista",
	"ruta_proceso_en_secop":                  "ruta_proceso_en_secop_i",
}

var tvecFields = []string{
	"a_o", "identificador_de_la_orden", "rama_de_la_entidad", "orden_de_la_entidad", "sector_de_la_entidad", "entidad",
	"nit_entidad", "id_entidad", "solicitante", "fecha", "fecha_vence", "proveedor", "nit_proveedor",
	"actividad_economica_proveedor", "estado", "solicitud", "items", "total", "agregacion", "ciudad",
	"entidad_obigada", "espostconflicto",
}

var tvecDisplay = map[string]string{
	"ano": "a_o", "año": "a_o", "identificador_de_la_orden": "identificador_de_la_orden", "orden_de_compra": "identificador_de_la_orden",
	"nit_de_la_entidad": "nit_entidad", "nit_del_proveedor": "nit_proveedor", "entidad_obligada": "entidad_obigada",
	"agregacion": "agregacion", "fecha_vencimiento": "fecha_vence",
}

var integradoFields = []string{
	"nivel_entidad", "codigo_entidad_en_secop", "nombre_de_la_entidad", "nit_de_la_entidad", "departamento_entidad",
	"municipio_entidad", "estado_del_proceso", "modalidad_de_contrataci_n", "objeto_a_contratar", "objeto_del_proceso",
	"tipo_de_contrato", "fecha_de_firma_del_contrato", "fecha_inicio_ejecuci_n", "fecha_fin_ejecuci_n",
	"numero_del_contrato", "numero_de_proceso", "valor_contrato", "nom_raz_social_contratista",
	"tipo_documento_proveedor", "documento_proveedor", "url_contrato", "origen",
}

var specs = []*datasetSpec{
	{dataset: SECOP2Contracts, fields: secop2ContractFields, key: []string{"id_contrato"}},
	{dataset: SECOP2Processes, fields: secop2ProcessFields, display: secop2ProcessDisplay, key: []string{"id_del_proceso"}},
	{dataset: SECOP1, fields: secop1Fields, display: secop1Aliases, key: []string{"numero_de_constancia"}},
	{dataset: TVEC, fields: tvecFields, display: tvecDisplay, key: []string{"identificador_de_la_orden"}},
	{dataset: Integrado, fields: integradoFields, key: []string{"numero_del_contrato", "origen"}},
}

func specOf(d Dataset) *datasetSpec {
	for _, s := range specs {
		if s.dataset == d {
			return s
		}
	}
	return nil
}

// socrataSlug makes the API field name Socrata derives from a display name:
// lower case, every character but a–z and 0–9 becomes '_', runs collapsed
// ("Localización" → "localizaci_n", "Año" → "a_o").
func socrataSlug(s string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			under = false
			continue
		}
		if unicode.IsSpace(r) || !under {
			if !under {
				b.WriteByte('_')
			}
			under = true
		}
	}
	return strings.TrimLeft(b.String(), "_")
}

// canonicalizer returns the function that maps a folded header cell to the
// dataset's API field name ("" for columns it does not know). raw header
// cells are needed for the Socrata slug (accents matter there).
func (s *datasetSpec) canonicalizer(t *Tables) func(raw string) string {
	known := map[string]string{}
	for _, f := range s.fields {
		known[f] = f
		known[headerKey(f)] = f
	}
	for k, v := range s.display {
		known[headerKey(k)] = v
	}
	if s.dataset == SECOP2Contracts && t != nil {
		for k, v := range t.secop2Display {
			known[k] = v
		}
	}
	return func(raw string) string {
		raw = strings.TrimPrefix(strings.TrimSpace(raw), "\ufeff")
		if f, ok := known[strings.ToLower(raw)]; ok {
			return f
		}
		if f, ok := known[socrataSlug(raw)]; ok {
			return f
		}
		if f, ok := known[headerKey(raw)]; ok {
			return f
		}
		// An API name the spec does not list is kept under its own name.
		return headerKey(raw)
	}
}

// detectHeader picks the dataset whose key fields the header carries and
// that recognises the most columns; exact tells whether most cells were
// API field names (SODA CSV) rather than display names (portal export).
func detectHeader(header []string, t *Tables) (spec *datasetSpec, canon func(string) string, exact bool) {
	best := -1
	for _, s := range specs {
		c := s.canonicalizer(t)
		fields := map[string]bool{}
		for _, f := range s.fields {
			fields[f] = true
		}
		got := map[string]bool{}
		n, apiNames := 0, 0
		for _, h := range header {
			f := c(h)
			if fields[f] {
				got[f] = true
				n++
				if strings.TrimPrefix(strings.TrimSpace(h), "\ufeff") == f {
					apiNames++
				}
			}
		}
		ok := true
		for _, k := range s.key {
			if !got[k] {
				ok = false
			}
		}
		if ok && n > best {
			best, spec, canon, exact = n, s, c, apiNames*2 >= n
		}
	}
	return spec, canon, exact
}

// detectObject picks the dataset of a JSON row by its keys.
func detectObject(keys map[string]bool) Dataset {
	switch {
	case keys["ocid"]:
		return OCDS
	case keys["id_contrato"]:
		return SECOP2Contracts
	case keys["id_del_proceso"] || keys["id_del_portafolio"]:
		return SECOP2Processes
	case keys["numero_de_constancia"]:
		return SECOP1
	case keys["identificador_de_la_orden"]:
		return TVEC
	case keys["numero_del_contrato"] && keys["origen"]:
		return Integrado
	}
	return UnknownDataset
}
