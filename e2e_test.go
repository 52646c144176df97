package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestEndToEndDemo runs `acervo serve --demo` through run() on port 0 and
// drives it as its users would: GraphQL and the web through search, an
// asset page, antes de comprar and the dashboard; an administrator signs
// in, makes a token, registers a repository that Acervo mirrors, and
// imports a procurement file.
func TestEndToEndDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the end-to-end demo takes about a minute; ./scripts/test (and CI) run it")
	}
	data := t.TempDir()
	repos := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"serve", "--demo", "--addr", "127.0.0.1:0", "--data", data, "--mirror-allow-local", repos},
			func(string) string { return "" }, strings.NewReader(""), pw, &stderr)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-exited:
			if code != 0 {
				t.Errorf("serve exited %d after shutdown", code)
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not shut down within 30 s")
		}
	})
	base, printed := waitListening(t, pr, exited, &stderr)
	if !strings.Contains(printed, `password "acervo-demo-2026"`) || !strings.Contains(printed, "admin") {
		t.Errorf("the demo must print its URL and credentials; printed:\n%s", printed)
	}

	gql := func(token, query string, vars map[string]any) map[string]any {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		req, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		if out["errors"] != nil {
			t.Fatalf("GraphQL errors for %s: %v", query, out["errors"])
		}
		return out["data"].(map[string]any)
	}

	// A developer searches the catalogue.
	d := gql("", `{ assets(first: 5, query: "gestión documental") { totalCount edges { node { slug name } } } }`, nil)
	if !strings.Contains(asJSON(d), "orfeo-gestion-documental") {
		t.Errorf("searching \"gestión documental\" must find Orfeo: %s", asJSON(d))
	}
	d = gql("", `{ asset(slug: "orfeo-gestion-documental") { name releases(first: 10, includeWithdrawn: true) { totalCount edges { node { tag withdrawn } } } } }`, nil)
	if !strings.Contains(asJSON(d), "v4.1.0") {
		t.Errorf("Orfeo's releases must include v4.1.0: %s", asJSON(d))
	}
	d = gql("", `{ asset(slug: "conciliador-siif") { releases(first: 10, includeWithdrawn: true) { edges { node { tag withdrawn } } } } }`, nil)
	if !strings.Contains(asJSON(d), `"tag":"v1.3.0","withdrawn":true`) && !strings.Contains(asJSON(d), `"withdrawn":true,"tag":"v1.3.0"`) {
		t.Errorf("the demo withdraws conciliador-siif v1.3.0: %s", asJSON(d))
	}
	// Anonymous readers never see a natural person's document number.
	d = gql("", `{ purchases(first: 50, query: "prestación de servicios profesionales") { edges { node { supplier { docNumber naturalPerson } legalRep: supplier { name } } } } }`, nil)
	for _, e := range d["purchases"].(map[string]any)["edges"].([]any) {
		s := e.(map[string]any)["node"].(map[string]any)["supplier"].(map[string]any)
		if s["naturalPerson"] == true && s["docNumber"] != nil {
			t.Errorf("an anonymous reader got a natural person's document number: %v", s)
		}
	}
	d = gql("", `query($t: String!) { antesDeComprar(text: $t) { total } }`, map[string]any{"t": "gestión documental"})
	if !strings.Contains(asJSON(d), "total") {
		t.Errorf("antesDeComprar: %s", asJSON(d))
	}

	// The web, anonymously.
	for _, c := range []struct{ path, want string }{
		{"/?q=gesti%C3%B3n+documental", "Orfeo"},
		{"/activos/orfeo-gestion-documental", "git clone"},
		{"/activos/orfeo-gestion-documental", "Contenido de demostración"},
		{"/antes-de-comprar?q=gesti%C3%B3n+documental", "Orfeo"},
		{"/datos", "diccionario.csv"},
		{"/datos/compras_enlazadas.csv", "id_activo"},
	} {
		code, body := get(t, base+c.path)
		if code != 200 || !strings.Contains(body, c.want) {
			t.Errorf("GET %s = %d, want 200 containing %q (got %.200q)", c.path, code, c.want, body)
		}
	}
	// The dashboard's figures are computed in the background; the map
	// appears once they are ready.
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(time.Second) {
		code, body := get(t, base+"/tablero")
		if code == 200 && strings.Contains(body, "<svg") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /tablero = %d without the map after 90 s (%.200q)", code, body)
		}
	}
	code, body := get(t, base+"/antes-de-comprar.csv?q=gesti%C3%B3n+documental")
	if code != 200 || strings.Count(body, "\n") < 2 {
		t.Errorf("antes de comprar CSV = %d %.200q", code, body)
	}

	// An administrator signs in on the web and makes an API token.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.PostForm(base+"/ingresar", url.Values{"usuario": {"admin"}, "clave": {"acervo-demo-2026"}, "volver": {"/admin/tokens"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasSuffix(resp.Request.URL.Path, "/admin/tokens") {
		t.Fatalf("signing in as admin: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	resp, err = browser.PostForm(base+"/admin/tokens", url.Values{"nombre": {"prueba de extremo a extremo"}, "dias": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	token := regexp.MustCompile(`acv_[0-9A-Za-z]+`).FindString(string(page))
	if token == "" {
		t.Fatalf("the token page must show the new token once (status %d)", resp.StatusCode)
	}

	// The administrator registers a repository; Acervo mirrors it.
	repo := filepath.Join(repos, "registro-de-prueba")
	makeRepo(t, repo)
	d = gql(token, `mutation($u: String!) { registerAsset(input: {repositoryUrl: $u}) { result { slug } userErrors { message } } }`, map[string]any{"u": repo})
	slug, _ := d["registerAsset"].(map[string]any)["result"].(map[string]any)["slug"].(string)
	if slug == "" {
		t.Fatalf("registerAsset: %s", asJSON(d))
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		d = gql("", `query($s: String!) { asset(slug: $s) { releases(first: 5) { totalCount } } }`, map[string]any{"s": slug})
		if strings.Contains(asJSON(d), `"totalCount":2`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the registered repository was not mirrored with its 2 releases within 60 s: %s", asJSON(d))
		}
		time.Sleep(500 * time.Millisecond)
	}
	if out, err := exec.Command("git", "clone", "-q", base+"/git/"+slug+".git", filepath.Join(t.TempDir(), "clon")).CombinedOutput(); err != nil {
		t.Errorf("git clone of Acervo's mirror: %v\n%s", err, out)
	}

	// The administrator imports a procurement file with one bad row.
	csv := "nombre_entidad,nit_entidad,id_contrato,descripcion_del_proceso,valor_del_contrato,fecha_de_firma,documento_proveedor,proveedor_adjudicado\n" +
		"DEPARTAMENTO NACIONAL DE PLANEACION,899999011,CO1.PCCNTR.E2E1,Soporte y mantenimiento del sistema de gestión documental ORFEO,120000000,2025-03-01T00:00:00.000,900123456,EMPRESA DE PRUEBA SAS\n" +
		"DEPARTAMENTO NACIONAL DE PLANEACION,899999011,CO1.PCCNTR.E2E2,Licencias de software de oficina,no es un valor,2025-03-02T00:00:00.000,900123456,EMPRESA DE PRUEBA SAS\n"
	req, _ := http.NewRequest(http.MethodPost, base+"/api/import?format=secop2&name=e2e.csv", strings.NewReader(csv))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	lines := readLines(t, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(lines) != 2 {
		t.Fatalf("import: %d %v", resp.StatusCode, lines)
	}
	if !strings.Contains(lines[0], `"line":3`) || !strings.Contains(lines[1], `"new":1`) || !strings.Contains(lines[1], `"rejected":1`) {
		t.Errorf("import must reject line 3 and keep the valid row: %v", lines)
	}
	// The imported purchase is readable through the API.
	d = gql("", `{ purchases(first: 5, buyer: "899999011", year: 2025, minValue: 120000000, maxValue: 120000000) { edges { node { contractId value } } } }`, nil)
	if !strings.Contains(asJSON(d), "CO1.PCCNTR.E2E1") {
		t.Errorf("the imported purchase must be listed for its buyer and year: %s", asJSON(d))
	}
	// Without a token the import is refused.
	resp, err = http.Post(base+"/api/import", "text/csv", strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("import without a token: %d, want 401", resp.StatusCode)
	}
}

func waitListening(t *testing.T, r io.Reader, exited <-chan int, stderr *bytes.Buffer) (string, string) {
	t.Helper()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var printed strings.Builder
	base := ""
	timeout := time.After(5 * time.Minute)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("serve stopped printing:\n%s\n%s", printed.String(), stderr.String())
			}
			printed.WriteString(l + "\n")
			if m := listenRE.FindStringSubmatch(l); m != nil {
				base = m[1]
			}
			if base != "" && strings.Contains(l, "editor.igac") {
				go func() {
					for range lines {
					}
				}()
				return base, printed.String()
			}
		case code := <-exited:
			t.Fatalf("serve exited %d:\n%s\n%s", code, printed.String(), stderr.String())
		case <-timeout:
			t.Fatalf("the demo was not ready within 5 minutes:\n%s", printed.String())
		}
	}
}

func makeRepo(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	gitRun := func(args ...string) {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
			"GIT_AUTHOR_NAME=Prueba", "GIT_AUTHOR_EMAIL=prueba@acervo.invalid", "GIT_COMMITTER_NAME=Prueba", "GIT_COMMITTER_EMAIL=prueba@acervo.invalid")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	gitRun("init", "-q", "-b", "main")
	for _, v := range []string{"v1.0.0", "v1.1.0"} {
		os.WriteFile(filepath.Join(dir, "README.md"), []byte("# Registro de prueba "+v+"\n"), 0o644)
		gitRun("add", "-A")
		gitRun("commit", "-q", "-m", "Versión "+v)
		gitRun("tag", v)
	}
}

func readLines(t *testing.T, r io.Reader) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
