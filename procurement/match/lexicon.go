package match

import "github.com/acervo-co/acervo/registry"

// cue classifies a phrase of the description that tells what the contract
// does with the software it names.
type cue uint8

const (
	cueNone cue = iota
	// What a purchase can do to a system (the direct relations).
	cueDevelopment
	cueImplementation
	cueMaintenance
	cueSupport
	cueLicensing
	cueHosting
	cueTraining
	// cueUse: someone works IN the system (registers, files, loads,
	// reports, consults) or buys what is needed to use it (certificates
	// to sign in). It is the trap of personal-services contracts.
	cueUse
	// cueAccess: digital certificates, tokens, accounts to get into a
	// system; a strong use cue.
	cueAccess
	// cuePersonal: the contract hires a person (professional services,
	// support to management, temporary personal services).
	cuePersonal
	// cueSoftware: a word that says "this is software" near an
	// ambiguous product name (SAS, SAP, PCT).
	cueSoftware
	// cueNeutral: a phrase that contains a cue word but means something
	// else ("plan de desarrollo", "licencia de conducción"); it hides
	// the cues inside it.
	cueNeutral
	numCues
)

// relationOf maps a build cue to its link relation.
var relationOf = [numCues]string{
	cueDevelopment:    registry.RelDevelopment,
	cueImplementation: registry.RelImplementation,
	cueMaintenance:    registry.RelMaintenance,
	cueSupport:        registry.RelSupport,
	cueLicensing:      registry.RelLicensing,
	cueHosting:        registry.RelHosting,
	cueTraining:       registry.RelTraining,
}

// relationPriority orders the relations when a contract does several
// things to the same system: the first present wins (the labelling rule of
// testdata/labelled/README.md uses the same order).
var relationPriority = []cue{cueLicensing, cueDevelopment, cueImplementation, cueMaintenance, cueSupport, cueHosting, cueTraining}

// cueNames are the Spanish words of each cue kind, used in reasons.
var cueNames = [numCues]string{
	cueDevelopment:    "desarrollo",
	cueImplementation: "implementación",
	cueMaintenance:    "mantenimiento",
	cueSupport:        "soporte",
	cueLicensing:      "licenciamiento",
	cueHosting:        "alojamiento",
	cueTraining:       "capacitación",
	cueUse:            "uso",
	cueAccess:         "acceso",
	cuePersonal:       "servicios personales",
}

// cuePhrases are the phrases of each cue, written as people write them
// (they are folded when the index is built).
var cuePhrases = map[cue][]string{
	cueDevelopment: {
		"desarrollo", "desarrollos", "desarrollar", "desarrolle", "desarrollando", "construccion", "construir",
		"programacion", "nuevas funcionalidades", "nueva funcionalidad", "nuevos modulos", "fabrica de software",
		"personalizacion", "personalizaciones", "ajustes a medida", "analisis y diseno", "diseno y desarrollo",
		"desarrollo de software", "codificacion",
	},
	cueImplementation: {
		"implementacion", "implementar", "implementen", "implantacion", "implantar", "puesta en marcha",
		"puesta en produccion", "parametrizacion", "parametrizaciones", "parametrizar", "migracion", "migrar",
		"despliegue", "instalacion", "instalar", "configuracion", "configurar", "integracion", "interoperabilidad",
		"estabilizacion", "habilitacion",
	},
	cueMaintenance: {
		"mantenimiento", "mantenimientos", "mantener", "actualizacion", "actualizaciones", "actualizar", "evolutivo",
		"evolucion", "correctivo", "mejoras", "mejoramiento", "optimizacion", "versionamientos", "nueva version",
		"ultima version", "actualizacion de version", "pruebas", "sostenimiento", "vigencia tecnologica",
	},
	cueSupport: {
		"soporte", "soporte tecnico", "soporte funcional", "soportar", "mesa de ayuda", "asistencia remota",
		"gestion de incidentes", "incidentes", "acompanamiento funcional", "acompanamiento tecnico",
		"soporte extendido", "administracion y soporte", "soporte tecnico y operativo", "a los usuarios",
		"soporte a usuarios", "soporte a los usuarios", "disponibilidad", "garantia de la disponibilidad",
	},
	cueLicensing: {
		"licencia", "licencias", "licenciamiento", "licenciado", "licenciados", "suscripcion", "suscripciones",
		"derecho de uso", "derechos de uso", "derecho al uso", "arriendo", "arrendamiento", "saas", "suministro",
		"suministrar", "cuentas de correo", "cuentas de correo electronico",
		"software como servicio", "renovacion", "adquisicion del software", "adquisicion de software",
		"compra de software", "creditos",
	},
	cueHosting: {
		"hosting", "alojamiento", "nube", "cloud", "centro de datos", "datacenter", "servidor virtual",
		"servidores", "infraestructura", "iaas", "paas",
	},
	cueTraining: {
		"capacitacion", "capacitaciones", "capacitar", "entrenamiento", "transferencia de conocimiento",
		"curso", "cursos", "formacion de usuarios",
	},
	cueUse: {
		"registro", "registros", "registrar", "registre", "radicacion", "radicar", "cargue", "cargar", "digitacion",
		"digitar", "digitalizacion", "consulta", "consultar", "reporte", "reportes", "reportar", "diligenciamiento",
		"diligenciar", "notificacion", "notificar", "conciliacion", "conciliar", "revision", "validacion", "validar",
		"verificacion", "seguimiento", "manejo", "manejar", "operacion", "operar", "operatividad", "descarga", "descargar",
		"desde las plataformas", "desde el aplicativo", "con base de datos", "con bases de datos", "bajo la plataforma",
		"bajo plataformas", "desplegado en", "atencion a los usuarios", "atencion a usuarios",
		"uso del", "uso de", "usuario", "usuarios", "ingreso", "inscripcion", "matricula", "matriculas",
		"certificacion de aprendices", "afiliacion", "afiliaciones", "rendicion", "rendir", "alimentar",
		"alimentando", "publicacion", "publicar", "archivo documental", "organizacion del archivo",
		"correspondencia", "gestor del aplicativo", "cuentas por pagar", "pagos", "liquidaciones", "liquidacion",
		"recoleccion", "recopilacion", "encuestas", "encuesta", "auditoria a los documentos", "analisis de la informacion",
		"gestion de la informacion", "administracion de la informacion", "mediante el uso", "a traves del aplicativo",
		"a traves de las plataformas", "a traves de los aplicativos", "en el aplicativo", "en los aplicativos",
		"consolidacion", "depuracion", "codificar", "encuestador", "encuestadores", "enumerador", "digitador", "actualizacion de la informacion", "actualizacion de datos",
		"actualizacion de la base de datos", "actualizacion y administracion de la base de datos",
		"actualizar la informacion", "actualizacion de novedades", "novedades", "supervision", "tramites",
		"atencion de usuarios", "atencion al ciudadano", "gestion presupuestal", "gestion contable",
		"gestion financiera", "registro presupuestal", "analista", "monitoreo control", "montaje",
		"procesamiento de la informacion", "generacion de informes", "informes", "caracterizacion",
	},
	cueAccess: {
		"firma digital", "certificados de firma", "certificados digitales", "certificado digital",
		"certificados de firma digital", "token", "tokens", "para ingreso a", "acceso al aplicativo",
		"acceso al sistema", "cuentas de usuario",
	},
	cuePersonal: {
		"servicios profesionales", "apoyo a la gestion", "servicios de apoyo", "servicios personales",
		"servicios tecnicos", "apoyo asistencial", "apoyo administrativo", "apoyo tecnico", "por sus propios medios",
		"plena autonomia tecnica", "sin vinculo laboral", "contratista", "profesional", "auxiliar",
		"personal de apoyo", "de caracter temporal",
	},
	cueSoftware: {
		"software", "aplicativo", "aplicativos", "aplicacion", "plataforma", "sistema", "licencia", "licencias",
		"licenciamiento", "herramienta", "modulo", "modulos", "erp", "version", "suite", "programa", "solucion",
		"suscripcion", "base de datos", "bases de datos", "enterprise", "web", "estadistico",
	},
	cueNeutral: {
		"plan de desarrollo", "planes de desarrollo", "fondo de desarrollo", "fondos de desarrollo",
		"desarrollo local", "desarrollo rural", "desarrollo social", "desarrollo economico", "desarrollo territorial",
		"desarrollo sostenible", "desarrollo humano", "desarrollo institucional", "desarrollo organizacional",
		"desarrollo de actividades", "desarrollo de las actividades", "el desarrollo de las actividades",
		"desarrollo de sus actividades", "agencia de desarrollo", "desarrollo de la salud", "desarrollo de capacidades",
		"desarrollo del objeto", "desarrollo integral", "desarrollo tecnologico", "licencia de conduccion",
		"licencias de conduccion", "licencia ambiental", "licencias ambientales", "licencia de construccion",
		"licencias de construccion", "licencias urbanisticas", "licencia urbanistica", "licencia de maternidad",
		"licencia de paternidad", "licencia no remunerada", "licencia sanitaria", "plan de mantenimiento",
		"mantenimiento de vias", "mantenimiento vial", "mantenimiento de vehiculos", "mantenimiento preventivo y correctivo de vehiculos",
		"soportes contables", "documentos soporte", "soportes documentales", "registro civil", "registro unico",
		"registro mercantil", "formacion profesional", "formacion profesional integral", "red de frio",
		"infraestructura fisica", "infraestructura vial", "infraestructura educativa", "actualizacion catastral",
		"liquidacion del contrato", "uso y apropiacion", "apropiacion de tic", "implementacion de la metodologia",
		"implementacion de politica", "implementacion de la politica", "implementacion de politicas",
		"con capacitacion", "con capacitacion en", "entrenamiento en", "centro industrial de mantenimiento",
		"centro industrial de mantenimiento integral", "mantenimiento integral",
	},
}

// softwareUNSPSC reports a software UNSPSC code (Tier A of the reference:
// family 4323 and the software service classes of 8111 and 8116).
func softwareUNSPSC(code string) bool {
	if len(code) < 6 {
		return false
	}
	if code[:4] == "4323" {
		return true
	}
	switch code[:6] {
	case "811115", "811116", "811118", "811120", "811122", "811125", "811615", "811616":
		return true
	}
	return false
}

// personalUNSPSC reports UNSPSC codes of staff and management services
// (8011 human resources and temporary staff, 8010 management advice, 8016
// business administration, 8012 legal, 8410/8411 accounting, 8510
// health staff, 9315 public administration): where the people who operate
// systems are hired.
func personalUNSPSC(code string) bool {
	if len(code) < 4 {
		return false
	}
	switch code[:4] {
	case "8010", "8011", "8012", "8016", "8410", "8411", "8510", "8511", "8515", "9315", "9314", "8610", "8611":
		return true
	}
	return false
}

// relationFromUNSPSC guesses the relation of a software purchase from its
// UNSPSC class when the text names no activity.
func relationFromUNSPSC(code string) string {
	if len(code) < 6 {
		return ""
	}
	switch {
	case code[:4] == "4323", code[:6] == "811125":
		return registry.RelLicensing
	case code[:6] == "811115", code[:6] == "811116":
		return registry.RelDevelopment
	case code[:6] == "811122":
		return registry.RelMaintenance
	case code[:6] == "811118":
		return registry.RelSupport
	case code[:6] == "811615", code[:6] == "811616":
		return registry.RelHosting
	}
	return ""
}

// commonWords are words of everyday Spanish (and English) that are also
// product names ("Mercurio", "Vital", "Seven", "Siga"). A one-word alias in
// this list, or of three letters or fewer ("SAS", "SAP", "PCT"), is
// ambiguous: it counts only next to a word that says "software".
var commonWords = map[string]bool{
	"mercurio": true, "vital": true, "seven": true, "siga": true, "forest": true, "chip": true, "suit": true,
	"royal": true, "sigma": true, "atlas": true, "delta": true, "alfa": true, "alpha": true, "omega": true,
	"zeus": true, "apolo": true, "hermes": true, "fenix": true, "aries": true, "genesis": true, "nexus": true,
	"orion": true, "titan": true, "vision": true, "integra": true, "integral": true, "gestion": true,
	"sistema": true, "sistemas": true, "portal": true, "plataforma": true, "web": true, "app": true, "online": true,
	"cloud": true, "nube": true, "office": true, "windows": true, "project": true, "teams": true, "drive": true,
	"contable": true, "financiero": true, "nomina": true, "predial": true, "tesoreria": true, "presupuesto": true,
	"almacen": true, "inventarios": true, "facturacion": true, "archivo": true, "correo": true, "quipu": true,
	"sinergia": true, "enlace": true, "puente": true, "faro": true, "brujula": true, "gobierno": true, "pasaporte": true,
	"sabio": true, "hola": true, "cita": true, "cuenta": true, "cuentas": true, "mapa": true, "mapas": true,
	"simple": true, "ideal": true, "master": true, "pro": true, "plus": true, "total": true, "express": true,
}

// genericWords never make a product name on their own: the matcher does
// not index an alias made only of them, and the product-name proposer
// skips them.
var genericWords = map[string]bool{
	"de": true, "del": true, "la": true, "las": true, "el": true, "los": true, "y": true, "e": true, "o": true,
	"u": true, "en": true, "para": true, "por": true, "con": true, "sin": true, "a": true, "al": true, "que": true,
	"se": true, "su": true, "sus": true, "un": true, "una": true, "uno": true, "lo": true, "como": true, "entre": true,
	"sobre": true, "segun": true, "desde": true, "hasta": true, "mediante": true, "bajo": true, "ante": true, "no": true,
	"sistema": true, "sistemas": true, "software": true, "aplicativo": true, "aplicativos": true, "aplicacion": true,
	"aplicaciones": true, "plataforma": true, "plataformas": true, "herramienta": true, "herramientas": true,
	"modulo": true, "modulos": true, "programa": true, "programas": true, "solucion": true, "soluciones": true,
	"informacion": true, "gestion": true, "integrado": true, "integral": true, "integrada": true, "web": true,
	"version": true, "licencia": true, "licencias": true, "licenciamiento": true, "suite": true, "tecnologica": true,
	"tecnologico": true, "tecnologicas": true, "informatico": true, "informatica": true, "digital": true,
	"administrativo": true, "administrativa": true, "financiero": true, "financiera": true, "contable": true,
	"contabilidad": true, "presupuesto": true, "presupuestal": true, "tesoreria": true, "nomina": true,
	"documental": true, "documentos": true, "electronico": true, "electronicos": true, "archivo": true,
	"entidad": true, "municipio": true, "municipal": true, "departamento": true, "departamental": true,
	"alcaldia": true, "gobernacion": true, "secretaria": true, "oficina": true, "direccion": true, "nacional": true,
	"publico": true, "publica": true, "servicio": true, "servicios": true, "soporte": true, "mantenimiento": true,
	"actualizacion": true, "desarrollo": true, "implementacion": true, "adquisicion": true, "renovacion": true,
	"suscripcion": true, "contratar": true, "prestacion": true, "prestar": true, "objeto": true, "contrato": true,
	"vigencia": true, "ano": true, "anos": true, "mes": true, "meses": true, "tecnico": true, "tecnica": true,
	"profesional": true, "profesionales": true, "especializado": true, "especializados": true, "usuarios": true,
	"usuario": true, "cuentas": true, "correo": true, "base": true, "datos": true, "bases": true, "red": true,
	"redes": true, "equipos": true, "computo": true, "nube": true, "cloud": true, "linea": true, "portal": true,
	"pagina": true, "sitio": true, "empresarial": true, "corporativo": true, "corporativa": true, "misional": true,
	"misionales": true, "institucional": true, "academico": true, "academica": true, "salud": true, "uso": true,
	"anual": true, "nuevo": true, "nueva": true, "nuevas": true, "demas": true, "otros": true, "todos": true,
	"todas": true, "cada": true, "dicho": true, "dicha": true, "cual": true, "s": true,
	"ii": true, "iii": true, "iv": true, "i": true, "v": true, "2": true, "3": true,
	"1": true, "0": true, "de la": true, "instalado": true, "instalados": true, "implementado": true, "propiedad": true,
	"estadistico": true, "geografica": true, "geografico": true, "seguridad": true, "antivirus": true,
	"operativo": true, "office": true, "correos": true, "procesos": true, "proceso": true, "control": true,
}
