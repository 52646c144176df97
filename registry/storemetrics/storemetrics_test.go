package storemetrics

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedUpToDate fails when the Store interfaces changed and
// wrap_gen.go was not regenerated (go generate ./registry/storemetrics).
func TestGeneratedUpToDate(t *testing.T) {
	before, err := os.ReadFile("wrap_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "wrap_gen.go")
	cmd := exec.Command("go", "run", "./gen", "..", dest)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./gen: %v\n%s", err, out)
	}
	after, err := os.ReadFile(dest)
	if err != nil {
		t.Fatal(err)
	}
	if string(before) != string(after) {
		t.Error("wrap_gen.go is stale: run go generate ./registry/storemetrics")
	}
}
