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
		{"activo", anon, "/activos/" + f.orfeo.Slug, 200, []string{"git clone", "/git/" + f.orfeo.Slug + ".git", "v6.0.0", "Gobernación de Antioquia", "<svg class=\"mapa\"", "$ 530.000.000"}},
		{"entidad", anon, "/entidades/" + dnp, 200, []string{"Departamento Nacional de Planeación", "Orfeo", "desactualizada"}},
		{"entidad cio", cio, "/entidades/" + mintic, 200, []string{"Bandeja de avisos", "ACV-2025-0001", "Webhooks de la entidad"}},
		{"antes", anon, "/antes-de-comprar?q=gesti%C3%B3n+documental", 200, []string{"Orfeo", "Descargar CSV"}},
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
