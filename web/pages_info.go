package web

import "net/http"

// infoPages are the footer's required pages (Res. MinTIC 1519 de 2020,
// anexo 2): their text lives in the catalogues as info.<name>.*.
var infoPages = []string{"privacidad", "derechos-de-autor", "terminos", "accesibilidad", "contacto"}

func (s *server) handleInfo(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	known := false
	for _, p := range infoPages {
		known = known || p == name
	}
	if !known {
		s.renderError(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	c := s.cats[langOf(r)]
	title := c.tr("info." + name + ".titulo")
	v := s.newView(r, title, "", crumb{Label: title})
	v.Data = struct{ Body string }{c.tr("info." + name + ".texto")}
	s.render(w, r, http.StatusOK, "info", v)
}

// datosData is the open-data page.
type datosData struct {
	Day      string
	Datasets []datosSet
}

type datosSet struct {
	Name, Title string
}

// handleDatos lists the files of today's open-data dump (served by the
// acervo command under /datos/).
func (s *server) handleDatos(w http.ResponseWriter, r *http.Request) {
	if s.openData == nil {
		s.handleNotFound(w, r)
		return
	}
	day, err := s.openData.Prepare(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := langOf(r)
	d := datosData{Day: day}
	for _, ds := range s.openData.Datasets {
		t := ds.TitleES
		if lang == "en" {
			t = ds.TitleEN
		}
		d.Datasets = append(d.Datasets, datosSet{Name: ds.Name, Title: t})
	}
	c := s.cats[lang]
	v := s.newView(r, c.tr("datos.titulo"), "", crumb{Label: c.tr("datos.titulo")})
	v.Data = d
	s.render(w, r, http.StatusOK, "datos", v)
}

func (s *server) handleSiteMap(w http.ResponseWriter, r *http.Request) {
	c := s.cats[langOf(r)]
	v := s.newView(r, c.tr("mapa_sitio.titulo"), "", crumb{Label: c.tr("mapa_sitio.titulo")})
	v.Data = struct{ Info []string }{infoPages}
	s.render(w, r, http.StatusOK, "mapa-del-sitio", v)
}
