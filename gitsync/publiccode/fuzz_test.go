package publiccode

import (
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
)

// FuzzParse checks that no input makes Parse panic, that findings come
// sorted by position, and that a refused file always says why.
func FuzzParse(f *testing.F) {
	f.Add([]byte(minimal))
	for _, name := range []string{"v0/valid/valid.yml", "v0/invalid/mostly_empty.yml", "v0/invalid/invalid_yaml.yml", "v0/invalid/it_IT_duplicated.yml"} {
		data, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Add([]byte("publiccodeYmlVersion: \"0\"\n<<: {name: x}\n"))
	repo := fstest.MapFS{"logo.png": {Data: []byte("x")}}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, findings := Parse(data, Options{RepoRoot: repo, MaxSize: 64 << 10})
		for i := 1; i < len(findings); i++ {
			if less(findings[i].Line, findings[i].Column, findings[i-1].Line, findings[i-1].Column) {
				t.Fatalf("findings not sorted: %+v", findings)
			}
		}
		if file == nil && !HasErrors(findings) {
			t.Fatalf("no file and no error for %q", data)
		}
	})
}
