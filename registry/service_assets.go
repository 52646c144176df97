package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// CreateAsset creates an asset (any signed-in officer; COMMERCIAL assets are
// catalogued this way, PUBLIC ones usually through RegisterRepository).
func (s *Service) CreateAsset(ctx context.Context, a *Asset) error {
	if _, err := requireSignedIn(ctx); err != nil {
		return err
	}
	if a.Slug == "" {
		a.Slug = Slugify(a.Name)
	}
	now := s.Now()
	a.ID, a.CreatedAt, a.UpdatedAt, a.Rev = NewID(now), now, now, 0
	if !a.AdminDeactivated && a.InactiveReason == "" {
		a.Active = true
	}
	a.Aliases = trimAll(a.Aliases)
	a.Categories = trimAll(a.Categories)
	if err := a.Validate(); err != nil {
		return err
	}
	if err := s.store.Assets().Create(ctx, a, s.audit(ctx, "asset.create", KindAsset, a.ID, a.PublisherNIT, nil, a)); err != nil {
		return err
	}
	s.notify(ctx, KindAsset, a.ID, false)
	return nil
}

// UniqueSlug returns base, or base-2, base-3… when taken.
func (s *Service) UniqueSlug(ctx context.Context, base string) (string, error) {
	base = Slugify(base)
	if base == "" {
		base = "activo"
	}
	for i := 1; i < 1000; i++ {
		slug := base
		if i > 1 {
			slug = fmt.Sprintf("%s-%d", base, i)
		}
		_, err := s.store.Assets().GetBySlug(ctx, slug)
		if errors.Is(err, ErrNotFound) {
			return slug, nil
		}
		if err != nil {
			return "", err
		}
	}
	return "", ErrConflict
}

// canEditAsset: admins, and cio or editor of the publisher entity.
func canEditAsset(ctx context.Context, a Asset) error {
	if a.PublisherNIT == "" {
		_, err := requireAdmin(ctx)
		return err
	}
	_, err := require(ctx, a.PublisherNIT, RoleCIO, RoleEditor)
	return err
}

// UpdateAsset writes an edited asset (a.Rev must be the one read). Fields
// edited by a person take that person's provenance.
func (s *Service) UpdateAsset(ctx context.Context, a *Asset, changedFields ...string) error {
	before, err := s.store.Assets().Get(ctx, a.ID)
	if err != nil {
		return err
	}
	if err := canEditAsset(ctx, before); err != nil {
		return err
	}
	if before.PublisherNIT != a.PublisherNIT && !ActorFrom(ctx).IsAdmin() {
		return ErrForbidden
	}
	a.Aliases = trimAll(a.Aliases)
	a.Categories = trimAll(a.Categories)
	if err := a.Validate(); err != nil {
		return err
	}
	now := s.Now()
	if len(changedFields) > 0 {
		if a.Provenance == nil {
			a.Provenance = map[string]Provenance{}
		}
		src := ProvEntity
		if ActorFrom(ctx).IsAdmin() {
			src = ProvAdmin
		}
		for _, f := range changedFields {
			a.Provenance[f] = Provenance{Source: src, Ref: ActorFrom(ctx).ID(), At: now}
		}
	}
	a.UpdatedAt = now
	if err := s.store.Assets().Update(ctx, a, s.audit(ctx, "asset.update", KindAsset, a.ID, a.PublisherNIT, before, a)); err != nil {
		return err
	}
	s.notify(ctx, KindAsset, a.ID, false)
	return nil
}

// DeactivateAsset marks an asset inactive by an administrator's decision,
// with the reason; syncs will not reactivate it by themselves.
func (s *Service) DeactivateAsset(ctx context.Context, id, reason string) (Asset, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return Asset{}, err
	}
	if strings.TrimSpace(reason) == "" {
		return Asset{}, Invalid("reason", "say why the asset is deactivated")
	}
	a, err := s.store.Assets().Get(ctx, id)
	if err != nil {
		return Asset{}, err
	}
	before := a
	a.Active, a.AdminDeactivated, a.InactiveReason, a.UpdatedAt = false, true, reason, s.Now()
	if err := s.store.Assets().Update(ctx, &a, s.audit(ctx, "asset.deactivate", KindAsset, a.ID, a.PublisherNIT, before, a)); err != nil {
		return Asset{}, err
	}
	s.notify(ctx, KindAsset, a.ID, false)
	return a, nil
}

// ReactivateAsset undoes an administrator's deactivation. The asset stays
// inactive when its metadata is invalid.
func (s *Service) ReactivateAsset(ctx context.Context, id string) (Asset, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return Asset{}, err
	}
	a, err := s.store.Assets().Get(ctx, id)
	if err != nil {
		return Asset{}, err
	}
	before := a
	a.AdminDeactivated = false
	a.Active, a.InactiveReason = true, ""
	for _, f := range a.Findings {
		if f.Severity == "error" {
			a.Active, a.InactiveReason = false, "publiccode.yml no es válido: "+f.Key+": "+f.Message
			break
		}
	}
	a.UpdatedAt = s.Now()
	if err := s.store.Assets().Update(ctx, &a, s.audit(ctx, "asset.reactivate", KindAsset, a.ID, a.PublisherNIT, before, a)); err != nil {
		return Asset{}, err
	}
	s.notify(ctx, KindAsset, a.ID, false)
	return a, nil
}

// Asset reads an asset by id.
func (s *Service) Asset(ctx context.Context, id string) (Asset, error) {
	return s.store.Assets().Get(ctx, id)
}

// AssetBySlug reads an asset by slug.
func (s *Service) AssetBySlug(ctx context.Context, slug string) (Asset, error) {
	return s.store.Assets().GetBySlug(ctx, slug)
}

// Assets lists assets.
func (s *Service) Assets(ctx context.Context, f AssetFilter) (List[Asset], error) {
	if err := f.Page.Validate(); err != nil {
		return List[Asset]{}, err
	}
	return s.store.Assets().List(ctx, f)
}

// LatestRelease picks the highest non-withdrawn, non-prerelease semver
// release of rs (falling back to prereleases when there is nothing else).
func LatestRelease(rs []Release) (Release, bool) {
	var best Release
	var bestV Semver
	found, foundStable := false, false
	for _, r := range rs {
		if !r.IsRelease || r.Withdrawn {
			continue
		}
		v, ok := ParseSemver(r.Version)
		if !ok {
			continue
		}
		stable := v.Pre == ""
		if foundStable && !stable {
			continue
		}
		if !found || (stable && !foundStable) || v.Compare(bestV) > 0 {
			best, bestV, found = r, v, true
			foundStable = foundStable || stable
		}
	}
	return best, found
}
