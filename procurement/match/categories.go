package match

// categoryVocab is what a purchase of software of one publiccode.yml
// category looks like: Spanish phrases of the description and UNSPSC
// prefixes. A purchase that buys, licenses or builds software of a
// category where the registry holds public assets links to the most
// adopted of them as ALTERNATIVE: what the buyer could have reused.
type categoryVocab struct {
	category string
	label    string // Spanish, for reasons
	phrases  []string
	unspsc   []string // prefixes of 8-digit codes
}

var categoryVocabs = []categoryVocab{
	{"document-management", "gestión documental", []string{
		"gestion documental", "sgdea", "gestion de documentos electronicos", "documentos electronicos de archivo",
		"ventanilla unica", "correspondencia", "expediente electronico", "archivo electronico",
	}, []string{"43232201", "43232202"}},
	{"accounting", "contabilidad y finanzas", []string{
		"software contable", "software financiero", "contable y financiero", "administrativo y financiero",
		"financiero y administrativo", "sistema financiero", "modulos de contabilidad", "contabilidad",
		"tesoreria", "presupuesto",
	}, []string{"43231601", "43231603", "43231604", "432316"}},
	{"erp", "planificación de recursos (ERP)", []string{"erp", "planificacion de recursos empresariales", "recursos empresariales"}, []string{"43231602"}},
	{"geographic-information-systems", "información geográfica", []string{
		"sistema de informacion geografica", "sig", "informacion geografica", "geografico", "cartografia",
	}, []string{"43232604", "432335"}},
	{"learning-management-system", "aulas virtuales", []string{
		"aula virtual", "aulas virtuales", "campus virtual", "lms", "plataforma educativa", "e learning",
	}, []string{"432325", "43232502"}},
	{"help-desk", "mesa de ayuda", []string{"mesa de ayuda", "mesa de servicio", "gestion de incidentes"}, []string{"43231501"}},
	{"hr", "talento humano y nómina", []string{"nomina", "talento humano", "recursos humanos", "gestion humana"}, []string{"43231505"}},
	{"taxes-management", "impuestos", []string{"impuesto predial", "industria y comercio", "impuestos municipales", "predial"}, []string{"43231603"}},
	{"library", "bibliotecas", []string{"biblioteca", "bibliotecas", "catalogacion", "bibliografico"}, []string{"43232609"}},
	{"survey", "encuestas y captura de datos", []string{"encuestas", "captura de datos", "formularios"}, []string{"43232305"}},
	{"content-management", "portales y sitios web", []string{"portal web", "sitio web", "pagina web", "gestor de contenidos", "sede electronica"}, []string{"43232107", "43232312"}},
	{"crm", "atención al ciudadano", []string{"pqrs", "pqrsd", "crm", "atencion al ciudadano"}, []string{"43232303"}},
}
