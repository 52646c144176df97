package gitsync

import (
	"testing"

	"github.com/acervo-co/acervo/gitsync/publiccode"
)

func TestTestdataPubliccode(t *testing.T) {
	for name, wantValid := range map[string]bool{"publiccode-valid.yml": true, "publiccode-invalid.yml": false} {
		f, findings := publiccode.Parse([]byte(readTestdata(t, name)), publiccode.Options{})
		if valid := f != nil && !publiccode.HasErrors(findings); valid != wantValid {
			t.Errorf("%s: valid=%v, findings %+v", name, valid, findings)
		}
	}
}
