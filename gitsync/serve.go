package gitsync

import (
	"errors"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/acervo-co/acervo/registry"
)

// Handler serves read-only smart-HTTP clones of the mirrors at
// /git/<slug>.git (mount it at /git/). Only the upload-pack service is
// offered: receive-pack (push) and dumb-HTTP file access are refused.
func (s *Syncer) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, "/git/")
		if !ok {
			http.NotFound(w, r)
			return
		}
		slug, sub, ok := strings.Cut(rest, ".git/")
		if !ok || slug == "" || registry.Slugify(slug) != slug {
			http.NotFound(w, r)
			return
		}
		a, err := s.svc.AssetBySlug(r.Context(), slug)
		if err != nil {
			if errors.Is(err, registry.ErrNotFound) {
				http.NotFound(w, r)
				return
			}
			http.Error(w, "error interno / internal error", http.StatusInternalServerError)
			return
		}
		m, err := s.svc.Store().Mirrors().GetByAsset(r.Context(), a.ID)
		if err != nil || !mirrorExists(s.MirrorDir(m)) {
			http.Error(w, "este activo aún no tiene réplica / no mirror yet", http.StatusNotFound)
			return
		}
		ServeRepository(w, r, s.cfg.GitPath, s.cfg.MirrorsDir, m.Path, sub)
	})
}

// ServeRepository answers one smart-HTTP request for the bare repository
// root/repoPath with git http-backend. sub is the part of the URL after
// the repository (info/refs, git-upload-pack). Pushes are refused.
func ServeRepository(w http.ResponseWriter, r *http.Request, gitPath, root, repoPath, sub string) {
	service := r.URL.Query().Get("service")
	switch {
	case sub == "info/refs" && r.Method == http.MethodGet && service == "git-upload-pack":
	case sub == "git-upload-pack" && r.Method == http.MethodPost:
	case sub == "git-receive-pack" || service == "git-receive-pack":
		http.Error(w, "las réplicas de Acervo son de solo lectura / Acervo's mirrors are read-only", http.StatusForbidden)
		return
	default:
		http.Error(w, "solo se admite clonar por HTTP inteligente / only smart-HTTP clones are served", http.StatusForbidden)
		return
	}
	gitBin, err := exec.LookPath(gitPath)
	if err != nil {
		http.Error(w, "git no está instalado / git is not installed", http.StatusServiceUnavailable)
		return
	}
	dir := filepath.Join(root, filepath.FromSlash(repoPath))
	if rel, err := filepath.Rel(root, dir); err != nil || strings.HasPrefix(rel, "..") {
		http.NotFound(w, r)
		return
	}
	h := &cgi.Handler{
		Path: gitBin,
		Args: []string{"http-backend"},
		Dir:  dir,
		Env: []string{
			"GIT_PROJECT_ROOT=" + root,
			"GIT_HTTP_EXPORT_ALL=1",
			"GIT_CONFIG_NOSYSTEM=1",
			"GIT_CONFIG_GLOBAL=/dev/null",
			"GIT_CONFIG_COUNT=4",
			"GIT_CONFIG_KEY_0=http.receivepack", "GIT_CONFIG_VALUE_0=false",
			"GIT_CONFIG_KEY_1=http.getanyfile", "GIT_CONFIG_VALUE_1=false",
			"GIT_CONFIG_KEY_2=safe.directory", "GIT_CONFIG_VALUE_2=*",
			"GIT_CONFIG_KEY_3=uploadpack.allowFilter", "GIT_CONFIG_VALUE_3=true",
			"HOME=" + os.TempDir(),
		},
		InheritEnv: []string{"PATH"},
	}
	req := r.Clone(r.Context())
	req.URL.Path = "/" + strings.Trim(repoPath, "/") + "/" + sub
	req.URL.RawPath = ""
	h.Root = "/"
	h.ServeHTTP(w, req)
}
