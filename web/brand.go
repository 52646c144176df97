package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// brandFiles names the official brand files an operator may install
// (Config.BrandDir) in place of the built-in stand-ins: the GOV.CO logo and
// the "CO Colombia" country brand of the GOV.CO design system v5
// (gitlab.com/govco/layout-govco, branch v5), which this repository cannot
// redistribute.
func brandFiles() []string { return []string{"govco.svg", "co-colombia.svg"} }

// maxBrandFile bounds a brand file (the official ones are a few KiB).
const maxBrandFile = 512 << 10

// loadBrand reads the brand files present in dir. Each must be an SVG
// image without scripts: it is served from Acervo's own origin.
func loadBrand(dir string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, name := range brandFiles() {
		p := filepath.Join(dir, name)
		f, err := os.Open(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("brand: %w", err)
		}
		b, err := io.ReadAll(io.LimitReader(f, maxBrandFile+1))
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("brand: %s: %w", p, err)
		}
		if len(b) > maxBrandFile {
			return nil, fmt.Errorf("brand: %s: larger than %d KiB", p, maxBrandFile>>10)
		}
		lower := bytes.ToLower(b)
		if !bytes.Contains(lower, []byte("<svg")) {
			return nil, fmt.Errorf("brand: %s: not an SVG image (no <svg> element)", p)
		}
		for _, bad := range []string{"<script", "javascript:", "<foreignobject"} {
			if bytes.Contains(lower, []byte(bad)) {
				return nil, fmt.Errorf("brand: %s: contains %s, which a logo must not", p, strings.TrimPrefix(bad, "<"))
			}
		}
		out["img/"+name] = b
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("brand: %s holds none of %s", dir, strings.Join(brandFiles(), ", "))
	}
	return out, nil
}

// overlayFS serves files from memory in place of the same paths of FS.
type overlayFS struct {
	fs.FS
	files map[string][]byte
}

func (o overlayFS) Open(name string) (fs.File, error) {
	if b, ok := o.files[name]; ok {
		return &memFile{Reader: bytes.NewReader(b), name: filepath.Base(name), size: int64(len(b))}, nil
	}
	return o.FS.Open(name)
}

// memFile is an overlaid file.
type memFile struct {
	*bytes.Reader
	name string
	size int64
}

func (f *memFile) Stat() (fs.FileInfo, error) { return memInfo{f.name, f.size}, nil }
func (f *memFile) Close() error               { return nil }

type memInfo struct {
	name string
	size int64
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) Mode() fs.FileMode  { return 0o444 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }

// CheckBrandDir reports what is wrong with a brand directory (see
// Config.BrandDir) without building a server, so that a command can refuse
// it before it does any other work.
func CheckBrandDir(dir string) error {
	_, err := loadBrand(dir)
	return err
}
