package web

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// The browser tests drive Debian's chromium as a new user would. They never
// skip: without chromium they fail and say how to install it.

const installChromium = "apt-get update && apt-get install -y chromium"

func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ACERVO_CHROMIUM"); p != "" {
		return p
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Fatalf("the browser tests need Debian's chromium, which is not installed; install it with: %s", installChromium)
	return ""
}

// axeSource returns axe-core's script, installing the pinned package with
// `npm ci` when node_modules is missing.
func axeSource(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("testdata", "axe")
	p := filepath.Join(dir, "node_modules", "axe-core", "axe.min.js")
	if _, err := os.Stat(p); err != nil {
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("installing axe-core with `npm ci` in %s: %v\n%s", dir, err, out)
		}
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// screenshotDir is where the run saves a screenshot of each page: outside
// the repository, in $ACERVO_SCREENSHOTS or the temporary directory.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("ACERVO_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "acervo-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// newBrowser starts a headless chromium with a fresh profile.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium (%s): %v; install it with: %s", chromiumPath(t), err, installChromium)
	}
	return ctx
}

// tab opens a new tab (its own cookies are shared with the browser).
func tab(t *testing.T, bctx context.Context) context.Context {
	ctx, cancel := chromedp.NewContext(bctx)
	t.Cleanup(cancel)
	ctx, cancel2 := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(cancel2)
	return ctx
}

func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// value runs one action that returns a value.
func value[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

var shotMu sync.Mutex

// shot saves a full-page screenshot named name.png.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	buf := value(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
	shotMu.Lock()
	defer shotMu.Unlock()
	p := filepath.Join(screenshotDir(t), name+".png")
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return value(t, ctx, "text of "+sel, chromedp.Text(chromedp.CSS(sel)))
}

func signInBrowser(t *testing.T, ctx context.Context, base, user string) {
	t.Helper()
	run(t, ctx, "sign in as "+user,
		chromedp.Navigate(base+"/ingresar"),
		chromedp.WaitVisible(chromedp.CSS("#usuario")),
		chromedp.SendKeys(chromedp.CSS("#usuario"), user),
		chromedp.SendKeys(chromedp.CSS("#clave"), testPass),
		chromedp.Click(chromedp.CSS(`form[action="/ingresar"] button[type=submit]`)),
		// Signed in already (as another user), the sign-in page itself shows
		// the sign-out form: wait for the page after the sign-in first, or
		// the next navigation aborts this one (net::ERR_ABORTED).
		chromedp.WaitNotPresent(chromedp.CSS("#clave")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/salir"]`)),
	)
}

// TestBrowserNewUser: a developer searches "gestión documental", opens the
// asset and finds how to clone it.
func TestBrowserNewUser(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := tab(t, newBrowser(t))
	run(t, ctx, "home",
		chromedp.Navigate(f.srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#q")),
	)
	shot(t, ctx, "01-inicio")
	run(t, ctx, "type the search", chromedp.SendKeys(chromedp.CSS("#q"), "gestión documental"))
	// The home page shows catalogue cards too: wait for the results page to
	// load, or the next read may run while the old page goes away.
	if _, err := chromedp.RunResponse(ctx, chromedp.Submit(chromedp.CSS("#q"))); err != nil {
		t.Fatalf("search: %v", err)
	}
	run(t, ctx, "results", chromedp.WaitVisible(chromedp.CSS(".tarjetas")))
	results := textOf(t, ctx, ".resultados")
	if !strings.Contains(results, "Orfeo") || !strings.Contains(results, "Mercurio SGDEA") {
		t.Fatalf("search results lack Orfeo or Mercurio:\n%s", results)
	}
	if !strings.Contains(results, "GPL-3.0-or-later") || !strings.Contains(results, "v6.0.0") || !strings.Contains(results, "3 entidades lo usan") {
		t.Errorf("Orfeo's card lacks licence, latest version or adopters:\n%s", results)
	}
	shot(t, ctx, "02-busqueda")
	run(t, ctx, "open asset",
		chromedp.Click(chromedp.Search(`//a[normalize-space(text())="Orfeo"]`)),
		chromedp.WaitVisible(chromedp.CSS("#obtener")),
	)
	clone := textOf(t, ctx, "#obtener pre")
	if want := "git clone " + f.srv.URL + "/git/" + f.orfeo.Slug + ".git"; strings.TrimSpace(clone) != want {
		t.Errorf("clone command %q, want %q", clone, want)
	}
	readme := textOf(t, ctx, ".contenido-readme")
	if !strings.Contains(readme, "gestión documental") || strings.Contains(readme, "alert(") {
		t.Errorf("README not rendered safely: %q", readme)
	}
	shot(t, ctx, "03-activo")
}

// TestBrowserCIORecordsAdoption: MinTIC's CIO signs in, records that the
// ministry runs Orfeo, and sees it on the dashboard.
func TestBrowserCIORecordsAdoption(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := tab(t, newBrowser(t))
	signInBrowser(t, ctx, f.srv.URL, cioUser)
	run(t, ctx, "asset page",
		chromedp.Navigate(f.srv.URL+"/activos/"+f.orfeo.Slug),
		chromedp.WaitVisible(chromedp.CSS("#h-declarar")),
		chromedp.SetValue(chromedp.CSS("#version"), "v6.0.0"),
		chromedp.SetValue(chromedp.CSS("#estado"), "PRODUCTION"),
		chromedp.SendKeys(chromedp.CSS("#entorno"), "producción"),
	)
	shot(t, ctx, "04-declarar-uso")
	run(t, ctx, "record adoption",
		chromedp.Click(chromedp.CSS(`form[action$="/adopciones"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".alerta-exito")),
	)
	if tbl := textOf(t, ctx, "#adoptantes table.tabla:not(.mapa-y-tabla table)"); !strings.Contains(tbl, "Ministerio de Tecnologías") {
		t.Errorf("adopters table lacks MinTIC:\n%s", tbl)
	}
	run(t, ctx, "dashboard",
		chromedp.Navigate(f.srv.URL+"/tablero"),
		chromedp.WaitVisible(chromedp.CSS("#recientes")),
	)
	recent := textOf(t, ctx, "#recientes")
	if !strings.Contains(recent, "Ministerio de Tecnologías") || !strings.Contains(recent, "Orfeo") || !strings.Contains(recent, "v6.0.0") {
		t.Errorf("dashboard's recent adoptions lack the new one:\n%s", recent)
	}
	title := value(t, ctx, "map title", chromedp.Evaluate[string](`document.querySelector('#mapa-red path[data-codigo="11"] title').textContent`))
	// Bogotá: DNP, Alcaldía Mayor and now MinTIC (the SENA buys but adopts nothing).
	if !strings.Contains(title, ": 3") {
		t.Errorf("Bogotá on the map says %q, want 3 adopting entities", title)
	}
	shot(t, ctx, "05-tablero")
	run(t, ctx, "entity page", chromedp.Navigate(f.srv.URL+"/entidades/"+mintic), chromedp.WaitVisible(chromedp.CSS("#avisos")))
	shot(t, ctx, "06-entidad-cio")
}

// TestBrowserProcurementOfficer: the DNP's procurement officer runs "antes
// de comprar", downloads the CSV and opens the printable view.
func TestBrowserProcurementOfficer(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	bctx := newBrowser(t)
	ctx := tab(t, bctx)
	signInBrowser(t, ctx, f.srv.URL, procUser)
	dl := t.TempDir()
	run(t, ctx, "antes de comprar",
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			yes := true
			_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dl, EventsEnabled: &yes})
			return err
		}),
		chromedp.Navigate(f.srv.URL+"/antes-de-comprar"),
		chromedp.WaitVisible(chromedp.CSS("#antes-q")),
		chromedp.SendKeys(chromedp.CSS("#antes-q"), "gestión documental"),
		chromedp.SendKeys(chromedp.CSS("#antes-presupuesto"), "600000000"),
		chromedp.Submit(chromedp.CSS("#antes-q")),
		chromedp.WaitVisible(chromedp.CSS("#h-previas")),
	)
	summary := textOf(t, ctx, "#h-resumen + ul")
	if !strings.Contains(summary, "$ 625.000.000") {
		t.Errorf("summary lacks the total of earlier purchases:\n%s", summary)
	}
	shot(t, ctx, "07-antes-de-comprar")

	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	progress := chromedp.Events(dctx, browser.DownloadProgress)
	run(t, ctx, "download CSV", chromedp.Click(chromedp.CSS(`a[href^="/antes-de-comprar.csv"]`)))
	guid := ""
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("waiting for the CSV download: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			guid = ev.GUID
			break
		}
	}
	b, err := os.ReadFile(filepath.Join(dl, guid))
	if err != nil {
		t.Fatal(err)
	}
	csv := string(b)
	for _, want := range []string{"Entidad compradora", "CO1.PCCNTR.1001", "CO1.PCCNTR.1002", "180000000", "ORFEO"} {
		if !strings.Contains(csv, want) {
			t.Errorf("CSV lacks %q:\n%s", want, csv)
		}
	}
	href := value(t, ctx, "print link", chromedp.AttributeValue(chromedp.CSS(`.acciones a[href*="vista=imprimir"]`), "href")).Value
	run(t, ctx, "printable view",
		chromedp.Navigate(f.srv.URL+href),
		chromedp.WaitVisible(chromedp.CSS("#h-previas")),
	)
	headerShown := value(t, ctx, "no header in print view", chromedp.Evaluate[bool](`document.querySelector(".cabecera") !== null`))
	if headerShown {
		t.Error("the printable view shows the site header")
	}
	shot(t, ctx, "08-antes-imprimir")
}

type axeResult struct {
	Violations []struct {
		ID     string `json:"id"`
		Impact string `json:"impact"`
		Help   string `json:"help"`
		Nodes  []struct {
			Target []any  `json:"target"`
			HTML   string `json:"html"`
		} `json:"nodes"`
	} `json:"violations"`
}

// TestBrowserAccessibility runs axe-core on every page, anonymous and
// signed in, and fails on any serious or critical violation of WCAG 2.1 A
// or AA. It saves a screenshot of each page.
func TestBrowserAccessibility(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	axe := axeSource(t)
	bctx := newBrowser(t)
	ctx := tab(t, bctx)
	pages := []struct{ name, path string }{
		{"a11y-inicio", "/"},
		{"a11y-busqueda", "/?q=gesti%C3%B3n+documental"},
		{"a11y-activo", "/activos/" + f.orfeo.Slug},
		{"a11y-activo-comercial", "/activos/" + f.kactus.Slug},
		{"a11y-entidades", "/entidades"},
		{"a11y-entidad", "/entidades/" + dnp},
		{"a11y-antes", "/antes-de-comprar?q=gesti%C3%B3n+documental&presupuesto=300000000"},
		{"a11y-antes-imprimir", "/antes-de-comprar?q=gesti%C3%B3n+documental&vista=imprimir"},
		{"a11y-tablero", "/tablero"},
		{"a11y-tablero-gasto", "/tablero?mapa=gasto"},
		{"a11y-ingresar", "/ingresar"},
		{"a11y-mapa-sitio", "/mapa-del-sitio"},
		{"a11y-datos", "/datos"},
		{"a11y-busqueda-ampliada", "/?q=aplicativo+software+gesti%C3%B3n+documental"},
		{"a11y-info", "/info/accesibilidad"},
		{"a11y-no-encontrado", "/no-existe"},
		{"a11y-english", "/?lang=en"},
		{"a11y-inicio-es", "/?lang=es"},
		{"a11y-contraste", "/preferencias?accion=contraste&volver=/"},
		{"a11y-contraste-off", "/preferencias?accion=contraste&volver=/"},
		// Signed in as the administrator.
		{"login:" + adminUser, ""},
		{"a11y-admin", "/admin"},
		{"a11y-admin-repositorios", "/admin/repositorios"},
		{"a11y-admin-importaciones", "/admin/importaciones"},
		{"a11y-admin-enlaces", "/admin/enlaces"},
		{"a11y-admin-adopciones", "/admin/adopciones"},
		{"a11y-admin-tokens", "/admin/tokens"},
		{"a11y-admin-auditoria", "/admin/auditoria"},
		{"a11y-activo-admin", "/activos/" + f.sgdea.Slug},
		// Signed in as MinTIC's CIO: inbox and webhooks.
		{"login:" + cioUser, ""},
		{"a11y-entidad-cio", "/entidades/" + mintic},
	}
	var failures []string
	for _, p := range pages {
		if user, ok := strings.CutPrefix(p.name, "login:"); ok {
			signInBrowser(t, ctx, f.srv.URL, user)
			continue
		}
		run(t, ctx, p.name, chromedp.Navigate(f.srv.URL+p.path), chromedp.WaitReady(chromedp.CSS("body")))
		value(t, ctx, "inject axe on "+p.name, chromedp.Evaluate[bool](axe+";true"))
		raw := value(t, ctx, "axe on "+p.name, chromedp.Evaluate[string](`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]}).then(r => JSON.stringify(r))`, chromedp.EvalAwaitPromise))
		var res axeResult
		if err := json.Unmarshal([]byte(raw), &res); err != nil {
			t.Fatalf("axe result of %s: %v", p.name, err)
		}
		for _, v := range res.Violations {
			line := fmt.Sprintf("%s %s: %s (%s)", p.path, v.Impact, v.ID, v.Help)
			for i, n := range v.Nodes {
				if i == 3 {
					break
				}
				line += fmt.Sprintf("\n    %v %s", n.Target, n.HTML)
			}
			if v.Impact == "serious" || v.Impact == "critical" {
				failures = append(failures, line)
			} else {
				t.Logf("axe (%s, not failing): %s", v.Impact, line)
			}
		}
		shot(t, ctx, p.name)
	}
	if len(failures) > 0 {
		t.Errorf("axe-core found %d serious or critical violations:\n%s", len(failures), strings.Join(failures, "\n"))
	}
}
