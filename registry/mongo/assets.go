package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/acervo-co/acervo/registry"
)

// Repository URLs (canonical and aliases) are unique across assets. A unique
// index on the array would do on MongoDB, but FerretDB v1 indexes the whole
// array as one value, so each URL is claimed in asset_urls (_id = URL)
// before the asset takes it, and released after the asset lets it go. A
// claim whose asset is missing or no longer lists the URL, and that is
// older than the grace period, was left by a stopped process and may be
// taken over.

type assetStore struct {
	k     *kindStore[registry.Asset]
	sorts map[string]sortSpec[registry.Asset]
}

// urlClaim is one entry of asset_urls.
type urlClaim struct {
	URL     string    `bson:"_id"`
	AssetID string    `bson:"assetId"`
	At      time.Time `bson:"at"`
}

func assetURLs(a *registry.Asset) []string {
	var out []string
	seen := map[string]bool{}
	for _, u := range append([]string{a.RepositoryURL}, a.RepositoryAliases...) {
		if u != "" && !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	return out
}

func newAssetStore(s *Store) *assetStore {
	k := newKind(s, s.assetsC, registry.KindAsset,
		func(a *registry.Asset) (*string, *int64) { return &a.ID, &a.Rev },
		func(a *registry.Asset) bson.D {
			urls := assetURLs(a)
			if urls == nil {
				urls = []string{}
			}
			return bson.D{{Key: "nameFold", Value: registry.Fold(a.Name)}, {Key: "repoUrls", Value: urls}}
		}, "nameFold", "repoUrls")
	return &assetStore{k: k, sorts: map[string]sortSpec[registry.Asset]{
		registry.SortName:    strSort("nameFold", false, func(a *registry.Asset) string { return registry.Fold(a.Name) }),
		registry.SortUpdated: timeSort("updatedAt", true, func(a *registry.Asset) time.Time { return a.UpdatedAt }),
		registry.SortCreated: timeSort("createdAt", true, func(a *registry.Asset) time.Time { return a.CreatedAt }),
	}}
}

func (st *assetStore) Create(ctx context.Context, a *registry.Asset, ev *registry.AuditEvent) error {
	if a.ID == "" {
		a.ID = registry.NewID(st.k.s.cfg.now())
	}
	claimed, err := st.claim(ctx, a.ID, assetURLs(a))
	if err != nil {
		return err
	}
	if err := st.k.create(ctx, a, ev); err != nil {
		st.release(ctx, a.ID, claimed)
		return err
	}
	return nil
}

func (st *assetStore) Get(ctx context.Context, id string) (registry.Asset, error) {
	return st.k.get(ctx, id)
}

func (st *assetStore) GetBySlug(ctx context.Context, slug string) (registry.Asset, error) {
	return st.k.one(ctx, bson.D{{Key: "slug", Value: slug}})
}

func (st *assetStore) GetByRepositoryURL(ctx context.Context, url string) (registry.Asset, error) {
	if url == "" {
		return registry.Asset{}, registry.ErrNotFound
	}
	return st.k.one(ctx, bson.D{{Key: "repoUrls", Value: url}})
}

func (st *assetStore) GetMany(ctx context.Context, ids []string) ([]registry.Asset, error) {
	return st.k.many(ctx, "_id", ids, func(a *registry.Asset) string { return a.ID })
}

func (st *assetStore) Update(ctx context.Context, a *registry.Asset, ev *registry.AuditEvent) error {
	cur, err := st.Get(ctx, a.ID)
	if err != nil {
		return err
	}
	if cur.Rev != a.Rev {
		return fmt.Errorf("%w: asset %s is at revision %d, not %d", registry.ErrConflict, a.ID, cur.Rev, a.Rev)
	}
	claimed, err := st.claim(ctx, a.ID, assetURLs(a))
	if err != nil {
		return err
	}
	if err := st.k.update(ctx, a, ev); err != nil {
		st.release(ctx, a.ID, claimed)
		return err
	}
	st.release(ctx, a.ID, minus(assetURLs(&cur), assetURLs(a)))
	return nil
}

func (st *assetStore) Delete(ctx context.Context, id string, rev int64, ev *registry.AuditEvent) error {
	cur, err := st.Get(ctx, id)
	if err != nil {
		return err
	}
	if err := st.k.delete(ctx, id, rev, ev); err != nil {
		return err
	}
	st.release(ctx, id, assetURLs(&cur))
	return nil
}

// claim takes every URL for the asset and returns those it newly took; on
// a conflict it releases them and fails.
func (st *assetStore) claim(ctx context.Context, assetID string, urls []string) ([]string, error) {
	var took []string
	for _, u := range urls {
		ok, err := st.claimOne(ctx, assetID, u)
		if err != nil {
			st.release(ctx, assetID, took)
			return nil, err
		}
		if ok {
			took = append(took, u)
		}
	}
	return took, nil
}

func (st *assetStore) claimOne(ctx context.Context, assetID, url string) (bool, error) {
	s := st.k.s
	for range maxAttempts {
		_, err := s.insertOne(ctx, s.assetURLs, urlClaim{URL: url, AssetID: assetID, At: s.now()})
		if err == nil {
			return true, st.verify(ctx, assetID, url)
		}
		if !isDup(err) {
			return false, err
		}
		var c urlClaim
		err = s.assetURLs.FindOne(ctx, bson.D{{Key: "_id", Value: url}}).Decode(&c)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue // released meanwhile
		}
		if err != nil {
			return false, err
		}
		if c.AssetID == assetID {
			return false, nil
		}
		owner, err := st.Get(ctx, c.AssetID)
		if err != nil && !errors.Is(err, registry.ErrNotFound) {
			return false, err
		}
		held := err == nil && contains(assetURLs(&owner), url)
		if held || s.now().Sub(c.At) < s.cfg.grace {
			return false, fmt.Errorf("%w: repository URL %s belongs to asset %s", registry.ErrConflict, url, c.AssetID)
		}
		// An orphan claim: take it over if nobody else did.
		ok, err := s.updateByID(ctx, s.assetURLs, url, guard{owner: c.AssetID},
			bson.D{{Key: "$set", Value: bson.D{{Key: "assetId", Value: assetID}, {Key: "at", Value: s.now()}}}})
		if err != nil {
			return false, err
		}
		if ok {
			return true, st.verify(ctx, assetID, url)
		}
	}
	return false, fmt.Errorf("%w: repository URL %s: too many concurrent claims", registry.ErrConflict, url)
}

// verify checks, after a claim was taken, that no other asset lists the
// URL: a claim can go missing while its asset keeps the URL (a failed
// update releases a claim a concurrent update of the same asset relied
// on), and the asset documents are the truth. On a conflict the claim is
// released.
func (st *assetStore) verify(ctx context.Context, assetID, url string) error {
	other, err := st.k.one(ctx, bson.D{{Key: "repoUrls", Value: url}, {Key: "_id", Value: bson.D{{Key: "$ne", Value: assetID}}}})
	if errors.Is(err, registry.ErrNotFound) {
		return nil
	}
	if err == nil {
		st.release(ctx, assetID, []string{url})
		err = fmt.Errorf("%w: repository URL %s belongs to asset %s", registry.ErrConflict, url, other.ID)
	}
	return err
}

// release drops the asset's claims on urls. A failure only leaves orphan
// claims, which later claims take over.
func (st *assetStore) release(ctx context.Context, assetID string, urls []string) {
	if len(urls) == 0 {
		return
	}
	s := st.k.s
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, err := s.deleteMany(ctx, s.assetURLs, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: urls}}}, {Key: "assetId", Value: assetID}}); err != nil {
		s.logger().Warn("mongo: releasing repository URL claims failed", "asset", assetID, "err", err)
	}
}

func (st *assetStore) List(ctx context.Context, f registry.AssetFilter) (registry.List[registry.Asset], error) {
	var c conds
	c.in("_id", f.IDs)
	c.eqStr("kind", string(f.Kind))
	if f.Active != nil {
		c.eq("active", *f.Active)
	}
	c.eqStr("publisherNit", f.PublisherNIT)
	c.eqStr("categories", f.Category)
	c.eqStr("license", f.License)
	c.eqStr("languages.name", f.Language)
	c.eqStr("developmentStatus", f.DevelopmentStatus)
	if f.AdopterNIT != "" || f.AdopterDepartment != "" {
		ids, err := st.adopted(ctx, f.AdopterNIT, f.AdopterDepartment)
		if err != nil {
			return registry.List[registry.Asset]{}, err
		}
		c.in("_id", ids)
	}
	return st.k.page(ctx, c.and(), st.sorts, f.Sort, registry.SortName, f.Page)
}

// adopted lists the assets adopted by an entity and/or by the entities of a
// department (FerretDB has no $lookup: two queries joined in Go).
func (st *assetStore) adopted(ctx context.Context, nit, dept string) ([]string, error) {
	s := st.k.s
	var c conds
	c.eqStr("entityNit", nit)
	if dept != "" {
		ents, err := s.entities.k.all(ctx, bson.D{{Key: "departmentCode", Value: dept}}, nil)
		if err != nil {
			return nil, err
		}
		nits := make([]string, 0, len(ents))
		for _, e := range ents {
			nits = append(nits, e.NIT)
		}
		c.in("entityNit", nits)
	}
	ads, err := s.adoptions.k.all(ctx, c.and(), nil)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(ads))
	seen := map[string]bool{}
	for _, a := range ads {
		if !seen[a.AssetID] {
			seen[a.AssetID] = true
			ids = append(ids, a.AssetID)
		}
	}
	return ids, nil
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// minus returns the elements of a not in b.
func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
