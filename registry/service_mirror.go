package registry

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"
)

// ProvRepository is the provenance of values Acervo detected in the
// repository's files (licence file, README, languages).
const ProvRepository = "repository"

// MetadataInvalidReason starts the inactive reason of an asset whose
// publiccode.yml is invalid; a sync that finds the file fixed reactivates
// such an asset by itself.
const MetadataInvalidReason = "publiccode.yml no es válido"

// RepositoryLocation is a repository URL accepted by the egress policy: its
// canonical form and its mirror's path under the mirrors directory.
type RepositoryLocation struct {
	URL  string
	Path string
}

// RepositoryChecker validates repository URLs against the mirrors' egress
// policy (gitsync implements it). Refusals are *InvalidError values whose
// field "url" carries the code (MIRROR_URL_SCHEME_NOT_ALLOWED, …).
type RepositoryChecker interface {
	CheckRepository(ctx context.Context, rawURL string) (RepositoryLocation, error)
}

// RepositoryCheckerFunc adapts a function to RepositoryChecker.
type RepositoryCheckerFunc func(ctx context.Context, rawURL string) (RepositoryLocation, error)

// CheckRepository calls f.
func (f RepositoryCheckerFunc) CheckRepository(ctx context.Context, rawURL string) (RepositoryLocation, error) {
	return f(ctx, rawURL)
}

// WithRepositoryChecker sets the egress policy RegisterRepository applies.
func WithRepositoryChecker(c RepositoryChecker) Option { return func(s *Service) { s.repos = c } }

// RegisterRepository registers a public software repository: it checks the
// URL with the repository checker (the egress policy, WithRepositoryChecker)
// and creates the PUBLIC asset and its Mirror, due at once. Registering a
// URL again returns what exists (and creates the mirror if an earlier call
// stopped half-way). Any signed-in officer may register.
func (s *Service) RegisterRepository(ctx context.Context, rawURL string) (Asset, Mirror, error) {
	if _, err := requireSignedIn(ctx); err != nil {
		return Asset{}, Mirror{}, err
	}
	if s.repos == nil {
		return Asset{}, Mirror{}, errors.New("register repository: the service has no repository checker")
	}
	loc, err := s.repos.CheckRepository(ctx, rawURL)
	if err != nil {
		return Asset{}, Mirror{}, err
	}
	a, err := s.store.Assets().GetByRepositoryURL(ctx, loc.URL)
	switch {
	case errors.Is(err, ErrNotFound):
		a = Asset{Kind: AssetPublic, Name: repositoryName(loc.URL), RepositoryURL: loc.URL}
		if a.Slug, err = s.UniqueSlug(ctx, a.Name); err != nil {
			return Asset{}, Mirror{}, err
		}
		if err := s.CreateAsset(ctx, &a); err != nil {
			return Asset{}, Mirror{}, err
		}
	case err != nil:
		return Asset{}, Mirror{}, err
	}
	m, err := s.store.Mirrors().GetByAsset(ctx, a.ID)
	if err == nil {
		return a, m, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return Asset{}, Mirror{}, err
	}
	now := s.Now()
	m = Mirror{ID: NewID(now), AssetID: a.ID, URL: loc.URL, Path: loc.Path, Status: MirrorNew,
		NextDueAt: now, CreatedAt: now, UpdatedAt: now}
	if err := s.store.Mirrors().Create(ctx, &m, s.audit(ctx, "mirror.create", KindMirror, m.ID, a.PublisherNIT, nil, m)); err != nil {
		return Asset{}, Mirror{}, err
	}
	s.notify(ctx, KindMirror, m.ID, false)
	return a, m, nil
}

// repositoryName is the last segment of a repository URL or path, without
// ".git".
func repositoryName(u string) string {
	p := u
	if pu, err := url.Parse(u); err == nil && pu.Path != "" {
		p = pu.Path
	}
	name := strings.TrimSuffix(path.Base(strings.TrimRight(strings.ReplaceAll(p, "\\", "/"), "/")), ".git")
	if name == "" || name == "." || name == "/" {
		return "repositorio"
	}
	return name
}

// Mirror reads a mirror by id.
func (s *Service) Mirror(ctx context.Context, id string) (Mirror, error) {
	return s.store.Mirrors().Get(ctx, id)
}

// SaveMirrorState writes a sync's bookkeeping of a mirror (check time, refs
// hash, status, error code, failures, next due). Only the system (or an
// administrator) may. Status changes are audited; routine checks are not.
func (s *Service) SaveMirrorState(ctx context.Context, m *Mirror) error {
	if _, err := requireAdmin(ctx); err != nil {
		return err
	}
	before, err := s.store.Mirrors().Get(ctx, m.ID)
	if err != nil {
		return err
	}
	m.UpdatedAt = s.Now()
	var ev *AuditEvent
	if before.Status != m.Status || before.ErrorCode != m.ErrorCode {
		action := "mirror.ok"
		if m.Status == MirrorFailed {
			action = "mirror.fail"
		}
		ev = s.audit(ctx, action, KindMirror, m.ID, "", before, m)
	}
	if err := s.store.Mirrors().Update(ctx, m, ev); err != nil {
		return err
	}
	s.notify(ctx, KindMirror, m.ID, false)
	return nil
}

// RecordRelease creates or replaces the release (AssetID, Tag) a sync found
// (system or administrator only).
func (s *Service) RecordRelease(ctx context.Context, r *Release) (created bool, err error) {
	if _, err := requireAdmin(ctx); err != nil {
		return false, err
	}
	ev, err := s.releaseEvent(ctx, r, s.Now())
	if err != nil {
		return false, err
	}
	created, err = s.store.Releases().Upsert(ctx, r, ev)
	if err != nil {
		return false, err
	}
	s.notify(ctx, KindRelease, r.ID, false)
	return created, nil
}

// releaseEvent checks r, gives a new release its id and times, and returns
// the audit event of recording it.
func (s *Service) releaseEvent(ctx context.Context, r *Release, now time.Time) (*AuditEvent, error) {
	if r.AssetID == "" || r.Tag == "" {
		return nil, Invalid("tag", "a release needs its asset and tag")
	}
	if r.ID == "" {
		r.ID = NewID(now)
		r.CreatedAt = now
	}
	r.UpdatedAt = now
	action := "release.update"
	switch {
	case r.Rev == 0:
		action = "release.create"
	case r.Withdrawn:
		action = "release.withdraw"
	}
	return s.audit(ctx, action, KindRelease, r.ID, "", nil, r), nil
}

// RecordReleases is RecordRelease for many releases in one write.
func (s *Service) RecordReleases(ctx context.Context, rs []*Release) ([]bool, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	now := s.Now()
	evs := make([]*AuditEvent, len(rs))
	for i, r := range rs {
		ev, err := s.releaseEvent(ctx, r, now)
		if err != nil {
			return nil, err
		}
		evs[i] = ev
	}
	created, err := s.store.Releases().UpsertMany(ctx, rs, evs)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		s.notify(ctx, KindRelease, r.ID, false)
	}
	return created, nil
}

// RepositoryMetadata is what a sync read at the head of the default branch.
type RepositoryMetadata struct {
	Commit     string
	Publiccode PubliccodeSnapshot
	// Fields holds the asset values publiccode.yml gives, and FieldNames
	// the JSON names of the fields it set (name, descriptions, license,
	// …). Fields is nil when the file is absent or unreadable.
	Fields     *Asset
	FieldNames []string
	License    string // SPDX, from the licence file
	Readme     string
	Languages  []LanguageShare
}

// ApplyRepositoryMetadata updates a PUBLIC asset from its repository's
// head: fields from publiccode.yml with their provenance (an
// administrator's value is kept), the licence file, README and languages.
// An invalid publiccode.yml marks the asset inactive with the reason; a
// valid one reactivates an asset that was inactive for that reason, unless
// an administrator deactivated it. Nothing is written when nothing
// changed. System or administrator only.
func (s *Service) ApplyRepositoryMetadata(ctx context.Context, assetID string, md RepositoryMetadata) (Asset, bool, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return Asset{}, false, err
	}
	for attempt := 0; ; attempt++ {
		a, err := s.store.Assets().Get(ctx, assetID)
		if err != nil {
			return Asset{}, false, err
		}
		before := a
		s.applyMetadata(&a, md)
		if sameAsset(before, a) {
			return a, false, nil
		}
		a.UpdatedAt = s.Now()
		if err := a.Validate(); err != nil {
			return Asset{}, false, err
		}
		action := "asset.sync"
		switch {
		case before.Active && !a.Active:
			action = "asset.deactivate.metadata"
		case !before.Active && a.Active:
			action = "asset.reactivate.metadata"
		}
		err = s.store.Assets().Update(ctx, &a, s.audit(ctx, action, KindAsset, a.ID, a.PublisherNIT, before, a))
		if errors.Is(err, ErrConflict) && attempt < 3 {
			continue
		}
		if err != nil {
			return Asset{}, false, err
		}
		s.notify(ctx, KindAsset, a.ID, false)
		return a, true, nil
	}
}

func (s *Service) applyMetadata(a *Asset, md RepositoryMetadata) {
	now := s.Now()
	if a.Provenance == nil {
		a.Provenance = map[string]Provenance{}
	}
	set := func(field string, src string, apply func()) {
		if p, ok := a.Provenance[field]; ok && (p.Source == ProvAdmin || p.Source == ProvEntity || p.Source == ProvCIONetwork) {
			return
		}
		// A value from publiccode.yml is not overridden by a detected one.
		if p, ok := a.Provenance[field]; ok && src == ProvRepository && p.Source == ProvPubliccode && md.Fields != nil && slices.Contains(md.FieldNames, field) {
			return
		}
		old := a.Provenance[field]
		apply()
		if old.Source != src || old.Ref != md.Commit {
			a.Provenance[field] = Provenance{Source: src, Ref: md.Commit, At: now}
		}
	}
	if f := md.Fields; f != nil {
		// A field publiccode.yml gave before and no longer gives is cleared.
		for field, p := range a.Provenance {
			if p.Source == ProvPubliccode && !slices.Contains(md.FieldNames, field) && field != "name" {
				clearField(a, field)
				delete(a.Provenance, field)
			}
		}
		for _, name := range md.FieldNames {
			switch name {
			case "name":
				if strings.TrimSpace(f.Name) != "" {
					set(name, ProvPubliccode, func() { a.Name = f.Name })
				}
			case "descriptions":
				set(name, ProvPubliccode, func() { a.Descriptions = f.Descriptions })
			case "publisherNit":
				if f.PublisherNIT == "" || ValidNIT(f.PublisherNIT) {
					set(name, ProvPubliccode, func() { a.PublisherNIT = f.PublisherNIT })
				}
			case "landingUrl":
				if f.LandingURL == "" || validHTTPURL(f.LandingURL) {
					set(name, ProvPubliccode, func() { a.LandingURL = f.LandingURL })
				}
			case "license":
				if f.License != "" && ValidSPDXExpression(f.License) {
					set(name, ProvPubliccode, func() { a.License = f.License })
				}
			case "categories":
				set(name, ProvPubliccode, func() { a.Categories = f.Categories })
			case "softwareType":
				set(name, ProvPubliccode, func() { a.SoftwareType = f.SoftwareType })
			case "developmentStatus":
				if f.DevelopmentStatus == "" || developmentStatuses[f.DevelopmentStatus] {
					set(name, ProvPubliccode, func() { a.DevelopmentStatus = f.DevelopmentStatus })
				}
			case "maintenance":
				set(name, ProvPubliccode, func() { a.Maintenance = f.Maintenance })
			case "platforms":
				set(name, ProvPubliccode, func() { a.Platforms = f.Platforms })
			case "aliases":
				set(name, ProvPubliccode, func() { a.Aliases = f.Aliases })
			}
		}
	}
	if md.License != "" && ValidSPDXExpression(md.License) {
		set("license", ProvRepository, func() { a.License = md.License })
	}
	if md.Languages != nil {
		set("languages", ProvRepository, func() { a.Languages = md.Languages })
	}
	if md.Readme != a.Readme {
		a.Readme = md.Readme
	}
	a.Findings = md.Publiccode.Findings
	invalid := md.Publiccode.Present && !md.Publiccode.Valid
	switch {
	case a.AdminDeactivated:
		// An administrator's decision stands until an administrator undoes it.
	case invalid:
		reason := MetadataInvalidReason
		for _, f := range md.Publiccode.Findings {
			if f.Severity == "error" {
				reason += ": " + f.Key + ": " + f.Message
				break
			}
		}
		a.Active, a.InactiveReason = false, reason
	case !a.Active && strings.HasPrefix(a.InactiveReason, MetadataInvalidReason):
		a.Active, a.InactiveReason = true, ""
	}
}

// sameAsset compares two assets as stored, ignoring the times of
// provenance entries that did not change source or commit.
func sameAsset(a, b Asset) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// DueMirrors lists up to limit mirrors due at now, soonest first.
func (s *Service) DueMirrors(ctx context.Context, now time.Time, limit int) ([]Mirror, error) {
	var out []Mirror
	page := Page{First: MaxPageSize}
	for {
		l, err := s.store.Mirrors().List(ctx, MirrorFilter{DueBefore: &now, Sort: SortDue, Page: page})
		if err != nil {
			return nil, err
		}
		out = append(out, l.Items...)
		if !l.PageInfo.HasNextPage || (limit > 0 && len(out) >= limit) {
			break
		}
		page.After = l.PageInfo.EndCursor
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// AcquireMirrorLease gives holder the mirror for d (system or
// administrator), so that one process syncs it at a time; ErrConflict when
// another holder's lease is still running.
func (s *Service) AcquireMirrorLease(ctx context.Context, id, holder string, d time.Duration) (Mirror, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return Mirror{}, err
	}
	now := s.Now()
	return s.store.Mirrors().AcquireLease(ctx, id, holder, now, now.Add(d))
}

// ReleaseMirrorLease drops holder's lease.
func (s *Service) ReleaseMirrorLease(ctx context.Context, id, holder string) error {
	if _, err := requireAdmin(ctx); err != nil {
		return err
	}
	return s.store.Mirrors().ReleaseLease(ctx, id, holder)
}

// clearField empties an asset field named as in its JSON.
func clearField(a *Asset, field string) {
	switch field {
	case "descriptions":
		a.Descriptions = nil
	case "publisherNit":
		a.PublisherNIT = ""
	case "landingUrl":
		a.LandingURL = ""
	case "license":
		a.License = ""
	case "categories":
		a.Categories = nil
	case "softwareType":
		a.SoftwareType = ""
	case "developmentStatus":
		a.DevelopmentStatus = ""
	case "maintenance":
		a.Maintenance = Maintenance{}
	case "platforms":
		a.Platforms = nil
	case "aliases":
		a.Aliases = nil
	}
}
