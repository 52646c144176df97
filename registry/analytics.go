package registry

import (
	"context"
	"encoding/csv"
	"io"
	"sort"
	"strconv"
	"strings"
)

// Analytics for the CIO network. Every query reads the store only, is open
// to anyone (the data are public; natural persons' documents are masked
// for anonymous readers) and has a CSV writer used by the web and GraphQL
// exports.

// allAssets reads every asset (without READMEs) matching f, in name order.
func (s *Service) allAssets(ctx context.Context, f AssetFilter) ([]Asset, error) {
	var out []Asset
	f.Page = Page{First: MaxPageSize}
	for {
		l, err := s.store.Assets().List(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, a := range l.Items {
			a.Readme = ""
			out = append(out, a)
		}
		if !l.PageInfo.HasNextPage || len(l.Items) == 0 {
			return out, nil
		}
		f.Page.After = l.PageInfo.EndCursor
	}
}

// entitiesByNIT reads the entities of nits (missing ones skipped).
func (s *Service) entitiesByNIT(ctx context.Context, nits []string) (map[string]Entity, error) {
	out := map[string]Entity{}
	uniq := map[string]bool{}
	var list []string
	for _, n := range nits {
		if n != "" && !uniq[n] {
			uniq[n] = true
			list = append(list, n)
		}
	}
	for i := 0; i < len(list); i += 500 {
		es, err := s.store.Entities().GetMany(ctx, list[i:min(i+500, len(list))])
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			out[e.NIT] = e
		}
	}
	return out, nil
}

// adoptionsOf reads every adoption of the assets, in batches.
func (s *Service) adoptionsOf(ctx context.Context, assets []Asset) ([]Adoption, error) {
	var out []Adoption
	for i := 0; i < len(assets); i += 500 {
		ids := make([]string, 0, 500)
		for _, a := range assets[i:min(i+500, len(assets))] {
			ids = append(ids, a.ID)
		}
		ads, err := s.store.Adoptions().ForAssets(ctx, ids)
		if err != nil {
			return nil, err
		}
		out = append(out, ads...)
	}
	return out, nil
}

// AdoptionFilter of the analytics: empty fields do not filter.
type AdoptionMatrixFilter struct {
	AssetID        string
	DepartmentCode string
	Orden          string
	Sector         string
	// IncludeRetired counts retired adoptions too.
	IncludeRetired bool
}

// AdoptionCell counts the adoptions of one asset by the entities of one
// department, orden and sector.
type AdoptionCell struct {
	AssetID        string `json:"assetId"`
	AssetName      string `json:"assetName"`
	DepartmentCode string `json:"departmentCode"` // "" unknown
	Orden          string `json:"orden"`
	Sector         string `json:"sector"`
	Entities       int    `json:"entities"`
	Adoptions      int    `json:"adoptions"`
	Verified       int    `json:"verified"` // CIO_VERIFIED adoptions
	Production     int    `json:"production"`
}

// AdoptionMatrix counts adoptions by asset × department × orden × sector,
// most adopted first.
func (s *Service) AdoptionMatrix(ctx context.Context, f AdoptionMatrixFilter) ([]AdoptionCell, error) {
	var assets []Asset
	if f.AssetID != "" {
		a, err := s.store.Assets().Get(ctx, f.AssetID)
		if err != nil {
			return nil, err
		}
		assets = []Asset{a}
	} else {
		var err error
		if assets, err = s.allAssets(ctx, AssetFilter{}); err != nil {
			return nil, err
		}
	}
	names := map[string]string{}
	for _, a := range assets {
		names[a.ID] = a.Name
	}
	ads, err := s.adoptionsOf(ctx, assets)
	if err != nil {
		return nil, err
	}
	nits := make([]string, len(ads))
	for i, ad := range ads {
		nits[i] = ad.EntityNIT
	}
	ents, err := s.entitiesByNIT(ctx, nits)
	if err != nil {
		return nil, err
	}
	type key struct{ asset, dept, orden, sector string }
	cells := map[key]*AdoptionCell{}
	seen := map[key]map[string]bool{}
	for _, ad := range ads {
		if ad.Status == AdoptionRetired && !f.IncludeRetired {
			continue
		}
		e := ents[ad.EntityNIT]
		if f.DepartmentCode != "" && e.DepartmentCode != f.DepartmentCode || f.Orden != "" && e.Orden != f.Orden ||
			f.Sector != "" && Fold(e.Sector) != Fold(f.Sector) {
			continue
		}
		k := key{ad.AssetID, e.DepartmentCode, e.Orden, e.Sector}
		c := cells[k]
		if c == nil {
			c = &AdoptionCell{AssetID: ad.AssetID, AssetName: names[ad.AssetID], DepartmentCode: e.DepartmentCode, Orden: e.Orden, Sector: e.Sector}
			cells[k] = c
			seen[k] = map[string]bool{}
		}
		c.Adoptions++
		if !seen[k][ad.EntityNIT] {
			seen[k][ad.EntityNIT] = true
			c.Entities++
		}
		if ad.Verification == VerificationCIOVerified {
			c.Verified++
		}
		if ad.Status == AdoptionProduction {
			c.Production++
		}
	}
	out := make([]AdoptionCell, 0, len(cells))
	for _, c := range cells {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Entities != b.Entities {
			return a.Entities > b.Entities
		}
		return a.AssetName+"|"+a.DepartmentCode+"|"+a.Orden+"|"+a.Sector < b.AssetName+"|"+b.DepartmentCode+"|"+b.Orden+"|"+b.Sector
	})
	return out, nil
}

// WriteAdoptionMatrixCSV writes the adoption matrix as CSV.
func WriteAdoptionMatrixCSV(w io.Writer, cells []AdoptionCell) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"activo_id", "activo", "departamento", "orden", "sector", "entidades", "adopciones", "verificadas_cio", "en_produccion"})
	for _, c := range cells {
		_ = cw.Write([]string{c.AssetID, c.AssetName, c.DepartmentCode, c.Orden, c.Sector, strconv.Itoa(c.Entities),
			strconv.Itoa(c.Adoptions), strconv.Itoa(c.Verified), strconv.Itoa(c.Production)})
	}
	cw.Flush()
	return cw.Error()
}

// Version currency of an adoption.
const (
	CurrencyCurrent     = "CURRENT"      // on the latest release (or a constraint that allows it)
	CurrencyBehindPatch = "BEHIND_PATCH" // same major.minor, older patch
	CurrencyBehindMinor = "BEHIND_MINOR" // same major, older minor
	CurrencyBehindMajor = "BEHIND_MAJOR" // older major
	CurrencyUnknown     = "UNKNOWN"      // no release recorded, or not semver
)

// CurrencyRow is one adoption and how current its version is.
type CurrencyRow struct {
	AdoptionID  string   `json:"adoptionId"`
	AssetID     string   `json:"assetId"`
	AssetName   string   `json:"assetName"`
	EntityNIT   string   `json:"entityNit"`
	EntityName  string   `json:"entityName,omitempty"`
	Version     string   `json:"version,omitempty"` // the release tag, or the constraint
	Latest      string   `json:"latest,omitempty"`
	Currency    string   `json:"currency"`
	Withdrawn   bool     `json:"withdrawn"`            // the adopted release was withdrawn (tag deleted)
	Advisories  []string `json:"advisories,omitempty"` // advisories that hit the adopted version
	Verified    bool     `json:"verified"`
	Environment string   `json:"environment,omitempty"`
}

// CurrencySummary counts the adoptions of one asset by currency.
type CurrencySummary struct {
	AssetID     string `json:"assetId"`
	AssetName   string `json:"assetName"`
	Latest      string `json:"latest,omitempty"`
	Adoptions   int    `json:"adoptions"`
	Current     int    `json:"current"`
	BehindPatch int    `json:"behindPatch"`
	BehindMinor int    `json:"behindMinor"`
	BehindMajor int    `json:"behindMajor"`
	Unknown     int    `json:"unknown"`
	Withdrawn   int    `json:"withdrawn"`
	Vulnerable  int    `json:"vulnerable"`
}

// VersionCurrency tells, for every live adoption (of one asset or all),
// whether it runs the latest release or is behind by major, minor or
// patch, runs a withdrawn release, or a release hit by an advisory.
func (s *Service) VersionCurrency(ctx context.Context, assetID string) ([]CurrencySummary, []CurrencyRow, error) {
	var assets []Asset
	if assetID != "" {
		a, err := s.store.Assets().Get(ctx, assetID)
		if err != nil {
			return nil, nil, err
		}
		assets = []Asset{a}
	} else {
		var err error
		if assets, err = s.allAssets(ctx, AssetFilter{Kind: AssetPublic}); err != nil {
			return nil, nil, err
		}
	}
	ads, err := s.adoptionsOf(ctx, assets)
	if err != nil {
		return nil, nil, err
	}
	adopted := map[string]bool{}
	nits := []string{}
	for _, ad := range ads {
		adopted[ad.AssetID] = true
		nits = append(nits, ad.EntityNIT)
	}
	var ids []string
	for _, a := range assets {
		if adopted[a.ID] {
			ids = append(ids, a.ID)
		}
	}
	rels := map[string][]Release{}
	advs := map[string][]Advisory{}
	for i := 0; i < len(ids); i += 500 {
		part := ids[i:min(i+500, len(ids))]
		rs, err := s.store.Releases().ForAssets(ctx, part)
		if err != nil {
			return nil, nil, err
		}
		for _, r := range rs {
			rels[r.AssetID] = append(rels[r.AssetID], r)
		}
		as, err := s.allAdvisories(ctx, part)
		if err != nil {
			return nil, nil, err
		}
		for _, a := range as {
			advs[a.AssetID] = append(advs[a.AssetID], a)
		}
	}
	ents, err := s.entitiesByNIT(ctx, nits)
	if err != nil {
		return nil, nil, err
	}
	var rows []CurrencyRow
	var sums []CurrencySummary
	for _, a := range assets {
		if !adopted[a.ID] {
			continue
		}
		latest, hasLatest := LatestRelease(rels[a.ID])
		sum := CurrencySummary{AssetID: a.ID, AssetName: a.Name}
		if hasLatest {
			sum.Latest = latest.Tag
		}
		for _, ad := range ads {
			if ad.AssetID != a.ID || ad.Status == AdoptionRetired {
				continue
			}
			row := adoptionCurrency(a, ad, rels[a.ID], advs[a.ID], latest, hasLatest)
			row.EntityName = ents[ad.EntityNIT].Name
			rows = append(rows, row)
			sum.Adoptions++
			switch row.Currency {
			case CurrencyCurrent:
				sum.Current++
			case CurrencyBehindPatch:
				sum.BehindPatch++
			case CurrencyBehindMinor:
				sum.BehindMinor++
			case CurrencyBehindMajor:
				sum.BehindMajor++
			default:
				sum.Unknown++
			}
			if row.Withdrawn {
				sum.Withdrawn++
			}
			if len(row.Advisories) > 0 {
				sum.Vulnerable++
			}
		}
		sums = append(sums, sum)
	}
	sort.SliceStable(sums, func(i, j int) bool {
		bi := sums[i].Adoptions - sums[i].Current
		bj := sums[j].Adoptions - sums[j].Current
		if bi != bj {
			return bi > bj
		}
		return sums[i].AssetName < sums[j].AssetName
	})
	return sums, rows, nil
}

func (s *Service) allAdvisories(ctx context.Context, assetIDs []string) ([]Advisory, error) {
	var out []Advisory
	p := Page{First: MaxPageSize}
	for {
		l, err := s.store.Advisories().List(ctx, AdvisoryFilter{AssetIDs: assetIDs, Page: p})
		if err != nil {
			return nil, err
		}
		out = append(out, l.Items...)
		if !l.PageInfo.HasNextPage || len(l.Items) == 0 {
			return out, nil
		}
		p.After = l.PageInfo.EndCursor
	}
}

// adoptionVersions returns the versions an adoption may run: its exact
// release, or every release its constraint allows (newest first).
func adoptionVersions(ad Adoption, rels []Release) []Release {
	if ad.ReleaseTag != "" {
		for _, r := range rels {
			if r.Tag == ad.ReleaseTag {
				return []Release{r}
			}
		}
		return nil
	}
	if ad.Constraint == "" {
		return nil
	}
	c, err := ParseConstraint(ad.Constraint)
	if err != nil {
		return nil
	}
	var out []Release
	for _, r := range rels {
		if !r.IsRelease || r.Withdrawn {
			continue
		}
		if v, ok := ParseSemver(r.Version); ok && c.Check(v) {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		vi, _ := ParseSemver(out[i].Version)
		vj, _ := ParseSemver(out[j].Version)
		return vi.Compare(vj) > 0
	})
	return out
}

func adoptionCurrency(a Asset, ad Adoption, rels []Release, advs []Advisory, latest Release, hasLatest bool) CurrencyRow {
	row := CurrencyRow{AdoptionID: ad.ID, AssetID: a.ID, AssetName: a.Name, EntityNIT: ad.EntityNIT, Currency: CurrencyUnknown,
		Verified: ad.Verification == VerificationCIOVerified, Environment: ad.Environment}
	row.Version = ad.ReleaseTag
	if row.Version == "" {
		row.Version = ad.Constraint
	}
	if hasLatest {
		row.Latest = latest.Tag
	}
	vs := adoptionVersions(ad, rels)
	if len(vs) == 0 {
		return row
	}
	run := vs[0] // an exact release, or the newest the constraint allows
	row.Withdrawn = ad.ReleaseTag != "" && run.Withdrawn
	for _, adv := range advs {
		for _, r := range vs {
			if adv.Affects(r.Version) {
				row.Advisories = append(row.Advisories, adv.ID)
				break
			}
		}
	}
	v, ok := ParseSemver(run.Version)
	lv, lok := ParseSemver(latest.Version)
	if !ok || !hasLatest || !lok {
		return row
	}
	switch {
	case v.Compare(lv) >= 0:
		row.Currency = CurrencyCurrent
	case v.Major < lv.Major:
		row.Currency = CurrencyBehindMajor
	case v.Minor < lv.Minor:
		row.Currency = CurrencyBehindMinor
	default:
		row.Currency = CurrencyBehindPatch
	}
	return row
}

// WriteVersionCurrencyCSV writes one row per adoption.
func WriteVersionCurrencyCSV(w io.Writer, rows []CurrencyRow) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"activo_id", "activo", "entidad_nit", "entidad", "version", "ultima", "estado", "retirada", "avisos", "verificada_cio", "ambiente"})
	for _, r := range rows {
		_ = cw.Write([]string{r.AssetID, r.AssetName, r.EntityNIT, r.EntityName, r.Version, r.Latest, r.Currency,
			strconv.FormatBool(r.Withdrawn), strings.Join(r.Advisories, " "), strconv.FormatBool(r.Verified), r.Environment})
	}
	cw.Flush()
	return cw.Error()
}

// SoftwareClasses are the UNSPSC classes of software (Tier A of the
// reference study): what "the same kind" means for duplicated spending
// when no asset is linked.
var SoftwareClasses = []string{
	"432315", "432316", "432317", "432318", "432319", "432320", "432321", "432322", "432323", "432324", "432325", "432326",
	"432327", "432328", "432329", "432330", "432332", "432333", "432334", "432335", "432336", "432337",
	"811115", "811116", "811118", "811120", "811122", "811125", "811615", "811616",
}

// DuplicateFilter selects the purchases of the duplicated-spending report.
type DuplicateFilter struct {
	FromYear, ToYear int // inclusive; default the last three years
	MinEntities      int // default 3
	Limit            int // groups returned (default 50)
}

// DuplicateGroup is one product or kind bought by many entities.
type DuplicateGroup struct {
	Kind      string       `json:"kind"` // ASSET or UNSPSC
	Key       string       `json:"key"`  // asset id or UNSPSC class
	Label     string       `json:"label"`
	Entities  int          `json:"entities"`
	Purchases int          `json:"purchases"`
	Total     int64        `json:"total"`
	Suppliers []PartySpend `json:"suppliers"` // top five
}

// DuplicatedSpending finds the products (assets that purchases are linked
// to, confirmed or suggested) and kinds (software UNSPSC classes) that
// many entities bought in a period: where the State may be paying twice.
func (s *Service) DuplicatedSpending(ctx context.Context, f DuplicateFilter) ([]DuplicateGroup, error) {
	now := s.Now().In(bogota).Year()
	if f.ToYear == 0 {
		f.ToYear = now
	}
	if f.FromYear == 0 {
		f.FromYear = f.ToYear - 2
	}
	if f.FromYear > f.ToYear || f.ToYear-f.FromYear > 20 {
		return nil, Invalid("fromYear", "give a period of at most twenty years, from before to")
	}
	if f.MinEntities <= 0 {
		f.MinEntities = 3
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	actor := ActorFrom(ctx)
	var out []DuplicateGroup

	// Products: purchases linked to each asset.
	assets, err := s.allAssets(ctx, AssetFilter{})
	if err != nil {
		return nil, err
	}
	for i := 0; i < len(assets); i += 200 {
		ids := make([]string, 0, 200)
		names := map[string]string{}
		for _, a := range assets[i:min(i+200, len(assets))] {
			ids = append(ids, a.ID)
			names[a.ID] = a.Name
		}
		links, err := s.store.Links().ForAssets(ctx, ids, LinkConfirmed, LinkSuggested)
		if err != nil {
			return nil, err
		}
		byAsset := map[string][]string{}
		for _, l := range links {
			if l.Relation != RelAlternative {
				byAsset[l.AssetID] = append(byAsset[l.AssetID], l.PurchaseID)
			}
		}
		for _, id := range ids {
			pids := byAsset[id]
			if len(pids) < f.MinEntities {
				continue
			}
			g := DuplicateGroup{Kind: "ASSET", Key: id, Label: names[id]}
			buyers := map[string]bool{}
			sup := map[string]*PartySpend{}
			for j := 0; j < len(pids); j += 500 {
				ps, err := s.store.Purchases().GetMany(ctx, pids[j:min(j+500, len(pids))])
				if err != nil {
					return nil, err
				}
				for _, p := range ps {
					y := purchaseYear(p)
					if y < f.FromYear || y > f.ToYear || NoContract(p.Status) {
						continue
					}
					p = MaskPurchase(actor, p)
					g.Purchases++
					g.Total += p.Value
					buyers[p.BuyerNIT] = true
					k := p.Supplier.DocNumber + "|" + Fold(p.Supplier.Name)
					if sup[k] == nil {
						sup[k] = &PartySpend{Doc: p.Supplier.DocNumber, Name: p.Supplier.Name}
					}
					sup[k].Count++
					sup[k].Total += p.Value
				}
			}
			g.Entities = len(buyers)
			if g.Entities < f.MinEntities {
				continue
			}
			g.Suppliers = topSpend(sup, 5)
			out = append(out, g)
		}
	}

	// Kinds: software UNSPSC classes, aggregated by the store (two queries
	// per class, suppliers only for the classes that qualify).
	inPeriod := func(g PurchaseGroup) bool {
		y, err := strconv.Atoi(g.Key[GroupYear])
		return err == nil && y >= f.FromYear && y <= f.ToYear
	}
	for _, class := range SoftwareClasses {
		g := DuplicateGroup{Kind: "UNSPSC", Key: class, Label: class}
		groups, err := s.store.Purchases().Aggregate(ctx, PurchaseFilter{UNSPSC: class, Contracted: true}, GroupYear, GroupBuyer)
		if err != nil {
			return nil, err
		}
		buyers := map[string]bool{}
		for _, gr := range groups {
			if !inPeriod(gr) {
				continue
			}
			if b := gr.Key[GroupBuyer]; b != "" {
				buyers[b] = true
			}
			g.Purchases += int(gr.Count)
			g.Total += gr.Total
		}
		g.Entities = len(buyers)
		if g.Entities < f.MinEntities {
			continue
		}
		sgs, err := s.store.Purchases().Aggregate(ctx, PurchaseFilter{UNSPSC: class, Contracted: true}, GroupYear, GroupSupplier)
		if err != nil {
			return nil, err
		}
		supTotals := map[string]*PartySpend{}
		for _, sg := range sgs {
			if !inPeriod(sg) {
				continue
			}
			k := sg.Key[GroupSupplier]
			if supTotals[k] == nil {
				supTotals[k] = &PartySpend{Doc: k}
			}
			supTotals[k].Count += int(sg.Count)
			supTotals[k].Total += sg.Total
		}
		g.Suppliers = topSpend(supTotals, 5)
		for i := range g.Suppliers {
			if err := s.nameSupplier(ctx, actor, &g.Suppliers[i]); err != nil {
				return nil, err
			}
		}
		out = append(out, g)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Total != out[j].Total {
			return out[i].Total > out[j].Total
		}
		return out[i].Key < out[j].Key
	})
	return out[:min(len(out), f.Limit)], nil
}

// nameSupplier fills a supplier's name from one of its purchases, masking
// a natural person's document for anonymous readers.
func (s *Service) nameSupplier(ctx context.Context, a Actor, sp *PartySpend) error {
	if sp.Doc == "" {
		sp.Name = "(sin documento)"
		return nil
	}
	l, err := s.store.Purchases().List(ctx, PurchaseFilter{SupplierDoc: sp.Doc, Page: Page{First: 1}})
	if err != nil || len(l.Items) == 0 {
		return err
	}
	p := MaskPurchase(a, l.Items[0])
	sp.Name, sp.Doc = p.Supplier.Name, p.Supplier.DocNumber
	return nil
}

func topSpend(m map[string]*PartySpend, n int) []PartySpend {
	out := make([]PartySpend, 0, len(m))
	for _, v := range m {
		out = append(out, *v)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Total != out[j].Total {
			return out[i].Total > out[j].Total
		}
		return out[i].Doc+out[i].Name < out[j].Doc+out[j].Name
	})
	return out[:min(len(out), n)]
}

// WriteDuplicatedSpendingCSV writes one row per group.
func WriteDuplicatedSpendingCSV(w io.Writer, gs []DuplicateGroup) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"tipo", "clave", "nombre", "entidades", "compras", "total_pesos", "principales_proveedores"})
	for _, g := range gs {
		var sup []string
		for _, s := range g.Suppliers {
			sup = append(sup, s.Name+" ("+strconv.FormatInt(s.Total, 10)+")")
		}
		_ = cw.Write([]string{g.Kind, g.Key, g.Label, strconv.Itoa(g.Entities), strconv.Itoa(g.Purchases), strconv.FormatInt(g.Total, 10), strings.Join(sup, "; ")})
	}
	cw.Flush()
	return cw.Error()
}

// TrendFilter selects the purchases of the trends report.
type TrendFilter struct {
	UNSPSC string // prefix; default every software class
	Source string
	// MinSoftwareScore keeps purchases the importer scored as software
	// (default 0.6 when no UNSPSC is given).
	MinSoftwareScore *float64
}

// TrendPoint is one year of spending.
type TrendPoint struct {
	Year      int   `json:"year"`
	Purchases int64 `json:"purchases"`
	Total     int64 `json:"total"`
	Buyers    int   `json:"buyers"`
	Suppliers int   `json:"suppliers"`
}

// SpendingTrends sums purchases by year (software purchases by default).
func (s *Service) SpendingTrends(ctx context.Context, f TrendFilter) ([]TrendPoint, error) {
	pf := PurchaseFilter{UNSPSC: f.UNSPSC, Source: f.Source, MinSoftwareScore: f.MinSoftwareScore, Contracted: true}
	if f.UNSPSC == "" && f.MinSoftwareScore == nil {
		x := 0.6
		pf.MinSoftwareScore = &x
	}
	years, err := s.store.Purchases().Aggregate(ctx, pf, GroupYear)
	if err != nil {
		return nil, err
	}
	points := map[int]*TrendPoint{}
	for _, g := range years {
		y, _ := strconv.Atoi(g.Key[GroupYear])
		points[y] = &TrendPoint{Year: y, Purchases: g.Count, Total: g.Total}
	}
	for _, field := range []string{GroupBuyer, GroupSupplier} {
		gs, err := s.store.Purchases().Aggregate(ctx, pf, GroupYear, field)
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			y, _ := strconv.Atoi(g.Key[GroupYear])
			if p := points[y]; p != nil && g.Key[field] != "" {
				if field == GroupBuyer {
					p.Buyers++
				} else {
					p.Suppliers++
				}
			}
		}
	}
	out := make([]TrendPoint, 0, len(points))
	for _, p := range points {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Year < out[j].Year })
	return out, nil
}

// WriteTrendsCSV writes one row per year.
func WriteTrendsCSV(w io.Writer, ps []TrendPoint) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"anio", "compras", "total_pesos", "entidades", "proveedores"})
	for _, p := range ps {
		_ = cw.Write([]string{yearString(p.Year), strconv.FormatInt(p.Purchases, 10), strconv.FormatInt(p.Total, 10), strconv.Itoa(p.Buyers), strconv.Itoa(p.Suppliers)})
	}
	cw.Flush()
	return cw.Error()
}
