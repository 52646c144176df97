package registry

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// TextSearcher finds assets and purchases by free text; registry/search
// implements it over its bleve index (an adapter in main wires it). The
// Service methods that take one work without it, from the store alone,
// with less recall.
type TextSearcher interface {
	// SearchAssetIDs returns the ids of the assets that best match text,
	// best first.
	SearchAssetIDs(ctx context.Context, text string, limit int) ([]string, error)
	// SearchPurchaseIDs returns the ids of the purchases that best match
	// text, best first, restricted to an UNSPSC prefix when not empty.
	SearchPurchaseIDs(ctx context.Context, text, unspsc string, limit int) ([]string, error)
}

// Reasons an asset is inactive that the matcher sets on the COMMERCIAL
// assets it proposes.
const (
	// ReasonProposed: the matcher proposed this commercial product because
	// its name recurs across entities' purchases; a person accepts it.
	ReasonProposed = "PROPOSED"
	// ReasonProposalRejected: a person rejected the proposal; it is kept
	// so the matcher never proposes it again.
	ReasonProposalRejected = "PROPOSAL_REJECTED"
)

// WithdrawSuggestion removes a suggested link the matcher no longer
// supports (the purchase or the asset's aliases changed). Decided links
// are never withdrawn. Administrators and the system.
func (s *Service) WithdrawSuggestion(ctx context.Context, id string) error {
	if _, err := requireAdmin(ctx); err != nil {
		return err
	}
	l, err := s.store.Links().Get(ctx, id)
	if err != nil {
		return err
	}
	if l.State != LinkSuggested {
		return Invalid("state", "only a suggestion can be withdrawn; this link is %s", l.State)
	}
	if err := s.store.Links().Delete(ctx, l.ID, l.Rev, s.audit(ctx, "link.withdraw", KindLink, l.ID, "", l, nil)); err != nil {
		return err
	}
	s.notify(ctx, KindLink, l.ID, true)
	return nil
}

// LinkReview is a suggested link with what a person needs to decide it.
type LinkReview struct {
	Link     PurchaseLink `json:"link"`
	Purchase Purchase     `json:"purchase"`
	Asset    Asset        `json:"asset"`
}

// LinkReviewFilter selects the links waiting for a decision.
type LinkReviewFilter struct {
	EntityNIT string // buyer; empty for administrators: every entity
	AssetID   string
	State     string // default SUGGESTED
	Limit     int    // default 50, at most MaxPageSize
	// After is the purchase id (with EntityNIT) or link cursor (without) to
	// continue from; Next of the previous result.
	After string
}

// LinkReviews is one page of links to review.
type LinkReviews struct {
	Items []LinkReview `json:"items"`
	Next  string       `json:"next,omitempty"`
}

// LinksToReview lists the links waiting for a person of the entity (its
// procurement and cio officers; administrators see every entity), best
// score first within each purchase.
func (s *Service) LinksToReview(ctx context.Context, f LinkReviewFilter) (LinkReviews, error) {
	a, err := requireSignedIn(ctx)
	if err != nil {
		return LinkReviews{}, err
	}
	if f.State == "" {
		f.State = LinkSuggested
	}
	if f.Limit <= 0 || f.Limit > MaxPageSize {
		f.Limit = 50
	}
	var out LinkReviews
	if f.EntityNIT == "" {
		if !a.IsAdmin() {
			return LinkReviews{}, ErrForbidden
		}
		l, err := s.store.Links().List(ctx, LinkFilter{AssetID: f.AssetID, State: f.State, Page: Page{First: f.Limit, After: f.After}})
		if err != nil {
			return LinkReviews{}, err
		}
		if err := s.fillReviews(ctx, a, l.Items, &out); err != nil {
			return LinkReviews{}, err
		}
		if l.PageInfo.HasNextPage {
			out.Next = l.PageInfo.EndCursor
		}
		return out, nil
	}
	if !a.Has(f.EntityNIT, RoleProcurement, RoleCIO) {
		return LinkReviews{}, ErrForbidden
	}
	// Walk the entity's purchases in id order, collecting their links.
	after := f.After
	for pages := 0; pages < 50 && len(out.Items) < f.Limit; pages++ {
		ps, err := s.store.Purchases().List(ctx, PurchaseFilter{BuyerNIT: f.EntityNIT, Sort: SortDate, Page: Page{First: MaxPageSize, After: after}})
		if err != nil {
			return LinkReviews{}, err
		}
		if len(ps.Items) == 0 {
			break
		}
		ids := make([]string, len(ps.Items))
		for i, p := range ps.Items {
			ids[i] = p.ID
		}
		ls, err := s.store.Links().List(ctx, LinkFilter{PurchaseIDs: ids, AssetID: f.AssetID, State: f.State, Page: Page{First: MaxPageSize}})
		if err != nil {
			return LinkReviews{}, err
		}
		if err := s.fillReviews(ctx, a, ls.Items, &out); err != nil {
			return LinkReviews{}, err
		}
		if !ps.PageInfo.HasNextPage {
			after = ""
			break
		}
		after = ps.PageInfo.EndCursor
	}
	out.Next = after
	return out, nil
}

func (s *Service) fillReviews(ctx context.Context, a Actor, ls []PurchaseLink, out *LinkReviews) error {
	if len(ls) == 0 {
		return nil
	}
	pids, aids := make([]string, 0, len(ls)), make([]string, 0, len(ls))
	for _, l := range ls {
		pids, aids = append(pids, l.PurchaseID), append(aids, l.AssetID)
	}
	ps, err := s.store.Purchases().GetMany(ctx, pids)
	if err != nil {
		return err
	}
	as, err := s.store.Assets().GetMany(ctx, aids)
	if err != nil {
		return err
	}
	pm, am := map[string]Purchase{}, map[string]Asset{}
	for _, p := range ps {
		pm[p.ID] = MaskPurchase(a, p)
	}
	for _, x := range as {
		x.Readme = ""
		am[x.ID] = x
	}
	for _, l := range ls {
		p, ok1 := pm[l.PurchaseID]
		x, ok2 := am[l.AssetID]
		if ok1 && ok2 {
			out.Items = append(out.Items, LinkReview{Link: l, Purchase: p, Asset: x})
		}
	}
	return nil
}

// ProposeCommercialAsset records a COMMERCIAL asset the matcher proposes
// because name recurs across entities' purchases. It is inactive with
// reason PROPOSED until a person accepts it. Nothing is written when an
// asset with that slug or one of those aliases exists (accepted, proposed
// or rejected): created is false. The system and administrators.
func (s *Service) ProposeCommercialAsset(ctx context.Context, name string, aliases []string, evidence string) (Asset, bool, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return Asset{}, false, err
	}
	name = strings.TrimSpace(name)
	slug := Slugify(name)
	if slug == "" {
		return Asset{}, false, Invalid("name", "is required")
	}
	if existing, err := s.store.Assets().GetBySlug(ctx, slug); err == nil {
		return existing, false, nil
	} else if !errors.Is(err, ErrNotFound) {
		return Asset{}, false, err
	}
	now := s.Now()
	a := Asset{
		ID: NewID(now), Kind: AssetCommercial, Slug: slug, Name: name, Aliases: trimAll(append([]string{name}, aliases...)),
		Active: false, InactiveReason: ReasonProposed, CreatedAt: now, UpdatedAt: now,
		Descriptions: map[string]Description{"es": {ShortDescription: evidence}},
		Provenance:   map[string]Provenance{"name": {Source: ProvImport, Ref: "matcher", At: now}},
	}
	if err := a.Validate(); err != nil {
		return Asset{}, false, err
	}
	if err := s.store.Assets().Create(ctx, &a, s.audit(ctx, "asset.propose", KindAsset, a.ID, "", nil, a)); err != nil {
		if errors.Is(err, ErrConflict) {
			return Asset{}, false, nil
		}
		return Asset{}, false, err
	}
	s.notify(ctx, KindAsset, a.ID, false)
	return a, true, nil
}

// DecideProposedAsset accepts (the asset becomes active and the matcher
// links purchases to it) or rejects (it stays, inactive, so it is never
// proposed again) a COMMERCIAL asset the matcher proposed. Any officer
// with the procurement, cio or editor role, and administrators.
func (s *Service) DecideProposedAsset(ctx context.Context, id string, accept bool) (Asset, error) {
	a, err := requireSignedIn(ctx)
	if err != nil {
		return Asset{}, err
	}
	if !a.IsAdmin() && len(a.Entities(RoleProcurement, RoleCIO, RoleEditor)) == 0 {
		return Asset{}, ErrForbidden
	}
	x, err := s.store.Assets().Get(ctx, id)
	if err != nil {
		return Asset{}, err
	}
	if x.InactiveReason != ReasonProposed {
		return Asset{}, Invalid("id", "%s is not a proposed asset", x.Name)
	}
	before := x
	x.UpdatedAt = s.Now()
	action := "asset.proposal.reject"
	if accept {
		x.Active, x.InactiveReason, action = true, "", "asset.proposal.accept"
	} else {
		x.InactiveReason = ReasonProposalRejected
	}
	if err := s.store.Assets().Update(ctx, &x, s.audit(ctx, action, KindAsset, x.ID, "", before, x)); err != nil {
		return Asset{}, err
	}
	s.notify(ctx, KindAsset, x.ID, false)
	return x, nil
}

// ProposedAssets lists the COMMERCIAL assets waiting for acceptance.
func (s *Service) ProposedAssets(ctx context.Context, p Page) (List[Asset], error) {
	inactive := false
	var out List[Asset]
	for pages := 0; pages < 100; pages++ {
		l, err := s.Assets(ctx, AssetFilter{Kind: AssetCommercial, Active: &inactive, Page: p})
		if err != nil {
			return List[Asset]{}, err
		}
		for i, a := range l.Items {
			if a.InactiveReason == ReasonProposed {
				out.Items = append(out.Items, a)
				out.Cursors = append(out.Cursors, l.Cursors[i])
			}
		}
		out.PageInfo = l.PageInfo
		if len(out.Items) > 0 || !l.PageInfo.HasNextPage {
			break
		}
		p.After = l.PageInfo.EndCursor
	}
	return out, nil
}

// BeforeBuyingQuery is what a procurement officer plans to buy.
type BeforeBuyingQuery struct {
	Text   string `json:"text"`
	UNSPSC string `json:"unspsc,omitempty"` // 2 to 8 digits: segment, family, class or commodity
	Budget *int64 `json:"budget,omitempty"` // pesos
	// Since limits prior purchases to those signed from this year on
	// (default: six years back).
	Since int `json:"since,omitempty"`
	// MaxPurchases bounds the purchases listed (default 50); statistics
	// use up to SampleLimit purchases.
	MaxPurchases int `json:"maxPurchases,omitempty"`
}

// BeforeBuyingSampleLimit bounds the purchases read to compute statistics.
const BeforeBuyingSampleLimit = 20000

// AdopterSummary is one entity that adopted an asset.
type AdopterSummary struct {
	EntityNIT    string `json:"entityNit"`
	EntityName   string `json:"entityName,omitempty"`
	Release      string `json:"release,omitempty"` // tag or constraint
	Status       string `json:"status"`
	Verification string `json:"verification"`
}

// AssetFit is a public asset that may serve what the officer plans to buy.
type AssetFit struct {
	Asset         Asset            `json:"asset"`
	Reasons       []string         `json:"reasons"`
	AdopterCount  int              `json:"adopterCount"`
	Adopters      []AdopterSummary `json:"adopters"` // up to 20
	LatestRelease *Release         `json:"latestRelease,omitempty"`
	Contacts      []Contact        `json:"contacts,omitempty"`
	LinkedBuys    int              `json:"linkedPurchases"` // prior purchases of this kind linked to it
	TextMatch     bool             `json:"textMatch"`       // its name or description matches the text
}

// PriceStats summarise the values of purchases of one year.
type PriceStats struct {
	Year   int   `json:"year"`
	Count  int   `json:"count"`
	Min    int64 `json:"min"`
	Median int64 `json:"median"`
	Max    int64 `json:"max"`
	Total  int64 `json:"total"`
	// Unpriced counts the purchases below MinPrice, left out of Min, Median
	// and Max (all of them: the three are 0).
	Unpriced int `json:"unpriced"`
}

// FrameworkSeen is a TVEC framework agreement prior purchases used.
type FrameworkSeen struct {
	Name  string    `json:"name"`
	Count int       `json:"count"`
	Total int64     `json:"total"`
	Last  time.Time `json:"last"`
}

// PartySpend is what a supplier (or buyer) received (or spent).
type PartySpend struct {
	Doc   string `json:"doc,omitempty"`
	Name  string `json:"name"`
	Count int    `json:"count"`
	Total int64  `json:"total"`
}

// BeforeBuying is the answer of the "antes de comprar" check.
type BeforeBuying struct {
	Query         BeforeBuyingQuery `json:"query"`
	Assets        []AssetFit        `json:"assets"`
	Purchases     []Purchase        `json:"purchases"`     // newest first, masked
	PurchaseCount int               `json:"purchaseCount"` // prior purchases of this kind found
	// WithoutContract counts the records of this kind, in the same years,
	// whose process never became a contract or order (NoContract): left
	// out of the purchases and of every figure.
	WithoutContract int             `json:"withoutContract"`
	Sampled         bool            `json:"sampled"` // statistics over the first BeforeBuyingSampleLimit only
	ByYear          []PriceStats    `json:"byYear"`
	Overall         PriceStats      `json:"overall"` // Year 0
	Frameworks      []FrameworkSeen `json:"frameworks"`
	TopSuppliers    []PartySpend    `json:"topSuppliers"`
	Buyers          int             `json:"buyers"` // distinct buying entities
	Total           int64           `json:"total"`  // pesos the State spent on this kind
	// BudgetNote compares the budget with what the same kind cost (Spanish).
	BudgetNote string `json:"budgetNote,omitempty"`
}

// AntesDeComprar answers an officer who plans to buy something: the public
// assets that fit, the prior purchases of the same kind (who bought, from
// whom, when, for how much, with minimum, median and maximum by year), the
// TVEC framework agreements used and the total the State spent. Anyone can
// ask; natural persons' documents are masked for anonymous readers. ts may
// be nil: then purchases are found by UNSPSC code only and assets by name.
func (s *Service) AntesDeComprar(ctx context.Context, q BeforeBuyingQuery, ts TextSearcher) (BeforeBuying, error) {
	q.Text = strings.TrimSpace(q.Text)
	q.UNSPSC = strings.TrimPrefix(strings.TrimSpace(q.UNSPSC), "V1.")
	var fe fieldErrors
	if q.Text == "" && q.UNSPSC == "" {
		fe.add("text", "describe what you plan to buy, or give an UNSPSC code")
	}
	if q.UNSPSC != "" && (len(q.UNSPSC) < 2 || len(q.UNSPSC) > 8 || !allDigits(q.UNSPSC)) {
		fe.add("unspsc", "%q is not an UNSPSC code (2 to 8 digits)", q.UNSPSC)
	}
	if q.Budget != nil && *q.Budget < 0 {
		fe.add("budget", "must not be negative")
	}
	if len(q.Text) > 500 {
		fe.add("text", "at most 500 characters")
	}
	if err := fe.err(); err != nil {
		return BeforeBuying{}, err
	}
	if q.MaxPurchases <= 0 || q.MaxPurchases > 500 {
		q.MaxPurchases = 50
	}
	if q.Since == 0 {
		q.Since = s.Now().In(bogota).Year() - 6
	}
	actor := ActorFrom(ctx)
	out := BeforeBuying{Query: q}

	// Prior purchases of this kind.
	var prior []Purchase
	switch {
	case q.Text != "" && ts != nil:
		ids, err := ts.SearchPurchaseIDs(ctx, q.Text, q.UNSPSC, BeforeBuyingSampleLimit)
		if err != nil {
			return BeforeBuying{}, err
		}
		for i := 0; i < len(ids); i += 500 {
			ps, err := s.store.Purchases().GetMany(ctx, ids[i:min(i+500, len(ids))])
			if err != nil {
				return BeforeBuying{}, err
			}
			prior = append(prior, ps...)
		}
		out.Sampled = len(ids) >= BeforeBuyingSampleLimit
	case q.UNSPSC != "":
		err := s.store.Purchases().Scan(ctx, PurchaseFilter{UNSPSC: q.UNSPSC}, func(ps []Purchase) error {
			prior = append(prior, ps...)
			if len(prior) >= BeforeBuyingSampleLimit {
				out.Sampled = true
				return errStopScan
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStopScan) {
			return BeforeBuying{}, err
		}
	}
	prior = slices.DeleteFunc(prior, func(p Purchase) bool {
		if p.Year != 0 && p.Year < q.Since {
			return true
		}
		if NoContract(p.Status) {
			out.WithoutContract++
			return true
		}
		return false
	})
	out.PurchaseCount = len(prior)
	summarisePurchases(prior, &out)
	sort.SliceStable(prior, func(i, j int) bool { return purchaseDate(prior[i]).After(purchaseDate(prior[j])) })
	for _, p := range prior[:min(len(prior), q.MaxPurchases)] {
		out.Purchases = append(out.Purchases, MaskPurchase(actor, p))
	}
	if q.Budget != nil && out.Overall.Count > out.Overall.Unpriced {
		out.BudgetNote = budgetNote(*q.Budget, out.Overall)
	}

	// Public assets that fit: found by text, and linked to prior purchases.
	fits := map[string]*AssetFit{}
	var order []string
	add := func(id, reason string) {
		f := fits[id]
		if f == nil {
			f = &AssetFit{}
			fits[id] = f
			order = append(order, id)
		}
		if reason == reasonText || reason == reasonName {
			f.TextMatch = true
		}
		if !slices.Contains(f.Reasons, reason) {
			f.Reasons = append(f.Reasons, reason)
		}
	}
	if q.Text != "" && ts != nil {
		ids, err := ts.SearchAssetIDs(ctx, q.Text, 20)
		if err != nil {
			return BeforeBuying{}, err
		}
		for _, id := range ids {
			add(id, reasonText)
		}
	} else if q.Text != "" {
		if err := s.assetsByName(ctx, q.Text, add); err != nil {
			return BeforeBuying{}, err
		}
	}
	if len(prior) > 0 {
		pids := make([]string, 0, len(prior))
		for _, p := range prior {
			pids = append(pids, p.ID)
		}
		linked := map[string]int{}
		for i := 0; i < len(pids) && i < 5000; i += MaxPageSize {
			l, err := s.store.Links().List(ctx, LinkFilter{PurchaseIDs: pids[i:min(i+MaxPageSize, len(pids))], Page: Page{First: MaxPageSize}})
			if err != nil {
				return BeforeBuying{}, err
			}
			for _, x := range l.Items {
				if x.State != LinkRejected {
					linked[x.AssetID]++
				}
			}
		}
		for id, n := range linked {
			add(id, plural(n, "1 compra de este tipo se vincula a él", "%d compras de este tipo se vinculan a él"))
			fits[id].LinkedBuys = n
		}
	}
	if len(order) > 0 {
		as, err := s.store.Assets().GetMany(ctx, order)
		if err != nil {
			return BeforeBuying{}, err
		}
		ids := make([]string, 0, len(as))
		byID := map[string]Asset{}
		for _, a := range as {
			if a.Kind != AssetPublic || !a.Active {
				continue
			}
			a.Readme = ""
			byID[a.ID] = a
			ids = append(ids, a.ID)
		}
		ads, err := s.store.Adoptions().ForAssets(ctx, ids)
		if err != nil {
			return BeforeBuying{}, err
		}
		rels, err := s.store.Releases().ForAssets(ctx, ids)
		if err != nil {
			return BeforeBuying{}, err
		}
		adByAsset := map[string][]Adoption{}
		for _, ad := range ads {
			if ad.Status != AdoptionRetired {
				adByAsset[ad.AssetID] = append(adByAsset[ad.AssetID], ad)
			}
		}
		relByAsset := map[string][]Release{}
		for _, r := range rels {
			relByAsset[r.AssetID] = append(relByAsset[r.AssetID], r)
		}
		var nits []string
		for _, id := range order {
			for _, ad := range adByAsset[id] {
				nits = append(nits, ad.EntityNIT)
			}
		}
		names := map[string]string{}
		if len(nits) > 0 {
			es, err := s.store.Entities().GetMany(ctx, nits)
			if err != nil {
				return BeforeBuying{}, err
			}
			for _, e := range es {
				names[e.NIT] = e.Name
			}
		}
		for _, id := range order {
			a, ok := byID[id]
			if !ok {
				continue
			}
			f := fits[id]
			f.Asset, f.Contacts = a, a.Maintenance.Contacts
			seen := map[string]bool{}
			for _, ad := range adByAsset[id] {
				if seen[ad.EntityNIT] {
					continue
				}
				seen[ad.EntityNIT] = true
				if len(f.Adopters) < 20 {
					rel := ad.ReleaseTag
					if rel == "" {
						rel = ad.Constraint
					}
					f.Adopters = append(f.Adopters, AdopterSummary{EntityNIT: ad.EntityNIT, EntityName: names[ad.EntityNIT], Release: rel, Status: ad.Status, Verification: ad.Verification})
				}
			}
			f.AdopterCount = len(seen)
			if r, ok := LatestRelease(relByAsset[id]); ok {
				f.LatestRelease = &r
			}
			if f.AdopterCount > 0 {
				f.Reasons = append(f.Reasons, plural(f.AdopterCount, "1 entidad lo usa", "%d entidades lo usan"))
			}
			out.Assets = append(out.Assets, *f)
		}
		sort.SliceStable(out.Assets, func(i, j int) bool {
			a, b := out.Assets[i], out.Assets[j]
			if a.LinkedBuys+a.AdopterCount != b.LinkedBuys+b.AdopterCount {
				return a.LinkedBuys+a.AdopterCount > b.LinkedBuys+b.AdopterCount
			}
			return a.Asset.Name < b.Asset.Name
		})
	}
	return out, nil
}

var errStopScan = errors.New("stop scan")

// bogota is Colombia's zone (UTC−5 all year since 1993).
var bogota = time.FixedZone("America/Bogota", -5*60*60)

func purchaseDate(p Purchase) time.Time {
	switch {
	case p.SignedAt != nil:
		return *p.SignedAt
	case p.StartAt != nil:
		return *p.StartAt
	}
	return p.CreatedAt
}

func purchaseYear(p Purchase) int {
	if p.Year != 0 {
		return p.Year
	}
	if p.SignedAt != nil {
		return p.SignedAt.In(bogota).Year()
	}
	return 0
}

// summarisePurchases fills the statistics of a BeforeBuying.
func summarisePurchases(ps []Purchase, out *BeforeBuying) {
	byYear := map[int][]int64{}
	var all []int64
	frameworks := map[string]*FrameworkSeen{}
	suppliers := map[string]*PartySpend{}
	buyers := map[string]bool{}
	for _, p := range ps {
		y := purchaseYear(p)
		byYear[y] = append(byYear[y], p.Value)
		all = append(all, p.Value)
		out.Total += p.Value
		if p.BuyerNIT != "" {
			buyers[p.BuyerNIT] = true
		}
		if p.FrameworkAgreement != "" {
			f := frameworks[p.FrameworkAgreement]
			if f == nil {
				f = &FrameworkSeen{Name: p.FrameworkAgreement}
				frameworks[p.FrameworkAgreement] = f
			}
			f.Count++
			f.Total += p.Value
			if d := purchaseDate(p); d.After(f.Last) {
				f.Last = d
			}
		}
		key := p.Supplier.DocNumber
		if key == "" {
			key = Fold(p.Supplier.Name)
		}
		if key != "" {
			sp := suppliers[key]
			if sp == nil {
				sp = &PartySpend{Name: p.Supplier.Name}
				if !p.Supplier.NaturalPerson {
					sp.Doc = p.Supplier.DocNumber
				}
				suppliers[key] = sp
			}
			sp.Count++
			sp.Total += p.Value
		}
	}
	out.Buyers = len(buyers)
	for y, vs := range byYear {
		st := priceStats(vs)
		st.Year = y
		out.ByYear = append(out.ByYear, st)
	}
	sort.Slice(out.ByYear, func(i, j int) bool { return out.ByYear[i].Year > out.ByYear[j].Year })
	out.Overall = priceStats(all)
	for _, f := range frameworks {
		out.Frameworks = append(out.Frameworks, *f)
	}
	sort.Slice(out.Frameworks, func(i, j int) bool {
		if out.Frameworks[i].Total != out.Frameworks[j].Total {
			return out.Frameworks[i].Total > out.Frameworks[j].Total
		}
		return out.Frameworks[i].Name < out.Frameworks[j].Name
	})
	for _, sp := range suppliers {
		out.TopSuppliers = append(out.TopSuppliers, *sp)
	}
	sort.Slice(out.TopSuppliers, func(i, j int) bool {
		if out.TopSuppliers[i].Total != out.TopSuppliers[j].Total {
			return out.TopSuppliers[i].Total > out.TopSuppliers[j].Total
		}
		return out.TopSuppliers[i].Name < out.TopSuppliers[j].Name
	})
	out.TopSuppliers = out.TopSuppliers[:min(len(out.TopSuppliers), 10)]
}

// MinPrice is the smallest value, in pesos, taken for a price: SECOP
// records contracts without a value as 0, 1 or 100 pesos, and a minimum of
// "$ 1" tells an officer nothing about what the thing costs.
const MinPrice = 10_000

// priceStats counts and totals values, and computes minimum, median and
// maximum over those that are prices (at least MinPrice).
func priceStats(vs []int64) PriceStats {
	if len(vs) == 0 {
		return PriceStats{}
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	st := PriceStats{Count: len(s)}
	for _, v := range s {
		st.Total += v
	}
	i, _ := slices.BinarySearch(s, MinPrice)
	st.Unpriced = i
	s = s[i:]
	if len(s) == 0 {
		return st
	}
	st.Min, st.Max = s[0], s[len(s)-1]
	if n := len(s); n%2 == 1 {
		st.Median = s[n/2]
	} else {
		st.Median = (s[n/2-1] + s[n/2]) / 2
	}
	return st
}

// budgetNote compares a budget with the prices of the same kind.
func budgetNote(budget int64, st PriceStats) string {
	switch {
	case budget > st.Max:
		return fmt.Sprintf("El presupuesto (%s) supera el valor más alto pagado por compras de este tipo (%s).", Pesos(budget), Pesos(st.Max))
	case budget > st.Median:
		return fmt.Sprintf("El presupuesto (%s) está por encima de la mediana de compras de este tipo (%s).", Pesos(budget), Pesos(st.Median))
	case budget < st.Min:
		return fmt.Sprintf("El presupuesto (%s) está por debajo del valor más bajo pagado por compras de este tipo (%s).", Pesos(budget), Pesos(st.Min))
	}
	return fmt.Sprintf("El presupuesto (%s) está entre el mínimo (%s) y la mediana (%s) de compras de este tipo.", Pesos(budget), Pesos(st.Min), Pesos(st.Median))
}

// Pesos formats whole pesos the Colombian way: "$ 31.500.000".
func Pesos(v int64) string {
	neg := v < 0
	if neg {
		v = -v
	}
	s := strconv.FormatInt(v, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-$ " + b.String()
	}
	return "$ " + b.String()
}

// The reasons an asset fits, in Spanish, for API clients (the web builds
// its own, in the reader's language, from AssetFit's fields).
const (
	reasonText = "coincide con lo que busca"
	reasonName = "su nombre o descripción coincide con lo que busca"
)

// plural is one when n is 1, else many with n in its %d.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return fmt.Sprintf(many, n)
}

// assetsByName finds active public assets whose name or aliases contain
// every word of text (folded): the fallback without a TextSearcher.
func (s *Service) assetsByName(ctx context.Context, text string, add func(id, reason string)) error {
	words := strings.Fields(Fold(text))
	if len(words) == 0 {
		return nil
	}
	active := true
	p := Page{First: MaxPageSize}
	for pages := 0; pages < 200; pages++ {
		l, err := s.store.Assets().List(ctx, AssetFilter{Kind: AssetPublic, Active: &active, Page: p})
		if err != nil {
			return err
		}
		for _, a := range l.Items {
			hay := Fold(a.Name + " " + strings.Join(a.Aliases, " ") + " " + strings.Join(a.Categories, " "))
			for _, d := range a.Descriptions {
				hay += " " + Fold(d.ShortDescription+" "+d.GenericName)
			}
			for _, w := range words {
				if len(w) > 3 && strings.Contains(hay, w) {
					add(a.ID, reasonName)
					break
				}
			}
		}
		if !l.PageInfo.HasNextPage {
			return nil
		}
		p.After = l.PageInfo.EndCursor
	}
	return nil
}

// WriteBeforeBuyingCSV writes the check as CSV (UTF-8, comma-separated):
// a section per part — assets, statistics by year, framework agreements,
// suppliers, purchases — each with its own header row, separated by an
// empty row. The web page and the GraphQL export use it.
func WriteBeforeBuyingCSV(w io.Writer, r BeforeBuying) error {
	cw := csv.NewWriter(w)
	write := func(rec ...string) { _ = cw.Write(rec) }
	budget := ""
	if r.Query.Budget != nil {
		budget = strconv.FormatInt(*r.Query.Budget, 10)
	}
	write("antes_de_comprar", "texto", "unspsc", "presupuesto", "compras_encontradas", "entidades_compradoras", "total_pesos", "nota_presupuesto")
	write("", r.Query.Text, r.Query.UNSPSC, budget, strconv.Itoa(r.PurchaseCount), strconv.Itoa(r.Buyers), strconv.FormatInt(r.Total, 10), r.BudgetNote)
	write()
	write("activo", "slug", "entidades_que_lo_usan", "ultima_version", "compras_vinculadas", "contactos", "razones")
	for _, f := range r.Assets {
		ver := ""
		if f.LatestRelease != nil {
			ver = f.LatestRelease.Tag
		}
		var contacts []string
		for _, c := range f.Contacts {
			contacts = append(contacts, strings.TrimSpace(c.Name+" "+c.Email))
		}
		write(f.Asset.Name, f.Asset.Slug, strconv.Itoa(f.AdopterCount), ver, strconv.Itoa(f.LinkedBuys), strings.Join(contacts, "; "), strings.Join(f.Reasons, "; "))
	}
	write()
	write("anio", "compras", "minimo", "mediana", "maximo", "total")
	for _, y := range r.ByYear {
		write(yearString(y.Year), strconv.Itoa(y.Count), strconv.FormatInt(y.Min, 10), strconv.FormatInt(y.Median, 10), strconv.FormatInt(y.Max, 10), strconv.FormatInt(y.Total, 10))
	}
	write()
	write("acuerdo_marco", "ordenes", "total", "ultima")
	for _, f := range r.Frameworks {
		write(f.Name, strconv.Itoa(f.Count), strconv.FormatInt(f.Total, 10), f.Last.In(bogota).Format("2006-01-02"))
	}
	write()
	write("proveedor", "documento", "compras", "total")
	for _, sp := range r.TopSuppliers {
		write(sp.Name, sp.Doc, strconv.Itoa(sp.Count), strconv.FormatInt(sp.Total, 10))
	}
	write()
	write("fuente", "contrato", "entidad_nit", "entidad", "proveedor", "proveedor_documento", "fecha", "valor", "descripcion", "url")
	for _, p := range r.Purchases {
		date := ""
		if p.SignedAt != nil {
			date = p.SignedAt.In(bogota).Format("2006-01-02")
		}
		write(p.Source, p.ContractID, p.BuyerNIT, p.BuyerName, p.Supplier.Name, p.Supplier.DocNumber, date, strconv.FormatInt(p.Value, 10), p.Description, p.URL)
	}
	cw.Flush()
	return cw.Error()
}

func yearString(y int) string {
	if y == 0 {
		return "sin_fecha"
	}
	return strconv.Itoa(y)
}
