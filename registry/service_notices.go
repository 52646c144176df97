package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Notices for adopters. When a new release or an advisory touches an
// adoption, the adopting entity gets one notice (its inbox is
// EntityNotices), one webhook delivery per active webhook of the entity,
// and an e-mail to its CIOs when SMTP is configured (registry/notify sends
// them). Notices are keyed by (entity, kind, ref): re-running the same
// event never notifies twice.

// NotifyRelease notifies the entities whose adoptions of the release's
// asset fall behind it: exact releases older than it, and constraints that
// do not allow it (a new major, typically). Prereleases, withdrawn tags and
// non-semver tags notify nobody. The system and administrators.
func (s *Service) NotifyRelease(ctx context.Context, releaseID string) ([]Notice, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	r, err := s.store.Releases().Get(ctx, releaseID)
	if err != nil {
		return nil, err
	}
	v, ok := ParseSemver(r.Version)
	if !r.IsRelease || r.Prerelease || r.Withdrawn || !ok || v.Pre != "" {
		return nil, nil
	}
	asset, err := s.store.Assets().Get(ctx, r.AssetID)
	if err != nil {
		return nil, err
	}
	ads, err := s.store.Adoptions().ForAssets(ctx, []string{r.AssetID})
	if err != nil {
		return nil, err
	}
	var out []Notice
	for _, ad := range ads {
		if ad.Status == AdoptionRetired {
			continue
		}
		behind := false
		current := ad.ReleaseTag
		switch {
		case ad.ReleaseTag != "":
			if cur, err := s.store.Releases().GetByTag(ctx, ad.AssetID, ad.ReleaseTag); err == nil {
				if cv, ok := ParseSemver(cur.Version); ok && cv.Compare(v) < 0 {
					behind = true
				}
			}
		case ad.Constraint != "":
			current = ad.Constraint
			if c, err := ParseConstraint(ad.Constraint); err == nil && !c.Check(v) {
				behind = true
			}
		}
		if !behind {
			continue
		}
		n := Notice{
			EntityNIT: ad.EntityNIT, Kind: NoticeNewRelease, Ref: r.ID, AssetID: asset.ID, AdoptionID: ad.ID,
			Title: fmt.Sprintf("Nueva versión %s de %s / New release %s of %s", r.Tag, asset.Name, r.Tag, asset.Name),
			Body: fmt.Sprintf("Su entidad usa %s %s (%s). La versión más reciente es %s, publicada el %s.\n"+
				"Your entity runs %s %s; the latest release is %s.",
				asset.Name, current, strings.ToLower(ad.Status), r.Tag, r.Date.In(bogota).Format("2006-01-02"), asset.Name, current, r.Tag),
		}
		created, err := s.createNotice(ctx, &n)
		if err != nil {
			return out, err
		}
		if created {
			out = append(out, n)
		}
	}
	return out, nil
}

// NotifyAdvisory notifies the entities whose adoptions run a version the
// advisory affects (an exact release in its ranges, or a constraint that
// allows an affected release), and those whose version is unknown (they
// are asked to check). The system and administrators.
func (s *Service) NotifyAdvisory(ctx context.Context, advisoryID string) ([]Notice, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	adv, err := s.store.Advisories().Get(ctx, advisoryID)
	if err != nil {
		return nil, err
	}
	asset, err := s.store.Assets().Get(ctx, adv.AssetID)
	if err != nil {
		return nil, err
	}
	ads, err := s.store.Adoptions().ForAssets(ctx, []string{adv.AssetID})
	if err != nil {
		return nil, err
	}
	rels, err := s.store.Releases().ForAssets(ctx, []string{adv.AssetID})
	if err != nil {
		return nil, err
	}
	fixed := ""
	for _, r := range adv.Affected {
		if r.Fixed != "" {
			fixed = r.Fixed
		}
	}
	var out []Notice
	for _, ad := range ads {
		if ad.Status == AdoptionRetired {
			continue
		}
		vs := adoptionVersions(ad, rels)
		affected, unknown := false, len(vs) == 0
		for _, r := range vs {
			if adv.Affects(r.Version) {
				affected = true
				break
			}
		}
		if !affected && !unknown {
			continue
		}
		version := ad.ReleaseTag
		if version == "" {
			version = ad.Constraint
		}
		sev := adv.Severity
		if sev == "" {
			sev = "sin severidad"
		}
		body := fmt.Sprintf("%s\n", adv.Summary)
		if unknown {
			body += fmt.Sprintf("Acervo no sabe qué versión de %s usa su entidad: verifique si está afectada.\n", asset.Name)
		} else {
			body += fmt.Sprintf("Su entidad usa %s %s, afectada por este aviso.\n", asset.Name, version)
		}
		if fixed != "" {
			body += fmt.Sprintf("Corregido en la versión %s.\n", fixed)
		}
		body += fmt.Sprintf("Security advisory %s affects %s %s.", adv.ID, asset.Name, version)
		n := Notice{
			EntityNIT: ad.EntityNIT, Kind: NoticeAdvisory, Ref: adv.ID, AssetID: asset.ID, AdoptionID: ad.ID,
			Title: fmt.Sprintf("Aviso de seguridad %s en %s (%s) / Security advisory", adv.ID, asset.Name, sev),
			Body:  body,
		}
		created, err := s.createNotice(ctx, &n)
		if err != nil {
			return out, err
		}
		if created {
			out = append(out, n)
		}
	}
	return out, nil
}

// notifyProposedAdoption tells the entity's officers that a derived
// adoption (from a confirmed purchase link or a fork) waits for their CIO.
func (s *Service) notifyProposedAdoption(ctx context.Context, id string) ([]Notice, error) {
	ad, err := s.store.Adoptions().Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !ad.Pending || ad.Verification == VerificationCIOVerified || ad.Verification == VerificationSelfDeclared {
		return nil, nil
	}
	asset, err := s.store.Assets().Get(ctx, ad.AssetID)
	if err != nil {
		return nil, err
	}
	why := "una compra confirmada"
	if ad.Verification == VerificationForkDerived {
		why = "una bifurcación (fork) del repositorio"
	}
	ref := ""
	if len(ad.Evidence) > 0 {
		ref = " (" + ad.Evidence[0].Ref + ")"
	}
	n := Notice{
		EntityNIT: ad.EntityNIT, Kind: NoticeAdoption, Ref: ad.ID, AssetID: asset.ID, AdoptionID: ad.ID,
		Title: fmt.Sprintf("Adopción de %s por verificar / Adoption of %s to verify", asset.Name, asset.Name),
		Body: fmt.Sprintf("Acervo registró que su entidad usa %s a partir de %s%s. El CIO de la entidad debe verificarla.\n"+
			"Acervo recorded that your entity uses %s; your CIO should verify it.", asset.Name, why, ref, asset.Name),
	}
	created, err := s.createNotice(ctx, &n)
	if err != nil || !created {
		return nil, err
	}
	return []Notice{n}, nil
}

// createNotice stores a notice (deduplicated) and queues one webhook
// delivery per active webhook of the entity.
func (s *Service) createNotice(ctx context.Context, n *Notice) (bool, error) {
	now := s.Now()
	n.ID, n.CreatedAt = NewID(now), now
	created, err := s.store.Notices().Create(ctx, n)
	if err != nil || !created {
		return false, err
	}
	hooks, err := s.store.Webhooks().ListByEntity(ctx, n.EntityNIT)
	if err != nil {
		return true, err
	}
	for _, w := range hooks {
		if !w.Active {
			continue
		}
		d := WebhookDelivery{ID: NewID(now), WebhookID: w.ID, NoticeID: n.ID, NextTryAt: &now, CreatedAt: now, UpdatedAt: now}
		if err := s.store.Webhooks().UpsertDelivery(ctx, &d); err != nil && !errors.Is(err, ErrConflict) {
			return true, err
		}
	}
	return true, nil
}

// CatchUpNotices reads up to limit changes after seq and notifies for the
// releases and advisories among them. It returns the last sequence number
// read (the caller keeps it as its checkpoint) and the notices created.
func (s *Service) CatchUpNotices(ctx context.Context, after int64, limit int) (int64, []Notice, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return after, nil, err
	}
	cs, err := s.store.Changes(ctx, after, limit)
	if err != nil {
		return after, nil, err
	}
	var out []Notice
	seq := after
	for _, c := range cs {
		var ns []Notice
		switch {
		case c.Deleted:
		case c.Kind == KindRelease:
			ns, err = s.NotifyRelease(ctx, c.ID)
		case c.Kind == KindAdvisory:
			ns, err = s.NotifyAdvisory(ctx, c.ID)
		case c.Kind == KindAdoption:
			ns, err = s.notifyProposedAdoption(ctx, c.ID)
		}
		if err != nil && !errors.Is(err, ErrNotFound) {
			return seq, out, err
		}
		out = append(out, ns...)
		seq = c.Seq
	}
	return seq, out, nil
}

// NoticesToEmail lists notices not yet e-mailed, oldest first within the
// page read (the system).
func (s *Service) NoticesToEmail(ctx context.Context, limit int) ([]Notice, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	l, err := s.store.Notices().List(ctx, NoticeFilter{NotEmailed: true, Page: Page{First: limit}})
	if err != nil {
		return nil, err
	}
	out := l.Items
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// MarkNoticeEmailed records that a notice was e-mailed (or that there was
// nobody to e-mail).
func (s *Service) MarkNoticeEmailed(ctx context.Context, id string) error {
	if _, err := requireAdmin(ctx); err != nil {
		return err
	}
	n, err := s.store.Notices().Get(ctx, id)
	if err != nil {
		return err
	}
	now := s.Now()
	n.EmailedAt = &now
	return s.store.Notices().Update(ctx, &n)
}

// EntityCIOEmails lists the e-mail addresses of the enabled users who hold
// the cio role of the entity (the system, to e-mail notices).
func (s *Service) EntityCIOEmails(ctx context.Context, entityNIT string) ([]string, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	var out []string
	p := Page{First: MaxPageSize}
	for {
		l, err := s.store.Users().List(ctx, p)
		if err != nil {
			return nil, err
		}
		for _, u := range l.Items {
			if u.Disabled || u.Email == "" {
				continue
			}
			for _, g := range u.Grants {
				if g.Role == RoleCIO && g.EntityNIT == entityNIT {
					out = append(out, u.Email)
					break
				}
			}
		}
		if !l.PageInfo.HasNextPage || len(l.Items) == 0 {
			return out, nil
		}
		p.After = l.PageInfo.EndCursor
	}
}

// Notice returns a notice (the system, to deliver it).
func (s *Service) Notice(ctx context.Context, id string) (Notice, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return Notice{}, err
	}
	return s.store.Notices().Get(ctx, id)
}

// WebhookWithSecret returns a webhook with its secret (the system, to sign
// deliveries).
func (s *Service) WebhookWithSecret(ctx context.Context, id string) (Webhook, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return Webhook{}, err
	}
	return s.store.Webhooks().Get(ctx, id)
}

// DueWebhookDeliveries lists deliveries to attempt now (the system).
func (s *Service) DueWebhookDeliveries(ctx context.Context, now time.Time, limit int) ([]WebhookDelivery, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	return s.store.Webhooks().DueDeliveries(ctx, now, limit)
}

// RecordWebhookAttempt writes the outcome of a delivery attempt into the
// delivery log (the system): d carries Attempts, LastStatus, LastError,
// NextTryAt (nil when delivered or abandoned) and DeliveredAt.
func (s *Service) RecordWebhookAttempt(ctx context.Context, d *WebhookDelivery) error {
	if _, err := requireAdmin(ctx); err != nil {
		return err
	}
	d.UpdatedAt = s.Now()
	return s.store.Webhooks().UpsertDelivery(ctx, d)
}

// WebhookDeliveries is the delivery log of a webhook, newest first (the
// entity's CIO and administrators).
func (s *Service) WebhookDeliveries(ctx context.Context, webhookID string, p Page) (List[WebhookDelivery], error) {
	w, err := s.store.Webhooks().Get(ctx, webhookID)
	if err != nil {
		return List[WebhookDelivery]{}, err
	}
	if _, err := require(ctx, w.EntityNIT, RoleCIO); err != nil {
		return List[WebhookDelivery]{}, err
	}
	if err := p.Validate(); err != nil {
		return List[WebhookDelivery]{}, err
	}
	return s.store.Webhooks().ListDeliveries(ctx, webhookID, p)
}
