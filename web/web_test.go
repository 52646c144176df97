package web

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func get(t *testing.T, c *http.Client, url string) (*http.Response, string) {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(b)
}

func TestPagesRender(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	anon := f.client(t)
	admin := f.client(t)
	f.signIn(t, admin, adminUser)
	cio := f.client(t)
	f.signIn(t, cio, cioUser)
	tests := []struct {
		name   string
		c      *http.Client
		path   string
		status int
		want   []string
	}{
		{"inicio", anon, "/", 200, []string{"Catálogo de software público", "Orfeo"}},
		{"buscar", anon, "/?q=gesti%C3%B3n+documental", 200, []string{"Orfeo", "Mercurio SGDEA"}},
		{"buscar con una palabra que ningún activo tiene", anon, "/?q=software+de+gesti%C3%B3n+documental", 200,
			[]string{"Orfeo", "Mercurio SGDEA", "Ningún activo tiene todas las palabras que buscaste"}},
		{"buscar con una palabra genérica ausente", anon, "/?q=aplicativo+de+gesti%C3%B3n+documental", 200,
			[]string{"Orfeo", "Mercurio SGDEA", "Ningún activo contiene la palabra «aplicativo»: buscamos con las demás."}},
		{"buscar lo que ningún activo tiene", anon, "/?q=antivirus+de+gesti%C3%B3n+documental", 200,
			[]string{">Ningún resultado<", "No encontramos activos"}},
		{"search with a word no asset has", f.client(t), "/?q=aplicativo+software+gesti%C3%B3n+documental&lang=en", 200,
			[]string{"Orfeo", "Mercurio SGDEA", "No asset contains the word “aplicativo”: we searched with the others.", "No asset has every word you searched for"}},
		{"activo", anon, "/activos/" + f.orfeo.Slug, 200, []string{"git clone", "/git/" + f.orfeo.Slug + ".git", "v6.0.0", "Gobernación de Antioquia", "<svg class=\"mapa\"", "$ 530.000.000", "<dd>Gestión documental, records-management</dd>"}},
		{"entidad", anon, "/entidades/" + dnp, 200, []string{"Departamento Nacional de Planeación", "Orfeo", "desactualizada"}},
		{"entidad cio", cio, "/entidades/" + mintic, 200, []string{"Bandeja de avisos", "ACV-2025-0001", "Webhooks de la entidad"}},
		{"antes", anon, "/antes-de-comprar?q=gesti%C3%B3n+documental", 200, []string{"Orfeo", "Descargar CSV", "Por qué aparece: coincide con lo que busca;"}},
		{"antes in English", f.client(t), "/antes-de-comprar?q=gesti%C3%B3n+documental&lang=en", 200, []string{"Orfeo", "Why it is here: matches what you are looking for;"}},
		{"antes sin datos válidos", anon, "/antes-de-comprar?q=x&unspsc=12a", 400, []string{"unspsc", "alerta-error"}},
		{"tablero", anon, "/tablero", 200, []string{"Tablero de la red CIO", "<svg class=\"mapa\"", "Gasto duplicado"}},
		{"admin anon", anon, "/admin", 303, nil},
		{"admin", admin, "/admin", 200, []string{"Repositorios"}},
		{"admin repos", admin, "/admin/repositorios", 200, []string{"orfeo.git"}},
		{"admin imports", admin, "/admin/importaciones", 200, []string{"secop2"}},
		{"admin links", admin, "/admin/enlaces", 200, []string{"Mercurio SGDEA"}},
		{"admin adopciones", admin, "/admin/adopciones", 200, []string{"Mercurio SGDEA"}},
		{"admin tokens", admin, "/admin/tokens", 200, []string{"Crear token"}},
		{"admin auditoria", admin, "/admin/auditoria", 200, []string{"adoption.create"}},
		{"english", f.client(t), "/?lang=en", 200, []string{"Public software catalogue", `lang="en"`}},
		{"no encontrado", anon, "/no-existe", 404, []string{"Página no encontrada"}},
		{"datos abiertos", anon, "/datos", 200, []string{"<h1>Datos abiertos</h1>", "Activos de software", `href="/datos/activos.csv"`, `href="/datos/diccionario.csv"`, "CC BY-SA 4.0"}},
		{"open data", f.client(t), "/datos?lang=en", 200, []string{"<h1>Open data</h1>", "Software assets", `href="/datos/activos.json"`}},
		{"activo no encontrado", anon, "/activos/no-existe", 404, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := get(t, tt.c, f.srv.URL+tt.path)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d\n%s", res.StatusCode, tt.status, body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q\n%s", w, body[:min(len(body), 3000)])
				}
			}
			// Everything is served locally: no script, no stylesheet, font
			// or image from another host.
			for _, bad := range []string{"<script", `src="http`, `src="//`, `<link rel="stylesheet" href="http`, "@import"} {
				if strings.Contains(body, bad) {
					t.Errorf("page loads something from elsewhere: %q", bad)
				}
			}
			if strings.Contains(body, "[") && strings.Contains(body, "]") {
				for _, line := range strings.Split(body, "\n") {
					if i := strings.Index(line, "[activo."); i >= 0 || strings.Contains(line, "[inicio.") || strings.Contains(line, "[layout.") {
						t.Errorf("untranslated key in %q", strings.TrimSpace(line))
					}
				}
			}
		})
	}
}

func TestStaticAndLanguage(t *testing.T) {
	f := newFixture(t, fixtureOpts{noIdx: true})
	c := f.client(t)
	_, home := get(t, c, f.srv.URL+"/")
	i := strings.Index(home, "/static/css/acervo.css?v=")
	if i < 0 {
		t.Fatal("no versioned stylesheet link")
	}
	u := home[i : i+len("/static/css/acervo.css?v=")+12]
	res, css := get(t, c, f.srv.URL+u)
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") || !strings.Contains(css, "--govcolor-cobalt: #0943B5") {
		t.Fatalf("stylesheet: %d %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
	if strings.Contains(css, "url(http") || strings.Contains(css, "url(//") {
		t.Error("the stylesheet loads something from another host")
	}
	if res, _ := get(t, c, f.srv.URL+"/static/fonts/nunito-sans-latin-700-normal.woff2"); res.StatusCode != 200 {
		t.Errorf("font: %d", res.StatusCode)
	}
	if res, _ := get(t, c, f.srv.URL+"/static/"); res.StatusCode != 404 {
		t.Errorf("static directory listing: %d", res.StatusCode)
	}
	// ?lang=en switches and is remembered by a cookie; ?lang=es switches back.
	res, body := get(t, c, f.srv.URL+"/tablero?lang=en")
	if res.Header.Get("Content-Language") != "en" || !strings.Contains(body, "CIO network dashboard") {
		t.Fatalf("English dashboard: %q", res.Header.Get("Content-Language"))
	}
	if _, body := get(t, c, f.srv.URL+"/antes-de-comprar"); !strings.Contains(body, "Before you buy") {
		t.Error("the language choice is not remembered")
	}
	res, body = get(t, c, f.srv.URL+"/?lang=es")
	if res.Header.Get("Content-Language") != "es-CO" || !strings.Contains(body, `lang="es-CO"`) {
		t.Errorf("back to Spanish: %q", res.Header.Get("Content-Language"))
	}
	// The accessibility bar works without JavaScript.
	res, _ = get(t, c, f.srv.URL+"/preferencias?accion=mas&volver=/tablero")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/tablero" {
		t.Fatalf("preferences: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	get(t, c, f.srv.URL+"/preferencias?accion=contraste&volver=https://evil.example/")
	_, body = get(t, c, f.srv.URL+"/tablero")
	if !strings.Contains(body, `class="contrast-govco letra-1"`) {
		t.Error("bigger text and contrast are not applied")
	}
}

// TestScanSearcher: without a search index the catalogue still searches
// (accents folded, plurals trimmed) and counts facets.
func TestScanSearcher(t *testing.T) {
	f := newFixture(t, fixtureOpts{noIdx: true})
	c := f.client(t)
	for _, tt := range []struct {
		path      string
		want, not []string
	}{
		{"/?q=GESTION+documentales", []string{"Orfeo", "Mercurio SGDEA", "2 resultados", `<option value="MIT">MIT (1)</option>`}, []string{"SIVIGILA"}},
		{"/?q=gesti%C3%B3n+documental&licencia=MIT", []string{"Mercurio SGDEA", ">1 resultado<", "Quitar el filtro Licencia: MIT"}, []string{">Orfeo<"}},
		{"/?tipo=COMMERCIAL", []string{"Kactus HR"}, []string{"Orfeo"}},
		{"/?q=nada+que+ver", []string{"No encontramos activos"}, nil},
	} {
		_, body := get(t, c, f.srv.URL+tt.path)
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %q", tt.path, w)
			}
		}
		for _, w := range tt.not {
			if strings.Contains(body, w) {
				t.Errorf("%s shows %q", tt.path, w)
			}
		}
	}
}
