package web

import (
	"context"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/sqlite"
)

func brandServer(t *testing.T, dir string) (*server, error) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return newServer(Config{Service: registry.NewService(st), BrandDir: dir})
}

// TestBrandDir: an operator's official GOV.CO logo replaces the stand-in,
// pages ask for it under a new version (browsers drop the cached one),
// and the stand-in country brand stays when only the logo is given.
func TestBrandDir(t *testing.T) {
	plain, err := brandServer(t, "")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	official := `<svg xmlns="http://www.w3.org/2000/svg" width="136" height="24"><title>GOV.CO oficial</title></svg>`
	if err := os.WriteFile(filepath.Join(dir, "govco.svg"), []byte(official), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := brandServer(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.staticV == plain.staticV {
		t.Error("the static version did not change with the brand files")
	}
	srv := httptest.NewServer(s.handler())
	defer srv.Close()
	get := func(path string) (int, string, string) {
		res, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header.Get("Content-Type"), string(b)
	}
	if code, ct, body := get("/static/img/govco.svg?v=" + s.staticV); code != 200 || body != official || !strings.HasPrefix(ct, "image/svg+xml") {
		t.Errorf("govco.svg: %d %q %q", code, ct, body)
	}
	builtin, err := embedded.ReadFile("static/img/co-colombia.svg")
	if err != nil {
		t.Fatal(err)
	}
	if code, _, body := get("/static/img/co-colombia.svg"); code != 200 || body != string(builtin) {
		t.Errorf("co-colombia.svg: %d, not the built-in stand-in", code)
	}
	if _, _, body := get("/"); !strings.Contains(body, "/static/img/govco.svg?v="+s.staticV) {
		t.Error("the home page does not ask for the logo under the new version")
	}
}

// TestBrandDirRefused: a brand directory that would serve something other
// than a plain SVG logo stops the start with the file and the reason.
func TestBrandDirRefused(t *testing.T) {
	for _, c := range []struct{ name, file, content, want string }{
		{"empty dir", "", "", "holds none of govco.svg, co-colombia.svg"},
		{"not svg", "govco.svg", "\x89PNG\r\n", "govco.svg: not an SVG image"},
		{"script", "co-colombia.svg", `<svg><script>alert(1)</script></svg>`, "co-colombia.svg: contains script"},
		{"javascript link", "govco.svg", `<svg><a href="javascript:alert(1)"><text>x</text></a></svg>`, "govco.svg: contains javascript:"},
		{"too large", "govco.svg", "<svg>" + strings.Repeat(" ", maxBrandFile) + "</svg>", "govco.svg: larger than 512 KiB"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if c.file != "" {
				if err := os.WriteFile(filepath.Join(dir, c.file), []byte(c.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := brandServer(t, dir)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}
