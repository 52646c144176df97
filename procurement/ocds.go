package procurement

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/acervo-co/acervo/registry"
)

// flexID is an OCDS id written as a string or, in CCE's publication, as a
// number.
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		*f = ""
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("id %s is neither a string nor a number", b)
	}
	*f = flexID(n.String())
	return nil
}

type ocdsValue struct {
	Amount   json.Number `json:"amount"`
	Currency string      `json:"currency"`
}

type ocdsPeriod struct {
	StartDate string `json:"startDate"`
	EndDate   string `json:"endDate"`
}

type ocdsOrg struct {
	ID   flexID `json:"id"`
	Name string `json:"name"`
}

type ocdsItem struct {
	Classification *struct {
		Scheme string `json:"scheme"`
		ID     flexID `json:"id"`
	} `json:"classification"`
	AdditionalClassifications []struct {
		Scheme string `json:"scheme"`
		ID     flexID `json:"id"`
	} `json:"additionalClassifications"`
	Description string `json:"description"`
}

type ocdsParty struct {
	ID         flexID   `json:"id"`
	Name       string   `json:"name"`
	Roles      []string `json:"roles"`
	Identifier struct {
		ID        flexID `json:"id"`
		Scheme    string `json:"scheme"`
		LegalName string `json:"legalName"`
	} `json:"identifier"`
	Address struct {
		Region   string `json:"region"`
		Locality string `json:"locality"`
	} `json:"address"`
	Details struct {
		Level string `json:"level"`
		Order string `json:"order"`
	} `json:"details"`
	AdditionalContactPoint *struct {
		Identifier struct {
			ID        flexID `json:"id"`
			Scheme    string `json:"scheme"`
			LegalName string `json:"legalName"`
		} `json:"identifier"`
	} `json:"additionalContactPoint"`
}

type ocdsRelease struct {
	OCID    string      `json:"ocid"`
	ID      flexID      `json:"id"`
	Date    string      `json:"date"`
	Tag     []string    `json:"tag"`
	Buyer   *ocdsOrg    `json:"buyer"`
	Parties []ocdsParty `json:"parties"`
	Tender  struct {
		ID                       flexID     `json:"id"`
		Title                    string     `json:"title"`
		Description              string     `json:"description"`
		Status                   string     `json:"status"`
		ProcurementMethod        string     `json:"procurementMethod"`
		ProcurementMethodDetails string     `json:"procurementMethodDetails"`
		Value                    *ocdsValue `json:"value"`
		Items                    []ocdsItem `json:"items"`
		ProcuringEntity          *ocdsOrg   `json:"procuringEntity"`
	} `json:"tender"`
	Awards []struct {
		ID             flexID      `json:"id"`
		Title          string      `json:"title"`
		Description    string      `json:"description"`
		Status         string      `json:"status"`
		Date           string      `json:"date"`
		Value          *ocdsValue  `json:"value"`
		Suppliers      []ocdsOrg   `json:"suppliers"`
		Items          []ocdsItem  `json:"items"`
		ContractPeriod *ocdsPeriod `json:"contractPeriod"`
	} `json:"awards"`
	Contracts []struct {
		ID          flexID      `json:"id"`
		AwardID     flexID      `json:"awardID"`
		Title       string      `json:"title"`
		Description string      `json:"description"`
		Status      string      `json:"status"`
		Value       *ocdsValue  `json:"value"`
		DateSigned  string      `json:"dateSigned"`
		Period      *ocdsPeriod `json:"period"`
		Items       []ocdsItem  `json:"items"`
	} `json:"contracts"`
}

type ocdsRecord struct {
	OCID            string            `json:"ocid"`
	CompiledRelease json.RawMessage   `json:"compiledRelease"`
	Releases        []json.RawMessage `json:"releases"`
}

// releaseOfRecord returns the release that stands for a record: its compiled
// release, or else the compiled release of its embedded releases (linked
// releases, which carry only a URL, cannot be read offline and are left
// out).
func releaseOfRecord(raw json.RawMessage) (json.RawMessage, error) {
	var rec ocdsRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, err
	}
	if len(rec.CompiledRelease) > 0 && string(rec.CompiledRelease) != "null" {
		return rec.CompiledRelease, nil
	}
	var full []json.RawMessage
	for _, r := range rec.Releases {
		var probe struct {
			OCID string `json:"ocid"`
		}
		if json.Unmarshal(r, &probe) == nil && probe.OCID != "" {
			full = append(full, r)
		}
	}
	switch len(full) {
	case 0:
		return nil, fmt.Errorf("record %s has no compiled release and no embedded release (linked releases are not fetched)", rec.OCID)
	case 1:
		return full[0], nil
	}
	return compileReleases(full)
}

// ocdsError is a release-level error at a key of the release.
type ocdsError struct {
	key, msg string
}

// mapOCDS turns a release into one purchase per contract (or per award when
// there is no contract, or one for the tender when there is neither).
func mapOCDS(raw json.RawMessage, t *Tables) ([]Mapped, *ocdsError) {
	var rel ocdsRelease
	if err := json.Unmarshal(raw, &rel); err != nil {
		return nil, &ocdsError{key: "", msg: "not an OCDS release: " + err.Error()}
	}
	if strings.TrimSpace(rel.OCID) == "" {
		return nil, &ocdsError{key: "ocid", msg: "ocid: missing; it identifies the release"}
	}
	var buyerParty *ocdsParty
	buyerID := ""
	if rel.Buyer != nil {
		buyerID = string(rel.Buyer.ID)
	} else if rel.Tender.ProcuringEntity != nil {
		buyerID = string(rel.Tender.ProcuringEntity.ID)
	}
	for i := range rel.Parties {
		p := &rel.Parties[i]
		if string(p.ID) == buyerID || (buyerID == "" && hasRole(p.Roles, "buyer")) {
			buyerParty = p
			break
		}
	}
	base := registry.Purchase{Source: registry.SourceOCDS, ProcessID: string(rel.Tender.ID)}
	if base.ProcessID == "" {
		base.ProcessID = strings.TrimPrefix(rel.OCID, "ocds-k50g02-")
	}
	var buyerName, orden string
	if rel.Buyer != nil {
		buyerName = rel.Buyer.Name
	}
	nitRaw := buyerID
	if buyerParty != nil {
		if buyerName == "" {
			buyerName = buyerParty.Name
		}
		if buyerParty.Identifier.ID != "" && (buyerParty.Identifier.Scheme == "CO-RUE" || buyerParty.Identifier.Scheme == "CO-NIT") {
			nitRaw = string(buyerParty.Identifier.ID)
		}
		orden = Orden(buyerParty.Details.Order)
		if orden == "" {
			orden = Orden(buyerParty.Details.Level)
		}
		base.DepartmentCode, base.MunicipalityCode = t.Places.Place(buyerParty.Address.Region, buyerParty.Address.Locality)
		if base.DepartmentCode == "" {
			base.DepartmentCode, base.MunicipalityCode = t.Places.Place(buyerParty.Address.Locality, "")
		}
	}
	n, _, _, err := NIT(nitRaw)
	if err != nil {
		return nil, &ocdsError{key: "buyer", msg: "buyer.id: " + err.Error()}
	}
	base.BuyerNIT = n
	base.BuyerName = Clean(buyerName)
	base.Modality = Modality(rel.Tender.ProcurementMethodDetails)
	if base.Modality == "" {
		base.Modality = Clean(rel.Tender.ProcurementMethod)
	}
	tenderText := joinText(rel.Tender.Title, rel.Tender.Description)
	codes := itemCodes(nil, rel.Tender.Items)
	supplierOf := func(orgs []ocdsOrg) registry.Party {
		if len(orgs) == 0 {
			return registry.Party{}
		}
		o := orgs[0]
		typ := ""
		for i := range rel.Parties {
			p := &rel.Parties[i]
			if p.ID == o.ID {
				switch p.Identifier.Scheme {
				case "CO-RUE", "CO-NIT":
					typ = "NIT"
				case "COL-IDCARD", "CO-CC":
					typ = "Cédula de Ciudadanía"
				}
			}
		}
		pt, _ := Party(typ, string(o.ID), o.Name)
		return pt
	}
	value := func(v *ocdsValue) (int64, *ocdsError) {
		if v == nil || v.Amount == "" {
			return 0, nil
		}
		if c := strings.ToUpper(strings.TrimSpace(v.Currency)); c != "" && c != "COP" {
			return 0, nil // not pesos, and no rate to convert it
		}
		pesos, _, err := Money(string(v.Amount))
		if err != nil {
			return 0, &ocdsError{key: "value", msg: "value.amount: " + err.Error()}
		}
		return pesos, nil
	}
	var out []Mapped
	finish := func(p registry.Purchase) {
		p.Year = yearOf(p.SignedAt)
		out = append(out, Mapped{Purchase: p, Buyer: buyer(p.BuyerNIT, p.BuyerName, orden, "", "", p.DepartmentCode, p.MunicipalityCode)})
	}
	for _, c := range rel.Contracts {
		p := base
		p.ContractID = rel.OCID + "/" + string(c.ID)
		p.Status = Status(c.Status)
		p.UNSPSC = itemCodes(append([]string(nil), codes...), c.Items)
		var e *ocdsError
		if p.Value, e = value(c.Value); e != nil {
			return nil, e
		}
		for _, a := range rel.Awards {
			if a.ID == c.AwardID && c.AwardID != "" {
				p.Supplier = supplierOf(a.Suppliers)
				p.UNSPSC = itemCodes(p.UNSPSC, a.Items)
				if c.Value == nil {
					if p.Value, e = value(a.Value); e != nil {
						return nil, e
					}
				}
				if p.Description == "" {
					p.Description = joinText(a.Title, a.Description)
				}
			}
		}
		// CCE's contract titles are reference numbers ("12-7-10007-11"): the
		// tender says what was bought.
		p.Description = firstText(Clean(c.Description), tenderText, p.Description, Clean(c.Title))
		var err error
		if p.SignedAt, err = Date(c.DateSigned); err != nil {
			return nil, &ocdsError{key: "dateSigned", msg: "contracts.dateSigned: " + err.Error()}
		}
		if c.Period != nil {
			p.StartAt, _ = Date(c.Period.StartDate)
			p.EndAt, _ = Date(c.Period.EndDate)
		}
		finish(p)
	}
	if len(rel.Contracts) == 0 {
		for _, a := range rel.Awards {
			p := base
			p.ContractID = rel.OCID + "/award/" + string(a.ID)
			p.Status = Status(a.Status)
			p.Supplier = supplierOf(a.Suppliers)
			p.UNSPSC = itemCodes(append([]string(nil), codes...), a.Items)
			var e *ocdsError
			if p.Value, e = value(a.Value); e != nil {
				return nil, e
			}
			p.Description = firstText(tenderText, joinText(a.Title, a.Description))
			if a.ContractPeriod != nil {
				p.StartAt, _ = Date(a.ContractPeriod.StartDate)
				p.EndAt, _ = Date(a.ContractPeriod.EndDate)
			}
			finish(p)
		}
	}
	if len(out) == 0 {
		p := base
		p.ContractID = rel.OCID
		p.Status = Status(rel.Tender.Status)
		p.UNSPSC = codes
		var e *ocdsError
		if p.Value, e = value(rel.Tender.Value); e != nil {
			return nil, e
		}
		p.Description = tenderText
		finish(p)
	}
	return out, nil
}

func hasRole(roles []string, r string) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}

func itemCodes(list []string, items []ocdsItem) []string {
	for _, it := range items {
		if it.Classification != nil && strings.EqualFold(it.Classification.Scheme, "UNSPSC") {
			list = addCode(list, string(it.Classification.ID))
		}
		for _, ac := range it.AdditionalClassifications {
			if strings.EqualFold(ac.Scheme, "UNSPSC") {
				list = addCode(list, string(ac.ID))
			}
		}
	}
	return list
}

func joinText(a, b string) string {
	a, b = Clean(a), Clean(b)
	switch {
	case a == "":
		return b
	case b == "" || fold(a) == fold(b):
		return a
	}
	return a + ". " + b
}

func firstText(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
