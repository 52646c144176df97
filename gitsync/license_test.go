package gitsync

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const gplNotice = `Trámites en línea
Copyright (C) 2024 Ministerio de Tecnologías de la Información y las Comunicaciones

This program is free software: you can redistribute it and/or modify
it under the terms of the GNU General Public License as published by
the Free Software Foundation, either version 3 of the License, or
(at your option) any later version.

This program is distributed in the hope that it will be useful,
but WITHOUT ANY WARRANTY; without even the implied warranty of
MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
GNU General Public License for more details.

You should have received a copy of the GNU General Public License
along with this program.  If not, see <https://www.gnu.org/licenses/>.
`

func TestIdentifyLicense(t *testing.T) {
	ls := newLicenseScanner()
	for _, tt := range []struct {
		name, text, want string
	}{
		{"mit", mitLicense, "MIT"},
		{"gpl notice", gplNotice, "GPL-3.0-or-later"},
		{"mit with a long preface", strings.Repeat("Este software fue financiado por la entidad. ", 40) + mitLicense, ""},
		{"not a licence", "Todos los derechos reservados.\n", ""},
		{"empty", "", ""},
	} {
		if got := ls.identify([]byte(tt.text)); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestLicenseCache(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "host", "app.git")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c := loadLicenseCache(dir)
	if _, ok := c.get("abc"); ok {
		t.Fatal("empty cache answered")
	}
	c.put("abc", "MIT")
	c.put("def", "")
	if err := c.save(); err != nil {
		t.Fatal(err)
	}
	c = loadLicenseCache(dir)
	if l, ok := c.get("abc"); !ok || l != "MIT" {
		t.Errorf("abc = %q %v", l, ok)
	}
	if l, ok := c.get("def"); !ok || l != "" {
		t.Errorf("def = %q %v", l, ok)
	}
}

func TestLicenseKeywordsCoverFamilies(t *testing.T) {
	if len(licenseKeywords) != len(licenseFamilies) {
		t.Fatalf("%d keyword lists for %d families", len(licenseKeywords), len(licenseFamilies))
	}
}
