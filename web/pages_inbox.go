package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/acervo-co/acervo/registry"
)

// loadInbox fills the officer-only part of the entity page: notices and,
// for the CIO, webhooks.
func (s *server) loadInbox(ctx context.Context, d *entidadData) error {
	ns, err := s.svc.EntityNotices(ctx, d.Entity.NIT, registry.Page{First: 50})
	if err != nil {
		return err
	}
	d.Notices = ns.Items
	for _, n := range ns.Items {
		if n.ReadAt == nil {
			d.Unread++
		}
	}
	if d.CanWebhooks {
		ws, err := s.svc.EntityWebhooks(ctx, d.Entity.NIT)
		if err != nil {
			return err
		}
		d.Webhooks = ws
		d.Deliveries = map[string][]registry.WebhookDelivery{}
		for _, w := range ws {
			l, err := s.svc.WebhookDeliveries(ctx, w.ID, registry.Page{First: 5})
			if err != nil {
				return err
			}
			d.Deliveries[w.ID] = l.Items
		}
	}
	return nil
}

func (s *server) handleNoticeRead(w http.ResponseWriter, r *http.Request) {
	nit := r.PathValue("nit")
	n, err := s.svc.ReadNotice(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if n.EntityNIT != nit {
		s.fail(w, r, registry.ErrNotFound)
		return
	}
	http.Redirect(w, r, "/entidades/"+url.PathEscape(nit)+"?hecho=aviso#avisos", http.StatusSeeOther)
}

func (s *server) handleWebhookCreate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, http.StatusBadRequest, "error.invalid")
		return
	}
	nit := r.PathValue("nit")
	wh, err := s.svc.CreateEntityWebhook(r.Context(), nit, r.PostForm.Get("url"))
	if err != nil && !errors.Is(err, registry.ErrInvalid) {
		s.fail(w, r, err)
		return
	}
	v, verr := s.entidadView(r, nit)
	if verr != nil {
		s.fail(w, r, verr)
		return
	}
	code := http.StatusOK
	if err != nil {
		v.Errors = registry.FieldsOf(err)
		code = http.StatusBadRequest
	} else {
		// The secret is shown this once; the list never shows it again.
		v.Data.(*entidadData).NewSecret = wh.Secret
		v.Notice = "hecho.webhook"
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, code, "entidad", v)
}

func (s *server) handleWebhookDelete(w http.ResponseWriter, r *http.Request) {
	nit := r.PathValue("nit")
	if err := s.svc.DeleteEntityWebhook(r.Context(), r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/entidades/"+url.PathEscape(nit)+"?hecho=webhook_eliminado#webhooks", http.StatusSeeOther)
}
