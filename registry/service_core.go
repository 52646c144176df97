package registry

import (
	"context"
	"errors"
	"strings"
)

// UpsertEntity creates or merges an entity by NIT (admins and the system:
// the importer builds the directory from buyers).
func (s *Service) UpsertEntity(ctx context.Context, e *Entity) (created bool, err error) {
	if _, err := requireAdmin(ctx); err != nil {
		return false, err
	}
	e.CheckDigit = NITCheckDigit(e.NIT)
	if err := e.Validate(); err != nil {
		return false, err
	}
	now := s.Now()
	if e.ID == "" {
		e.ID = NewID(now)
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = now
	}
	e.UpdatedAt = now
	created, err = s.store.Entities().Upsert(ctx, e, s.audit(ctx, "entity.upsert", KindEntity, e.NIT, e.NIT, nil, e))
	if err == nil {
		s.notify(ctx, KindEntity, e.ID, false)
	}
	return created, err
}

// UpdateEntity writes an admin's edit of an entity.
func (s *Service) UpdateEntity(ctx context.Context, e *Entity) error {
	if _, err := requireAdmin(ctx); err != nil {
		return err
	}
	before, err := s.store.Entities().Get(ctx, e.ID)
	if err != nil {
		return err
	}
	if before.NIT != e.NIT {
		return Invalid("nit", "the NIT of an entity cannot change")
	}
	if err := e.Validate(); err != nil {
		return err
	}
	e.UpdatedAt = s.Now()
	if err := s.store.Entities().Update(ctx, e, s.audit(ctx, "entity.update", KindEntity, e.NIT, e.NIT, before, e)); err != nil {
		return err
	}
	s.notify(ctx, KindEntity, e.ID, false)
	return nil
}

// EntityByNIT finds an entity by NIT given with or without check digit
// ("899999001", "8999990017", "899.999.001-7").
func (s *Service) EntityByNIT(ctx context.Context, nit string) (Entity, error) {
	clean := strings.NewReplacer(".", "", " ", "").Replace(strings.TrimSpace(nit))
	if n, _, err := ParseNIT(clean, false); err == nil && !strings.Contains(clean, "-") {
		e, err := s.store.Entities().GetByNIT(ctx, n)
		if err == nil || !errors.Is(err, ErrNotFound) {
			return e, err
		}
	}
	if strings.Contains(clean, "-") {
		n, _, err := ParseNIT(clean, false)
		if err != nil {
			return Entity{}, err
		}
		return s.store.Entities().GetByNIT(ctx, n)
	}
	n, _, err := ParseNIT(clean, true)
	if err != nil {
		return Entity{}, ErrNotFound
	}
	return s.store.Entities().GetByNIT(ctx, n)
}

// RecordAdoption records that an entity uses an asset. CIOs and editors of
// the entity record SELF_DECLARED adoptions; the system records derived ones.
func (s *Service) RecordAdoption(ctx context.Context, a *Adoption) error {
	actor, err := require(ctx, a.EntityNIT, RoleCIO, RoleEditor)
	if err != nil {
		return err
	}
	if _, err := s.store.Entities().GetByNIT(ctx, a.EntityNIT); err != nil {
		if errors.Is(err, ErrNotFound) {
			return Invalid("entityNit", "no entity with NIT %s", a.EntityNIT)
		}
		return err
	}
	asset, err := s.store.Assets().Get(ctx, a.AssetID)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return Invalid("assetId", "no asset %s", a.AssetID)
		}
		return err
	}
	if a.ReleaseTag != "" {
		if _, err := s.store.Releases().GetByTag(ctx, asset.ID, a.ReleaseTag); err != nil {
			if errors.Is(err, ErrNotFound) {
				return Invalid("releaseTag", "%s has no release %s", asset.Name, a.ReleaseTag)
			}
			return err
		}
	}
	if a.Verification == "" || actor.System == "" && a.Verification != VerificationSelfDeclared {
		a.Verification = VerificationSelfDeclared
	}
	if a.Status == "" {
		a.Status = AdoptionProduction
	}
	now := s.Now()
	a.ID, a.CreatedAt, a.UpdatedAt = NewID(now), now, now
	if err := a.Validate(); err != nil {
		return err
	}
	if err := s.store.Adoptions().Create(ctx, a, s.audit(ctx, "adoption.create", KindAdoption, a.ID, a.EntityNIT, nil, a)); err != nil {
		return err
	}
	s.notify(ctx, KindAdoption, a.ID, false)
	return nil
}

// UpdateAdoption writes an edited adoption (status, version, environment…).
// Verification cannot be raised here; use VerifyAdoption.
func (s *Service) UpdateAdoption(ctx context.Context, a *Adoption) error {
	before, err := s.store.Adoptions().Get(ctx, a.ID)
	if err != nil {
		return err
	}
	if _, err := require(ctx, before.EntityNIT, RoleCIO, RoleEditor); err != nil {
		return err
	}
	if a.EntityNIT != before.EntityNIT || a.AssetID != before.AssetID {
		return Invalid("entityNit", "an adoption cannot move to another entity or asset")
	}
	a.Verification, a.VerifiedBy, a.VerifiedAt, a.Pending = before.Verification, before.VerifiedBy, before.VerifiedAt, before.Pending
	if a.ReleaseTag != "" && a.ReleaseTag != before.ReleaseTag {
		if _, err := s.store.Releases().GetByTag(ctx, a.AssetID, a.ReleaseTag); err != nil {
			if errors.Is(err, ErrNotFound) {
				return Invalid("releaseTag", "no release %s", a.ReleaseTag)
			}
			return err
		}
	}
	if err := a.Validate(); err != nil {
		return err
	}
	a.UpdatedAt = s.Now()
	if err := s.store.Adoptions().Update(ctx, a, s.audit(ctx, "adoption.update", KindAdoption, a.ID, a.EntityNIT, before, a)); err != nil {
		return err
	}
	s.notify(ctx, KindAdoption, a.ID, false)
	return nil
}

// VerifyAdoption is the CIO's confirmation of an adoption of their entity
// (a proposed one stops being pending).
func (s *Service) VerifyAdoption(ctx context.Context, id string) (Adoption, error) {
	a, err := s.store.Adoptions().Get(ctx, id)
	if err != nil {
		return Adoption{}, err
	}
	actor, err := require(ctx, a.EntityNIT, RoleCIO)
	if err != nil {
		return Adoption{}, err
	}
	before := a
	now := s.Now()
	a.Verification, a.Pending, a.VerifiedBy, a.VerifiedAt, a.UpdatedAt = VerificationCIOVerified, false, actor.ID(), &now, now
	if err := s.store.Adoptions().Update(ctx, &a, s.audit(ctx, "adoption.verify", KindAdoption, a.ID, a.EntityNIT, before, a)); err != nil {
		return Adoption{}, err
	}
	s.notify(ctx, KindAdoption, a.ID, false)
	return a, nil
}

// ProposeAdoption records an adoption derived by the system (from a
// confirmed purchase link or a fork) that waits for CIO verification. It
// does nothing when the entity already records an adoption of the asset.
func (s *Service) ProposeAdoption(ctx context.Context, a *Adoption) (bool, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return false, err
	}
	existing, err := s.store.Adoptions().List(ctx, AdoptionFilter{AssetID: a.AssetID, EntityNIT: a.EntityNIT, Page: Page{First: 1}})
	if err != nil {
		return false, err
	}
	if len(existing.Items) > 0 {
		return false, nil
	}
	now := s.Now()
	a.ID, a.CreatedAt, a.UpdatedAt, a.Pending = NewID(now), now, now, true
	if a.Status == "" {
		a.Status = AdoptionProduction
	}
	if err := a.Validate(); err != nil {
		return false, err
	}
	if err := s.store.Adoptions().Create(ctx, a, s.audit(ctx, "adoption.propose", KindAdoption, a.ID, a.EntityNIT, nil, a)); err != nil {
		if errors.Is(err, ErrConflict) {
			return false, nil
		}
		return false, err
	}
	s.notify(ctx, KindAdoption, a.ID, false)
	return true, nil
}

// DecidePurchaseLink confirms or rejects a suggested link. Officers with the
// procurement or cio role of the buyer entity decide; a rejected link is
// never suggested again; a confirmed IMPLEMENTATION, MAINTENANCE or SUPPORT
// link proposes a PROCUREMENT_DERIVED adoption for the buyer.
func (s *Service) DecidePurchaseLink(ctx context.Context, id string, confirm bool) (PurchaseLink, error) {
	l, err := s.store.Links().Get(ctx, id)
	if err != nil {
		return PurchaseLink{}, err
	}
	p, err := s.store.Purchases().Get(ctx, l.PurchaseID)
	if err != nil {
		return PurchaseLink{}, err
	}
	actor, err := require(ctx, p.BuyerNIT, RoleProcurement, RoleCIO)
	if err != nil {
		return PurchaseLink{}, err
	}
	before := l
	now := s.Now()
	l.State, l.DecidedBy, l.DecidedAt, l.UpdatedAt = LinkRejected, actor.ID(), &now, now
	action := "link.reject"
	if confirm {
		l.State, action = LinkConfirmed, "link.confirm"
	}
	if err := s.store.Links().Update(ctx, &l, s.audit(ctx, action, KindLink, l.ID, p.BuyerNIT, before, l)); err != nil {
		return PurchaseLink{}, err
	}
	s.notify(ctx, KindLink, l.ID, false)
	if confirm && (l.Relation == RelImplementation || l.Relation == RelMaintenance || l.Relation == RelSupport) && p.BuyerNIT != "" {
		if _, err := s.store.Entities().GetByNIT(ctx, p.BuyerNIT); err == nil {
			sys := WithActor(ctx, SystemActor("link"))
			ad := &Adoption{EntityNIT: p.BuyerNIT, AssetID: l.AssetID, Status: AdoptionProduction,
				Verification: VerificationProcurementDerived,
				Evidence:     []Evidence{{Kind: "CONTRACT", Ref: p.Source + ":" + p.ContractID, URL: p.URL}}}
			if p.SignedAt != nil {
				t := *p.SignedAt
				ad.Since = &t
			}
			if _, err := s.ProposeAdoption(sys, ad); err != nil {
				s.log.Warn("proposing adoption from confirmed link", "link", l.ID, "err", err)
			}
		}
	}
	return l, nil
}

// SuggestLink records the matcher's suggestion (system actor).
func (s *Service) SuggestLink(ctx context.Context, l *PurchaseLink) (UpsertOutcome, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return 0, err
	}
	now := s.Now()
	if l.ID == "" {
		l.ID = NewID(now)
	}
	if l.State == "" {
		l.State = LinkSuggested
	}
	if l.CreatedAt.IsZero() {
		l.CreatedAt = now
	}
	l.UpdatedAt = now
	if err := l.Validate(); err != nil {
		return 0, err
	}
	o, err := s.store.Links().Upsert(ctx, l, s.audit(ctx, "link.suggest", KindLink, l.ID, "", nil, l))
	if err == nil && o != OutcomeUnchanged {
		s.notify(ctx, KindLink, l.ID, false)
	}
	return o, err
}

// AddAdvisory records a security advisory on an asset (admins, and cio or
// editor of the publisher).
func (s *Service) AddAdvisory(ctx context.Context, a *Advisory) (bool, error) {
	asset, err := s.store.Assets().Get(ctx, a.AssetID)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return false, Invalid("assetId", "no asset %s", a.AssetID)
		}
		return false, err
	}
	if err := canEditAsset(ctx, asset); err != nil {
		return false, err
	}
	if err := a.Validate(); err != nil {
		return false, err
	}
	now := s.Now()
	if a.Published.IsZero() {
		a.Published = now
	}
	if a.Modified.IsZero() {
		a.Modified = now
	}
	a.CreatedAt, a.UpdatedAt = now, now
	created, err := s.store.Advisories().Upsert(ctx, a, s.audit(ctx, "advisory.upsert", KindAdvisory, a.ID, asset.PublisherNIT, nil, a))
	if err == nil {
		s.notify(ctx, KindAdvisory, a.ID, false)
	}
	return created, err
}

// Affects reports whether version v falls in one of the advisory's ranges.
func (a Advisory) Affects(version string) bool {
	v, ok := ParseSemver(version)
	if !ok {
		return false
	}
	for _, r := range a.Affected {
		if r.Introduced != "" && r.Introduced != "0" {
			in, ok := ParseSemver(r.Introduced)
			if !ok || v.Compare(in) < 0 {
				continue
			}
		}
		if r.Fixed != "" {
			fx, ok := ParseSemver(r.Fixed)
			if ok && v.Compare(fx) >= 0 {
				continue
			}
		}
		if r.LastAffected != "" {
			la, ok := ParseSemver(r.LastAffected)
			if ok && v.Compare(la) > 0 {
				continue
			}
		}
		return true
	}
	return false
}

// Audit lists audit events (admins see all; officers see their entities').
func (s *Service) Audit(ctx context.Context, f AuditFilter) (List[AuditEvent], error) {
	a, err := requireSignedIn(ctx)
	if err != nil {
		return List[AuditEvent]{}, err
	}
	if !a.IsAdmin() {
		if f.EntityNIT == "" || !a.Has(f.EntityNIT, RoleCIO) {
			return List[AuditEvent]{}, ErrForbidden
		}
	}
	return s.store.Audit().List(ctx, f)
}
