package demo

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/acervo-co/acervo/registry"
)

// Repo is a generated demo repository.
type Repo struct {
	Software
	Dir string
}

// Generate creates the demo repositories under dir (one bare-able working
// repository per catalogue entry). Repositories that already exist are kept
// as they are, so running the demo again reuses them.
func Generate(ctx context.Context, dir string) ([]Repo, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, fmt.Errorf("the demo needs git: install it (sudo apt-get install -y git)")
	}
	var repos []Repo
	for _, sw := range Catalogue() {
		r := Repo{Software: sw, Dir: filepath.Join(dir, sw.Slug)}
		if _, err := os.Stat(filepath.Join(r.Dir, ".git", "acervo-demo-done")); err != nil {
			os.RemoveAll(r.Dir)
			if err := build(ctx, r); err != nil {
				return nil, fmt.Errorf("demo repository %s: %w", sw.Slug, err)
			}
		}
		repos = append(repos, r)
	}
	return repos, nil
}

// WithdrawTags deletes the tags the catalogue withdraws; after the next sync
// their releases show as withdrawn.
func WithdrawTags(ctx context.Context, repos []Repo) error {
	for _, r := range repos {
		for _, tag := range r.Withdraw {
			out, err := git(ctx, r.Dir, time.Time{}, "tag", "-l", tag)
			if err != nil {
				return err
			}
			if strings.TrimSpace(out) == "" {
				continue
			}
			if _, err := git(ctx, r.Dir, time.Time{}, "tag", "-d", tag); err != nil {
				return err
			}
		}
	}
	return nil
}

// base is the day the first demo release was made; later releases follow
// every few months.
var base = time.Date(2022, 2, 14, 10, 0, 0, 0, time.FixedZone("COT", -5*3600))

func build(ctx context.Context, r Repo) error {
	if err := os.MkdirAll(r.Dir, 0o755); err != nil {
		return err
	}
	if _, err := git(ctx, r.Dir, time.Time{}, "init", "-q", "-b", "main"); err != nil {
		return err
	}
	at := base.AddDate(0, len(r.Slug)%5, len(r.Name)%27)
	write := func(name, content string) error {
		p := filepath.Join(r.Dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, []byte(content), 0o644)
	}
	if err := write("LICENSE", licenceText(r.License, r.Publisher, at.Year())); err != nil {
		return err
	}
	invalid := false
	for i, tag := range r.Versions {
		version := strings.TrimPrefix(tag, "v")
		if tag == r.InvalidAt {
			invalid = true
		}
		if tag == r.FixedAt {
			invalid = false
		}
		files := map[string]string{
			"README.md":      readme(r.Software, version),
			"CHANGELOG.md":   changelog(r.Software, r.Versions[:i+1], at),
			"publiccode.yml": publiccodeYML(r.Software, version, at, invalid),
		}
		for name, content := range sources(r.Software, i) {
			files[name] = content
		}
		for name, content := range files {
			if err := write(name, content); err != nil {
				return err
			}
		}
		if _, err := git(ctx, r.Dir, at, "add", "-A"); err != nil {
			return err
		}
		if _, err := git(ctx, r.Dir, at, "commit", "-q", "-m", "Versión "+version+": "+r.Features[i%len(r.Features)]); err != nil {
			return err
		}
		if _, err := git(ctx, r.Dir, at, "tag", "-a", tag, "-m", "Versión "+version); err != nil {
			return err
		}
		if i == 0 {
			for _, extra := range r.ExtraTags {
				if _, err := git(ctx, r.Dir, at, "tag", extra); err != nil {
					return err
				}
			}
		}
		at = at.AddDate(0, 2+i%3, 9)
	}
	// Work after the last release on the default branch.
	if err := write("docs/instalacion.md", "# Instalación\n\nVer README.md. Contenido de demostración de Acervo.\n"); err != nil {
		return err
	}
	if _, err := git(ctx, r.Dir, at, "add", "-A"); err != nil {
		return err
	}
	if _, err := git(ctx, r.Dir, at, "commit", "-q", "-m", "Documentación de instalación"); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(r.Dir, ".git", "acervo-demo-done"), nil, 0o644)
}

func git(ctx context.Context, dir string, at time.Time, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	env := append(os.Environ(),
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=Equipo de demostración de Acervo", "GIT_AUTHOR_EMAIL=demo@acervo.invalid",
		"GIT_COMMITTER_NAME=Equipo de demostración de Acervo", "GIT_COMMITTER_EMAIL=demo@acervo.invalid")
	if !at.IsZero() {
		d := at.Format(time.RFC3339)
		env = append(env, "GIT_AUTHOR_DATE="+d, "GIT_COMMITTER_DATE="+d)
	}
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

func readme(sw Software, version string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n> **Contenido de demostración de Acervo.** Este repositorio fue generado para mostrar el registro; no es software publicado por %s.\n\n", sw.Name, sw.Publisher)
	fmt.Fprintf(&b, "%s\n\n%s\n\n## Funcionalidades\n\n", sw.ShortES, sw.LongES)
	for _, f := range sw.Features {
		fmt.Fprintf(&b, "- %s\n", f)
	}
	fmt.Fprintf(&b, "\n## Instalación\n\n```sh\ngit clone <URL del espejo en Acervo>\ncd %s\n```\n\nVersión actual: **%s**. Licencia: `%s`.\n", sw.Slug, version, sw.License)
	return b.String()
}

func changelog(sw Software, versions []string, at time.Time) string {
	var b strings.Builder
	b.WriteString("# Cambios\n\n")
	for i := len(versions) - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "## %s\n\n- %s\n\n", strings.TrimPrefix(versions[i], "v"), sw.Features[i%len(sw.Features)])
	}
	return b.String()
}

func publiccodeYML(sw Software, version string, at time.Time, invalid bool) string {
	status := sw.Status
	license := sw.License
	if invalid {
		status = "estable" // not a developmentStatus of the standard
		license = "Licencia libre"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "publiccodeYmlVersion: \"0.4\"\nname: %q\nurl: \"https://demo.acervo.invalid/%s.git\"\nsoftwareVersion: %q\nreleaseDate: %q\n", sw.Name, sw.Slug, version, at.Format("2006-01-02"))
	b.WriteString("platforms:\n  - web\ncategories:\n")
	for _, c := range sw.Categories {
		fmt.Fprintf(&b, "  - %s\n", c)
	}
	fmt.Fprintf(&b, "developmentStatus: %s\nsoftwareType: \"standalone/web\"\n", status)
	b.WriteString("description:\n")
	for _, lang := range []string{"es", "en"} {
		short, long := sw.ShortES, sw.LongES
		if lang == "en" {
			short, long = sw.ShortEN, sw.ShortEN+" "+sw.LongES
		}
		fmt.Fprintf(&b, "  %s:\n    shortDescription: %q\n    longDescription: >\n      %s Contenido de demostración de Acervo: este repositorio fue generado para mostrar el registro.\n    features:\n", lang, short, long)
		for _, f := range sw.Features {
			fmt.Fprintf(&b, "      - %q\n", f)
		}
	}
	fmt.Fprintf(&b, "legal:\n  license: %q\n  repoOwner: %q\n", license, sw.Publisher)
	fmt.Fprintf(&b, "maintenance:\n  type: %q\n", sw.Maintenance)
	if sw.Maintenance == "contract" {
		fmt.Fprintf(&b, "  contractors:\n    - name: %q\n      until: %q\n", sw.Contractor, at.AddDate(2, 0, 0).Format("2006-01-02"))
	}
	fmt.Fprintf(&b, "  contacts:\n    - name: \"Oficina de Tecnologías de la Información\"\n      email: \"ti@demo.acervo.invalid\"\n      affiliation: %q\n", sw.Publisher)
	b.WriteString("localisation:\n  localisationReady: true\n  availableLanguages:\n    - es\n    - en\n")
	fmt.Fprintf(&b, "organisation:\n  uri: \"urn:co:nit:%s-%d\"\n  name: %q\n", sw.PublisherNIT, registry.NITCheckDigit(sw.PublisherNIT), sw.Publisher)
	return b.String()
}

// sources writes a small, plausible source tree in the software's main
// language (and a little of a second one), growing with each release.
func sources(sw Software, release int) map[string]string {
	files := map[string]string{}
	ext := map[string]string{"go": "go", "python": "py", "java": "java", "php": "php", "js": "js"}[sw.Language]
	module := strings.ReplaceAll(sw.Slug, "-", "_")
	for i := 0; i <= release+1; i++ {
		name := fmt.Sprintf("src/%s/modulo_%d.%s", module, i, ext)
		files[name] = sourceFile(sw.Language, module, i)
	}
	files["web/estilos.css"] = "/* Contenido de demostración de Acervo */\nbody { font-family: 'Work Sans', sans-serif; }\n"
	return files
}

func sourceFile(lang, module string, i int) string {
	switch lang {
	case "go":
		return fmt.Sprintf("// Contenido de demostración de Acervo.\npackage %s\n\n// Paso%d devuelve el número de paso.\nfunc Paso%d() int { return %d }\n", module, i, i, i)
	case "python":
		return fmt.Sprintf("# Contenido de demostración de Acervo.\n\ndef paso_%d():\n    return %d\n", i, i)
	case "java":
		return fmt.Sprintf("// Contenido de demostración de Acervo.\npublic class Modulo%d {\n    public int paso() { return %d; }\n}\n", i, i)
	case "php":
		return fmt.Sprintf("<?php\n// Contenido de demostración de Acervo.\nfunction paso_%d() { return %d; }\n", i, i)
	}
	return fmt.Sprintf("// Contenido de demostración de Acervo.\nexport function paso%d() { return %d; }\n", i, i)
}
