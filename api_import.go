package main

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"strings"

	"github.com/acervo-co/acervo/procurement"
	"github.com/acervo-co/acervo/registry"
)

// maxImportBody bounds one uploaded import file.
const maxImportBody = 2 << 30

// importHandler is POST /api/import: an administrator uploads a procurement
// file (body) while acervo serve runs (the embedded store admits one
// process, so `acervo import` cannot run beside it). Query: format
// (auto, secop2, secop1, tvec, ocds; default auto), dry_run=1, name (shown
// in the import log). Authorization: Bearer acv_… of an administrator. The
// answer is JSON lines as `acervo import --json` prints them: one object
// per rejected row, then the summary.
func importHandler(svc *registry.Service, sf storeFlags, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		fail := func(code int, msg string) {
			w.WriteHeader(code)
			json.NewEncoder(w).Encode(map[string]string{"error": msg})
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			fail(http.StatusMethodNotAllowed, "use POST with the file as the body")
			return
		}
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			fail(http.StatusUnauthorized, "an administrator's API token is required (Authorization: Bearer acv_…)")
			return
		}
		actor, err := svc.AuthenticateToken(r.Context(), strings.TrimSpace(token))
		if err != nil {
			fail(http.StatusUnauthorized, "invalid, expired or revoked token")
			return
		}
		if !actor.IsAdmin() {
			fail(http.StatusForbidden, "imports are for administrators")
			return
		}
		q := r.URL.Query()
		family := q.Get("format")
		if family == "" {
			family = "auto"
		}
		switch family {
		case "auto", "secop2", "secop1", "tvec", "ocds":
		default:
			fail(http.StatusBadRequest, "format must be auto, secop2, secop1, tvec or ocds")
			return
		}
		name := q.Get("name")
		if name == "" {
			name = "upload"
		}
		// Spool the body to disk first: the importer resumes from
		// checkpoints of a file it can read again.
		dir := dataPath(sf, "uploads")
		if err := os.MkdirAll(dir, 0o750); err != nil {
			fail(http.StatusInternalServerError, "cannot store the upload")
			return
		}
		tmp, err := os.CreateTemp(dir, "import-*")
		if err != nil {
			fail(http.StatusInternalServerError, "cannot store the upload")
			return
		}
		defer os.Remove(tmp.Name())
		defer tmp.Close()
		n, err := io.Copy(tmp, http.MaxBytesReader(w, r.Body, maxImportBody))
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			fail(http.StatusRequestEntityTooLarge, "the file is larger than 2 GiB")
			return
		case err != nil:
			fail(http.StatusBadRequest, "the upload was cut: "+err.Error())
			return
		case n == 0:
			fail(http.StatusBadRequest, "the body is empty: send the file as the request body")
			return
		}
		if err := tmp.Close(); err != nil {
			fail(http.StatusInternalServerError, "cannot store the upload")
			return
		}
		enc := json.NewEncoder(w)
		im, err := procurement.NewImporter(svc, procurement.Options{Family: family, DryRun: q.Get("dry_run") == "1",
			DataDir: sf.data, Log: log, NoResume: true,
			OnReject: func(e procurement.RowError) { enc.Encode(e) }})
		if err != nil {
			fail(http.StatusInternalServerError, err.Error())
			return
		}
		ctx := registry.WithActor(r.Context(), actor)
		sum, err := im.ImportFile(ctx, tmp.Name())
		// An import's buffers are garbage now: hand the memory back to the
		// system instead of keeping the serving process at its peak.
		defer debug.FreeOSMemory()
		if err != nil {
			if errors.Is(err, procurement.ErrUnknownFormat) {
				fail(http.StatusUnprocessableEntity, err.Error())
				return
			}
			log.Error("import upload", "name", name, "err", err)
			enc.Encode(map[string]string{"error": err.Error()})
			return
		}
		enc.Encode(sum)
	})
}
