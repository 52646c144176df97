package graphql

import (
	"strings"
	"time"

	gql "github.com/graphql-go/graphql"

	"github.com/acervo-co/acervo/registry"
)

// payload is the Go value of every mutation payload.
type payload struct {
	Result interface{}
	Errors []userError
}

// createdToken is createToken's result: the token and its secret, shown once.
type createdToken struct {
	Token  *registry.Token
	Secret string
}

func (a *api) payloadType(name string, result gql.Output) *gql.Object {
	return gql.NewObject(gql.ObjectConfig{Name: name + "Payload", Fields: gql.Fields{
		"result": {Type: result, Description: "The record written; null when userErrors is not empty.", Resolve: func(p gql.ResolveParams) (interface{}, error) {
			return p.Source.(*payload).Result, nil
		}},
		"userErrors": {Type: gql.NewNonNull(gql.NewList(gql.NewNonNull(a.t.userError))), Resolve: func(p gql.ResolveParams) (interface{}, error) {
			return anys(p.Source.(*payload).Errors), nil
		}},
	}})
}

// mutate runs a write and turns the user's errors into userErrors.
func mutate(fn func() (interface{}, error)) (interface{}, error) {
	v, err := fn()
	if err != nil {
		ues, err := userErrors(err)
		if err != nil {
			return nil, err
		}
		return &payload{Errors: ues}, nil
	}
	return &payload{Result: v}, nil
}

func in(p gql.ResolveParams) map[string]interface{} {
	m, _ := p.Args["input"].(map[string]interface{})
	if m == nil {
		m = map[string]interface{}{}
	}
	return m
}

func inStr(m map[string]interface{}, k string) string {
	s, _ := m[k].(string)
	return s
}

func inStrs(m map[string]interface{}, k string) ([]string, bool) {
	l, ok := m[k].([]interface{})
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(l))
	for _, v := range l {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out, true
}

func inTime(m map[string]interface{}, k string) (*time.Time, bool) {
	v, ok := m[k]
	if !ok {
		return nil, false
	}
	if t, ok := v.(time.Time); ok {
		return &t, true
	}
	if t, ok := v.(*time.Time); ok {
		return t, true
	}
	return nil, true
}

func badID(field string) error {
	return &registry.InvalidError{Fields: []registry.FieldError{{Field: field, Message: "not a valid id"}}}
}

func inID(m map[string]interface{}, k, typ string) (string, error) {
	kind, id, ok := parseGlobalID(inStr(m, k))
	if !ok || kind != typ {
		return "", badID(k)
	}
	return id, nil
}

func input(name string, fields gql.InputObjectConfigFieldMap) gql.FieldConfigArgument {
	return gql.FieldConfigArgument{"input": {Type: gql.NewNonNull(gql.NewInputObject(gql.InputObjectConfig{Name: name + "Input", Fields: fields}))}}
}

func nn(t gql.Input) gql.Input { return gql.NewNonNull(t) }

func (a *api) mutationFields() gql.Fields {
	t := &a.t
	strList := gql.NewList(gql.NewNonNull(gql.String))
	descInput := gql.NewInputObject(gql.InputObjectConfig{Name: "DescriptionInput", Fields: gql.InputObjectConfigFieldMap{
		"localisedName":    {Type: gql.String},
		"genericName":      {Type: gql.String},
		"shortDescription": {Type: gql.String},
		"longDescription":  {Type: gql.String},
		"features":         {Type: strList},
		"documentation":    {Type: gql.String},
	}})
	evidenceInput := gql.NewInputObject(gql.InputObjectConfig{Name: "EvidenceInput", Fields: gql.InputObjectConfigFieldMap{
		"kind": {Type: nn(gql.String), Description: "CONTRACT, FORK or DECLARATION"},
		"ref":  {Type: gql.String},
		"url":  {Type: gql.String},
	}})
	rangeInput := gql.NewInputObject(gql.InputObjectConfig{Name: "AffectedRangeInput", Fields: gql.InputObjectConfigFieldMap{
		"introduced":   {Type: gql.String},
		"fixed":        {Type: gql.String},
		"lastAffected": {Type: gql.String},
	}})
	createdTokenT := gql.NewObject(gql.ObjectConfig{Name: "CreatedToken", Fields: gql.Fields{
		"token":  {Type: gql.NewNonNull(t.token), Resolve: func(p gql.ResolveParams) (interface{}, error) { return p.Source.(*createdToken).Token, nil }},
		"secret": {Type: gql.NewNonNull(gql.String), Description: "The token itself (acv_…): shown this once, never stored.", Resolve: func(p gql.ResolveParams) (interface{}, error) { return p.Source.(*createdToken).Secret, nil }},
	}})
	assetPayload := a.payloadType("Asset", t.asset)
	adoptionPayload := a.payloadType("Adoption", t.adoption)
	linkPayload := a.payloadType("PurchaseLink", t.link)
	st := a.svc.Store()

	return gql.Fields{
		"registerAsset": {Type: gql.NewNonNull(a.payloadType("RegisterAsset", t.asset)), Description: "Registers a public repository; Acervo mirrors it and reads its publiccode.yml.", Args: input("RegisterAsset", gql.InputObjectConfigFieldMap{
			"repositoryUrl": {Type: nn(gql.String)},
		}), Resolve: func(p gql.ResolveParams) (interface{}, error) {
			m := in(p)
			return mutate(func() (interface{}, error) {
				v, err := a.register(p.Context, strings.TrimSpace(inStr(m, "repositoryUrl")))
				if err != nil {
					return nil, err
				}
				return &v, nil
			})
		}},
		"updateAsset": {Type: gql.NewNonNull(assetPayload), Description: "Edits an asset; only the fields given change. rev must be the one read.", Args: input("UpdateAsset", gql.InputObjectConfigFieldMap{
			"id":                {Type: nn(gql.ID)},
			"rev":               {Type: nn(gql.Int)},
			"name":              {Type: gql.String},
			"publisherNit":      {Type: gql.String},
			"landingUrl":        {Type: gql.String},
			"license":           {Type: gql.String},
			"categories":        {Type: strList},
			"softwareType":      {Type: gql.String},
			"developmentStatus": {Type: t.devStatus},
			"platforms":         {Type: strList},
			"aliases":           {Type: strList},
			"descriptionEs":     {Type: descInput},
			"descriptionEn":     {Type: descInput},
		}), Resolve: func(p gql.ResolveParams) (interface{}, error) {
			m := in(p)
			return mutate(func() (interface{}, error) {
				id, err := inID(m, "id", typeAsset)
				if err != nil {
					return nil, err
				}
				v, err := st.Assets().Get(p.Context, id)
				if err != nil {
					return nil, err
				}
				if rev, _ := m["rev"].(int); int64(rev) != v.Rev {
					return nil, registry.ErrConflict
				}
				var changed []string
				setStr := func(k string, dst *string) {
					if s, ok := m[k].(string); ok {
						*dst = s
						changed = append(changed, k)
					}
				}
				setStrs := func(k string, dst *[]string) {
					if l, ok := inStrs(m, k); ok {
						*dst = l
						changed = append(changed, k)
					}
				}
				setStr("name", &v.Name)
				setStr("publisherNit", &v.PublisherNIT)
				setStr("landingUrl", &v.LandingURL)
				setStr("license", &v.License)
				setStr("softwareType", &v.SoftwareType)
				setStr("developmentStatus", &v.DevelopmentStatus)
				setStrs("categories", &v.Categories)
				setStrs("platforms", &v.Platforms)
				setStrs("aliases", &v.Aliases)
				for k, lang := range map[string]string{"descriptionEs": "es", "descriptionEn": "en"} {
					d, ok := m[k].(map[string]interface{})
					if !ok {
						continue
					}
					if v.Descriptions == nil {
						v.Descriptions = map[string]registry.Description{}
					}
					cur := v.Descriptions[lang]
					setStr := func(k string, dst *string) {
						if s, ok := d[k].(string); ok {
							*dst = s
						}
					}
					setStr("localisedName", &cur.LocalisedName)
					setStr("genericName", &cur.GenericName)
					setStr("shortDescription", &cur.ShortDescription)
					setStr("longDescription", &cur.LongDescription)
					setStr("documentation", &cur.Documentation)
					if l, ok := inStrs(d, "features"); ok {
						cur.Features = l
					}
					v.Descriptions[lang] = cur
					changed = append(changed, "descriptions."+lang)
				}
				if err := a.svc.UpdateAsset(p.Context, &v, changed...); err != nil {
					return nil, err
				}
				return &v, nil
			})
		}},
		"deactivateAsset": {Type: gql.NewNonNull(assetPayload), Description: "Marks an asset inactive (administrators), with the reason.", Args: input("DeactivateAsset", gql.InputObjectConfigFieldMap{
			"id":     {Type: nn(gql.ID)},
			"reason": {Type: nn(gql.String)},
		}), Resolve: func(p gql.ResolveParams) (interface{}, error) {
			m := in(p)
			return mutate(func() (interface{}, error) {
				id, err := inID(m, "id", typeAsset)
				if err != nil {
					return nil, err
				}
				v, err := a.svc.DeactivateAsset(p.Context, id, inStr(m, "reason"))
				return &v, err
			})
		}},
		"reactivateAsset": {Type: gql.NewNonNull(assetPayload), Description: "Undoes an administrator's deactivation.", Args: input("ReactivateAsset", gql.InputObjectConfigFieldMap{
			"id": {Type: nn(gql.ID)},
		}), Resolve: func(p gql.ResolveParams) (interface{}, error) {
			m := in(p)
			return mutate(func() (interface{}, error) {
				id, err := inID(m, "id", typeAsset)
				if err != nil {
					return nil, err
				}
				v, err := a.svc.ReactivateAsset(p.Context, id)
				return &v, err
			})
		}},
		"recordAdoption": {Type: gql.NewNonNull(adoptionPayload), Description: "Records that your entity uses an asset (CIO or editor of the entity).", Args: input("RecordAdoption", gql.InputObjectConfigFieldMap{
			"entityNit":   {Type: nn(gql.String)},
			"asset":       {Type: nn(gql.ID)},
			"releaseTag":  {Type: gql.String},
			"constraint":  {Type: gql.String},
			"status":      {Type: t.adoptionStatus},
			"environment": {Type: gql.String},
			"instanceUrl": {Type: gql.String},
			"since":       {Type: gql.DateTime},
			"evidence":    {Type: gql.NewList(gql.NewNonNull(evidenceInput))},
			"notes":       {Type: gql.String},
		}), Resolve: func(p gql.ResolveParams) (interface{}, error) {
			m := in(p)
			return mutate(func() (interface{}, error) {
				assetID, err := inID(m, "asset", typeAsset)
				if err != nil {
					return nil, err
				}
				ad := &registry.Adoption{EntityNIT: inStr(m, "entityNit"), AssetID: assetID, ReleaseTag: inStr(m, "releaseTag"),
					Constraint: inStr(m, "constraint"), Status: inStr(m, "status"), Environment: inStr(m, "environment"),
					InstanceURL: inStr(m, "instanceUrl"), Notes: inStr(m, "notes")}
				ad.Since, _ = inTime(m, "since")
				if l, ok := m["evidence"].([]interface{}); ok {
					for _, e := range l {
						em, _ := e.(map[string]interface{})
						ad.Evidence = append(ad.Evidence, registry.Evidence{Kind: inStr(em, "kind"), Ref: inStr(em, "ref"), URL: inStr(em, "url")})
					}
				}
				if err := a.svc.RecordAdoption(p.Context, ad); err != nil {
					return nil, err
				}
				return ad, nil
			})
		}},
		"updateAdoption": {Type: gql.NewNonNull(adoptionPayload), Description: "Edits an adoption; only the fields given change. rev must be the one read.", Args: input("UpdateAdoption", gql.InputObjectConfigFieldMap{
			"id":          {Type: nn(gql.ID)},
			"rev":         {Type: nn(gql.Int)},
			"releaseTag":  {Type: gql.String},
			"constraint":  {Type: gql.String},
			"status":      {Type: t.adoptionStatus},
			"environment": {Type: gql.String},
			"instanceUrl": {Type: gql.String},
			"since":       {Type: gql.DateTime},
			"until":       {Type: gql.DateTime},
			"notes":       {Type: gql.String},
		}), Resolve: func(p gql.ResolveParams) (interface{}, error) {
			m := in(p)
			return mutate(func() (interface{}, error) {
				id, err := inID(m, "id", typeAdoption)
				if err != nil {
					return nil, err
				}
				ad, err := st.Adoptions().Get(p.Context, id)
				if err != nil {
					return nil, err
				}
				if rev, _ := m["rev"].(int); int64(rev) != ad.Rev {
					return nil, registry.ErrConflict
				}
				for k, dst := range map[string]*string{"releaseTag": &ad.ReleaseTag, "constraint": &ad.Constraint, "status": &ad.Status,
					"environment": &ad.Environment, "instanceUrl": &ad.InstanceURL, "notes": &ad.Notes} {
					if s, ok := m[k].(string); ok {
						*dst = s
					}
				}
				if _, ok := m["releaseTag"].(string); ok && inStr(m, "releaseTag") != "" {
					if _, ok := m["constraint"]; !ok {
						ad.Constraint = ""
					}
				}
				if _, ok := m["constraint"].(string); ok && inStr(m, "constraint") != "" {
					if _, ok := m["releaseTag"]; !ok {
						ad.ReleaseTag = ""
					}
				}
				if v, ok := inTime(m, "since"); ok {
					ad.Since = v
				}
				if v, ok := inTime(m, "until"); ok {
					ad.Until = v
				}
				if err := a.svc.UpdateAdoption(p.Context, &ad); err != nil {
					return nil, err
				}
				return &ad, nil
			})
		}},
		"verifyAdoption": {Type: gql.NewNonNull(adoptionPayload), Description: "The entity's CIO vouches for an adoption.", Args: input("VerifyAdoption", gql.InputObjectConfigFieldMap{
			"id": {Type: nn(gql.ID)},
		}), Resolve: func(p gql.ResolveParams) (interface{}, error) {
			m := in(p)
			return mutate(func() (interface{}, error) {
				id, err := inID(m, "id", typeAdoption)
				if err != nil {
					return nil, err
				}
				v, err := a.svc.VerifyAdoption(p.Context, id)
				return &v, err
			})
		}},
		"confirmPurchaseLink": {Type: gql.NewNonNull(linkPayload), Description: "Confirms a suggested link (procurement or CIO of the buyer).", Args: input("ConfirmPurchaseLink", gql.InputObjectConfigFieldMap{
			"id": {Type: nn(gql.ID)},
		}), Resolve: func(p gql.ResolveParams) (interface{}, error) { return a.decideLink(p, true) }},
		"rejectPurchaseLink": {Type: gql.NewNonNull(linkPayload), Description: "Rejects a suggested link; it is never suggested again.", Args: input("RejectPurchaseLink", gql.InputObjectConfigFieldMap{
			"id": {Type: nn(gql.ID)},
		}), Resolve: func(p gql.ResolveParams) (interface{}, error) { return a.decideLink(p, false) }},
		"addAdvisory": {Type: gql.NewNonNull(a.payloadType("AddAdvisory", t.advisory)), Description: "Records a security advisory on an asset (administrators, or CIO/editor of the publisher).", Args: input("AddAdvisory", gql.InputObjectConfigFieldMap{
			"asset":      {Type: nn(gql.ID)},
			"osvId":      {Type: nn(gql.String)},
			"summary":    {Type: nn(gql.String)},
			"details":    {Type: gql.String},
			"severity":   {Type: gql.String},
			"affected":   {Type: nn(gql.NewList(gql.NewNonNull(rangeInput)))},
			"references": {Type: strList},
		}), Resolve: func(p gql.ResolveParams) (interface{}, error) {
			m := in(p)
			return mutate(func() (interface{}, error) {
				assetID, err := inID(m, "asset", typeAsset)
				if err != nil {
					return nil, err
				}
				adv := &registry.Advisory{ID: inStr(m, "osvId"), AssetID: assetID, Summary: inStr(m, "summary"), Details: inStr(m, "details"), Severity: inStr(m, "severity")}
				adv.References, _ = inStrs(m, "references")
				if l, ok := m["affected"].([]interface{}); ok {
					for _, r := range l {
						rm, _ := r.(map[string]interface{})
						adv.Affected = append(adv.Affected, registry.AffectedRange{Introduced: inStr(rm, "introduced"), Fixed: inStr(rm, "fixed"), LastAffected: inStr(rm, "lastAffected")})
					}
				}
				if _, err := a.svc.AddAdvisory(p.Context, adv); err != nil {
					return nil, err
				}
				return adv, nil
			})
		}},
		"createToken": {Type: gql.NewNonNull(a.payloadType("CreateToken", createdTokenT)), Description: "Makes an API token for you (one per request).", Args: input("CreateToken", gql.InputObjectConfigFieldMap{
			"name":          {Type: nn(gql.String)},
			"expiresInDays": {Type: gql.Int, Description: "1 to 365 (default 90)."},
		}), Resolve: func(p gql.ResolveParams) (interface{}, error) {
			m := in(p)
			return mutate(func() (interface{}, error) {
				var ttl time.Duration
				if d, ok := m["expiresInDays"].(int); ok {
					if d < 1 || d > 365 {
						return nil, &registry.InvalidError{Fields: []registry.FieldError{{Field: "expiresInDays", Message: "between 1 and 365 days"}}}
					}
					ttl = time.Duration(d) * 24 * time.Hour
				}
				secret, tok, err := a.svc.CreateToken(p.Context, "", inStr(m, "name"), ttl)
				if err != nil {
					return nil, err
				}
				tok.Hash = ""
				return &createdToken{Token: &tok, Secret: secret}, nil
			})
		}},
		"revokeToken": {Type: gql.NewNonNull(a.payloadType("RevokeToken", t.token)), Description: "Revokes one of your tokens.", Args: input("RevokeToken", gql.InputObjectConfigFieldMap{
			"id": {Type: nn(gql.ID)},
		}), Resolve: func(p gql.ResolveParams) (interface{}, error) {
			m := in(p)
			return mutate(func() (interface{}, error) {
				id, err := inID(m, "id", typeToken)
				if err != nil {
					return nil, err
				}
				tok, err := a.svc.RevokeToken(p.Context, id)
				if err != nil {
					return nil, err
				}
				tok.Hash = ""
				return &tok, nil
			})
		}},
	}
}

func (a *api) decideLink(p gql.ResolveParams, confirm bool) (interface{}, error) {
	m := in(p)
	return mutate(func() (interface{}, error) {
		id, err := inID(m, "id", typeLink)
		if err != nil {
			return nil, err
		}
		v, err := a.svc.DecidePurchaseLink(p.Context, id, confirm)
		return &v, err
	})
}

// isCredentialMutation names the mutations that may appear once per
// request (they touch credentials).
func isCredentialMutation(name string) bool { return name == "createToken" || name == "revokeToken" }
