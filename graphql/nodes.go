package graphql

import (
	"sort"

	gql "github.com/graphql-go/graphql"

	"github.com/acervo-co/acervo/registry"
)

// thunk wraps a loader's thunk for graphql-go, which runs it after every
// resolver of the level has registered its key.
func thunk[V any](load func() (V, bool, error), fn func(V, bool) (interface{}, error)) func() (interface{}, error) {
	return func() (interface{}, error) {
		v, ok, err := load()
		if err != nil {
			return nil, publicError(err)
		}
		return fn(v, ok)
	}
}

func (a *api) entityByNIT(p gql.ResolveParams, nit string) (interface{}, error) {
	if nit == "" {
		return nil, nil
	}
	return thunk(a.loadersFrom(p.Context).entities.Load(p.Context, nit), func(e registry.Entity, ok bool) (interface{}, error) {
		if !ok {
			return nil, nil
		}
		return &e, nil
	}), nil
}

func (a *api) assetByID(p gql.ResolveParams, id string) (interface{}, error) {
	return thunk(a.loadersFrom(p.Context).assets.Load(p.Context, id), func(v registry.Asset, ok bool) (interface{}, error) {
		if !ok {
			return nil, nil
		}
		return &v, nil
	}), nil
}

func (a *api) purchaseByID(p gql.ResolveParams, id string) (interface{}, error) {
	return thunk(a.loadersFrom(p.Context).purchases.Load(p.Context, id), func(v registry.Purchase, ok bool) (interface{}, error) {
		if !ok {
			return nil, nil
		}
		return &v, nil
	}), nil
}

func nodeID[T any](typ string, id func(*T) string) *gql.Field {
	return get[T](gql.NewNonNull(gql.ID), "Global id (node, nodes).", func(v *T) interface{} { s := globalID(typ, id(v)); return &s })
}

func dbID[T any](id func(*T) string) *gql.Field {
	return strNN[T]("The record's id in Acervo's store.", id)
}

func (a *api) buildNodeTypes() {
	t := &a.t
	nodeIface := []*gql.Interface{t.node}
	dt := gql.DateTime
	nnDT := gql.NewNonNull(gql.DateTime)

	t.release = gql.NewObject(gql.ObjectConfig{Name: "Release", Interfaces: nodeIface, Description: "A tag of an asset's repository; semver tags are releases.", Fields: gql.FieldsThunk(func() gql.Fields {
		return gql.Fields{
			"id":          nodeID[registry.Release](typeRelease, func(r *registry.Release) string { return r.ID }),
			"databaseId":  dbID[registry.Release](func(r *registry.Release) string { return r.ID }),
			"tag":         strNN[registry.Release]("", func(r *registry.Release) string { return r.Tag }),
			"isRelease":   get[registry.Release](gql.NewNonNull(gql.Boolean), "The tag is a semantic version.", func(r *registry.Release) interface{} { return r.IsRelease }),
			"version":     str[registry.Release]("Normalised semver, without a leading v.", func(r *registry.Release) string { return r.Version }),
			"commit":      strNN[registry.Release]("", func(r *registry.Release) string { return r.Commit }),
			"date":        get[registry.Release](dt, "", func(r *registry.Release) interface{} { return timeOrNil(r.Date) }),
			"prerelease":  get[registry.Release](gql.NewNonNull(gql.Boolean), "", func(r *registry.Release) interface{} { return r.Prerelease }),
			"withdrawn":   get[registry.Release](gql.NewNonNull(gql.Boolean), "The tag was deleted upstream.", func(r *registry.Release) interface{} { return r.Withdrawn }),
			"withdrawnAt": get[registry.Release](dt, "", func(r *registry.Release) interface{} { return ptrTime(r.WithdrawnAt) }),
			"license":     str[registry.Release]("SPDX expression at this tag.", func(r *registry.Release) string { return r.License }),
			"publiccode":  get[registry.Release](gql.NewNonNull(t.publiccode), "", func(r *registry.Release) interface{} { return &r.Publiccode }),
			"asset": {Type: t.asset, Resolve: func(p gql.ResolveParams) (interface{}, error) {
				return a.assetByID(p, p.Source.(*registry.Release).AssetID)
			}},
		}
	})})
	t.releaseConn = a.connectionType("Release", t.release, nil, nil, false)

	t.entity = gql.NewObject(gql.ObjectConfig{Name: "Entity", Interfaces: nodeIface, Description: "A public entity (entidad pública), keyed by NIT.", Fields: gql.FieldsThunk(func() gql.Fields {
		return gql.Fields{
			"id":               nodeID[registry.Entity](typeEntity, func(e *registry.Entity) string { return e.ID }),
			"databaseId":       dbID[registry.Entity](func(e *registry.Entity) string { return e.ID }),
			"nit":              strNN[registry.Entity]("NIT without check digit.", func(e *registry.Entity) string { return e.NIT }),
			"checkDigit":       get[registry.Entity](gql.NewNonNull(gql.Int), "DIAN check digit.", func(e *registry.Entity) interface{} { return e.CheckDigit }),
			"name":             strNN[registry.Entity]("", func(e *registry.Entity) string { return e.Name }),
			"aliases":          strs[registry.Entity]("", func(e *registry.Entity) []string { return e.Aliases }),
			"sigla":            str[registry.Entity]("", func(e *registry.Entity) string { return e.Sigla }),
			"orden":            get[registry.Entity](t.orden, "", func(e *registry.Entity) interface{} { return nilIfEmpty(e.Orden) }),
			"sector":           str[registry.Entity]("", func(e *registry.Entity) string { return e.Sector }),
			"rama":             str[registry.Entity]("", func(e *registry.Entity) string { return e.Rama }),
			"departmentCode":   str[registry.Entity]("DIVIPOLA department.", func(e *registry.Entity) string { return e.DepartmentCode }),
			"municipalityCode": str[registry.Entity]("DIVIPOLA municipality.", func(e *registry.Entity) string { return e.MunicipalityCode }),
			"website":          str[registry.Entity]("", func(e *registry.Entity) string { return e.Website }),
			"parent": {Type: t.entity, Resolve: func(p gql.ResolveParams) (interface{}, error) {
				return a.entityByNIT(p, p.Source.(*registry.Entity).ParentNIT)
			}},
			"adoptions": {Type: gql.NewNonNull(t.adoptionConn), Args: pageArgs(gql.FieldConfigArgument{
				"status":       {Type: t.adoptionStatus},
				"outdatedOnly": {Type: gql.Boolean},
			}), Resolve: func(p gql.ResolveParams) (interface{}, error) {
				args := p.Args
				args["entity"] = p.Source.(*registry.Entity).NIT
				return a.resolveAdoptions(p, args)
			}},
			"publishedAssets": {Type: gql.NewNonNull(t.assetConn), Description: "Assets this entity publishes.", Args: pageArgs(nil), Resolve: func(p gql.ResolveParams) (interface{}, error) {
				pg, err := pageFrom(p)
				if err != nil {
					return nil, err
				}
				l, err := a.svc.Assets(p.Context, registry.AssetFilter{PublisherNIT: p.Source.(*registry.Entity).NIT, Page: pg})
				if err != nil {
					return nil, publicError(err)
				}
				return a.assetListConnection(p, l, pg.WantTotal), nil
			}},
		}
	})})
	t.entityConn = a.connectionType("Entity", t.entity, nil, nil, false)

	t.adoption = gql.NewObject(gql.ObjectConfig{Name: "Adoption", Interfaces: nodeIface, Description: "An entity's use of an asset, at a release or a semver constraint.", Fields: gql.FieldsThunk(func() gql.Fields {
		return gql.Fields{
			"id":         nodeID[registry.Adoption](typeAdoption, func(v *registry.Adoption) string { return v.ID }),
			"databaseId": dbID[registry.Adoption](func(v *registry.Adoption) string { return v.ID }),
			"entityNit":  strNN[registry.Adoption]("", func(v *registry.Adoption) string { return v.EntityNIT }),
			"entity": {Type: t.entity, Resolve: func(p gql.ResolveParams) (interface{}, error) {
				return a.entityByNIT(p, p.Source.(*registry.Adoption).EntityNIT)
			}},
			"asset": {Type: t.asset, Resolve: func(p gql.ResolveParams) (interface{}, error) {
				return a.assetByID(p, p.Source.(*registry.Adoption).AssetID)
			}},
			"releaseTag": str[registry.Adoption]("Exact release adopted.", func(v *registry.Adoption) string { return v.ReleaseTag }),
			"constraint": str[registry.Adoption]("Or a semver constraint.", func(v *registry.Adoption) string { return v.Constraint }),
			"release": {Type: t.release, Description: "The adopted release (exact tag), or the highest release satisfying the constraint.", Resolve: func(p gql.ResolveParams) (interface{}, error) {
				ad := p.Source.(*registry.Adoption)
				return thunk(a.loadersFrom(p.Context).releases.Load(p.Context, ad.AssetID), func(rs []registry.Release, _ bool) (interface{}, error) {
					return adoptedRelease(ad, rs), nil
				}), nil
			}},
			"outdated": {Type: gql.NewNonNull(gql.Boolean), Description: "Runs a version older than the asset's latest release.", Resolve: func(p gql.ResolveParams) (interface{}, error) {
				ad := p.Source.(*registry.Adoption)
				return thunk(a.loadersFrom(p.Context).releases.Load(p.Context, ad.AssetID), func(rs []registry.Release, _ bool) (interface{}, error) {
					return isOutdated(ad, rs), nil
				}), nil
			}},
			"status":       get[registry.Adoption](gql.NewNonNull(t.adoptionStatus), "", func(v *registry.Adoption) interface{} { return v.Status }),
			"environment":  str[registry.Adoption]("", func(v *registry.Adoption) string { return v.Environment }),
			"instanceUrl":  str[registry.Adoption]("", func(v *registry.Adoption) string { return v.InstanceURL }),
			"since":        get[registry.Adoption](dt, "", func(v *registry.Adoption) interface{} { return ptrTime(v.Since) }),
			"until":        get[registry.Adoption](dt, "", func(v *registry.Adoption) interface{} { return ptrTime(v.Until) }),
			"verification": get[registry.Adoption](gql.NewNonNull(t.verification), "", func(v *registry.Adoption) interface{} { return v.Verification }),
			"pending":      get[registry.Adoption](gql.NewNonNull(gql.Boolean), "Proposed by the system, waiting for the entity's CIO.", func(v *registry.Adoption) interface{} { return v.Pending }),
			"verifiedAt":   get[registry.Adoption](dt, "", func(v *registry.Adoption) interface{} { return ptrTime(v.VerifiedAt) }),
			"evidence": get[registry.Adoption](gql.NewNonNull(gql.NewList(gql.NewNonNull(t.evidence))), "", func(v *registry.Adoption) interface{} {
				return ptrs(v.Evidence)
			}),
			"notes":     str[registry.Adoption]("", func(v *registry.Adoption) string { return v.Notes }),
			"createdAt": get[registry.Adoption](nnDT, "", func(v *registry.Adoption) interface{} { return v.CreatedAt }),
			"updatedAt": get[registry.Adoption](nnDT, "", func(v *registry.Adoption) interface{} { return v.UpdatedAt }),
			"rev":       get[registry.Adoption](gql.NewNonNull(gql.Int), "Revision, for updateAdoption's optimistic concurrency.", func(v *registry.Adoption) interface{} { return v.Rev }),
		}
	})})
	t.adoptionConn = a.connectionType("Adoption", t.adoption, nil, nil, true)

	t.link = gql.NewObject(gql.ObjectConfig{Name: "PurchaseLink", Interfaces: nodeIface, Description: "A purchase linked to an asset, suggested by the matcher or decided by an officer.", Fields: gql.FieldsThunk(func() gql.Fields {
		return gql.Fields{
			"id":         nodeID[registry.PurchaseLink](typeLink, func(v *registry.PurchaseLink) string { return v.ID }),
			"databaseId": dbID[registry.PurchaseLink](func(v *registry.PurchaseLink) string { return v.ID }),
			"purchase": {Type: t.purchase, Resolve: func(p gql.ResolveParams) (interface{}, error) {
				return a.purchaseByID(p, p.Source.(*registry.PurchaseLink).PurchaseID)
			}},
			"asset": {Type: t.asset, Resolve: func(p gql.ResolveParams) (interface{}, error) {
				return a.assetByID(p, p.Source.(*registry.PurchaseLink).AssetID)
			}},
			"relation":  get[registry.PurchaseLink](gql.NewNonNull(t.relation), "", func(v *registry.PurchaseLink) interface{} { return v.Relation }),
			"score":     get[registry.PurchaseLink](gql.NewNonNull(gql.Float), "", func(v *registry.PurchaseLink) interface{} { return v.Score }),
			"reasons":   strs[registry.PurchaseLink]("", func(v *registry.PurchaseLink) []string { return v.Reasons }),
			"state":     get[registry.PurchaseLink](gql.NewNonNull(t.linkState), "", func(v *registry.PurchaseLink) interface{} { return v.State }),
			"decidedAt": get[registry.PurchaseLink](dt, "", func(v *registry.PurchaseLink) interface{} { return ptrTime(v.DecidedAt) }),
			"createdAt": get[registry.PurchaseLink](nnDT, "", func(v *registry.PurchaseLink) interface{} { return v.CreatedAt }),
			"updatedAt": get[registry.PurchaseLink](nnDT, "", func(v *registry.PurchaseLink) interface{} { return v.UpdatedAt }),
		}
	})})
	t.linkConn = a.connectionType("PurchaseLink", t.link, nil, nil, false)

	t.purchase = gql.NewObject(gql.ObjectConfig{Name: "Purchase", Interfaces: nodeIface, Description: "A contract or order of the State (SECOP II, SECOP I, TVEC, OCDS).", Fields: gql.FieldsThunk(func() gql.Fields {
		return gql.Fields{
			"id":         nodeID[registry.Purchase](typePurchase, func(v *registry.Purchase) string { return v.ID }),
			"databaseId": dbID[registry.Purchase](func(v *registry.Purchase) string { return v.ID }),
			"source":     get[registry.Purchase](gql.NewNonNull(t.source), "", func(v *registry.Purchase) interface{} { return v.Source }),
			"contractId": strNN[registry.Purchase]("", func(v *registry.Purchase) string { return v.ContractID }),
			"processId":  str[registry.Purchase]("", func(v *registry.Purchase) string { return v.ProcessID }),
			"url":        str[registry.Purchase]("", func(v *registry.Purchase) string { return v.URL }),
			"buyerNit":   str[registry.Purchase]("", func(v *registry.Purchase) string { return v.BuyerNIT }),
			"buyerName":  str[registry.Purchase]("", func(v *registry.Purchase) string { return v.BuyerName }),
			"buyer": {Type: t.entity, Resolve: func(p gql.ResolveParams) (interface{}, error) {
				return a.entityByNIT(p, p.Source.(*registry.Purchase).BuyerNIT)
			}},
			"supplier":     get[registry.Purchase](gql.NewNonNull(t.party), "", func(v *registry.Purchase) interface{} { return &partyView{Party: v.Supplier} }),
			"legalRep":     get[registry.Purchase](gql.NewNonNull(t.party), "The supplier's legal representative.", func(v *registry.Purchase) interface{} { return &partyView{Party: v.LegalRep, legalRep: true} }),
			"description":  str[registry.Purchase]("", func(v *registry.Purchase) string { return v.Description }),
			"object":       str[registry.Purchase]("Objeto del contrato, when distinct.", func(v *registry.Purchase) string { return v.Object }),
			"unspsc":       strs[registry.Purchase]("UNSPSC codes.", func(v *registry.Purchase) []string { return v.UNSPSC }),
			"modality":     str[registry.Purchase]("", func(v *registry.Purchase) string { return v.Modality }),
			"contractType": str[registry.Purchase]("", func(v *registry.Purchase) string { return v.ContractType }),
			"status":       str[registry.Purchase]("", func(v *registry.Purchase) string { return v.Status }),
			"contracted": get[registry.Purchase](gql.NewNonNull(gql.Boolean), "False when the status says the process never became a contract or order (a draft, a cancelled order, a tender declared void): its value was a budget, and spending figures leave it out.",
				func(v *registry.Purchase) interface{} { return !registry.NoContract(v.Status) }),
			"value":              get[registry.Purchase](gql.NewNonNull(t.pesos), "", func(v *registry.Purchase) interface{} { return v.Value }),
			"signedAt":           get[registry.Purchase](dt, "", func(v *registry.Purchase) interface{} { return ptrTime(v.SignedAt) }),
			"startAt":            get[registry.Purchase](dt, "", func(v *registry.Purchase) interface{} { return ptrTime(v.StartAt) }),
			"endAt":              get[registry.Purchase](dt, "", func(v *registry.Purchase) interface{} { return ptrTime(v.EndAt) }),
			"year":               get[registry.Purchase](gql.Int, "Year of signature (America/Bogota).", func(v *registry.Purchase) interface{} { return zeroNil(v.Year) }),
			"departmentCode":     str[registry.Purchase]("", func(v *registry.Purchase) string { return v.DepartmentCode }),
			"municipalityCode":   str[registry.Purchase]("", func(v *registry.Purchase) string { return v.MunicipalityCode }),
			"frameworkAgreement": str[registry.Purchase]("TVEC framework agreement.", func(v *registry.Purchase) string { return v.FrameworkAgreement }),
			"softwareScore":      get[registry.Purchase](gql.NewNonNull(gql.Float), "How surely this purchase is about software (0 to 1).", func(v *registry.Purchase) interface{} { return v.SoftwareScore }),
			"softwareReasons":    strs[registry.Purchase]("", func(v *registry.Purchase) []string { return v.SoftwareReasons }),
			"links": {Type: gql.NewNonNull(t.linkConn), Args: pageArgs(gql.FieldConfigArgument{"state": {Type: t.linkState}}), Resolve: func(p gql.ResolveParams) (interface{}, error) {
				args := p.Args
				args["purchase"] = globalID(typePurchase, p.Source.(*registry.Purchase).ID)
				return a.resolveLinks(p, args)
			}},
		}
	})})
	t.purchaseConn = a.connectionType("Purchase", t.purchase, gql.Fields{
		"highlights": {Type: gql.NewNonNull(gql.NewList(gql.NewNonNull(t.highlight))), Description: "Where a text query matched.", Resolve: func(p gql.ResolveParams) (interface{}, error) {
			return highlightsOf(p.Source.(edge)), nil
		}},
	}, nil, false)

	t.advisory = gql.NewObject(gql.ObjectConfig{Name: "Advisory", Interfaces: nodeIface, Description: "An OSV-shaped security advisory on an asset.", Fields: gql.FieldsThunk(func() gql.Fields {
		return gql.Fields{
			"id":       nodeID[registry.Advisory](typeAdvisory, func(v *registry.Advisory) string { return v.ID }),
			"osvId":    strNN[registry.Advisory]("The OSV id.", func(v *registry.Advisory) string { return v.ID }),
			"summary":  strNN[registry.Advisory]("", func(v *registry.Advisory) string { return v.Summary }),
			"details":  str[registry.Advisory]("", func(v *registry.Advisory) string { return v.Details }),
			"severity": str[registry.Advisory]("LOW, MODERATE, HIGH or CRITICAL.", func(v *registry.Advisory) string { return v.Severity }),
			"affected": get[registry.Advisory](gql.NewNonNull(gql.NewList(gql.NewNonNull(t.affected))), "", func(v *registry.Advisory) interface{} {
				return ptrs(v.Affected)
			}),
			"references": strs[registry.Advisory]("", func(v *registry.Advisory) []string { return v.References }),
			"published":  get[registry.Advisory](nnDT, "", func(v *registry.Advisory) interface{} { return v.Published }),
			"modified":   get[registry.Advisory](nnDT, "", func(v *registry.Advisory) interface{} { return v.Modified }),
			"asset": {Type: t.asset, Resolve: func(p gql.ResolveParams) (interface{}, error) {
				return a.assetByID(p, p.Source.(*registry.Advisory).AssetID)
			}},
		}
	})})
	t.advisoryConn = a.connectionType("Advisory", t.advisory, nil, nil, false)

	t.mirror = gql.NewObject(gql.ObjectConfig{Name: "Mirror", Interfaces: nodeIface, Description: "Acervo's copy of an asset's repository.", Fields: gql.FieldsThunk(func() gql.Fields {
		return gql.Fields{
			"id":        nodeID[registry.Mirror](typeMirror, func(v *registry.Mirror) string { return v.ID }),
			"url":       strNN[registry.Mirror]("", func(v *registry.Mirror) string { return v.URL }),
			"status":    get[registry.Mirror](gql.NewNonNull(t.mirrorStatus), "", func(v *registry.Mirror) interface{} { return v.Status }),
			"errorCode": str[registry.Mirror]("MIRROR_* code of the last failure.", func(v *registry.Mirror) string { return v.ErrorCode }),
			"errorMessage": {Type: gql.String, Description: "The last failure's message (signed-in readers only).", Resolve: func(p gql.ResolveParams) (interface{}, error) {
				if registry.ActorFrom(p.Context).Anonymous() {
					return nil, nil
				}
				return nilIfEmpty(p.Source.(*registry.Mirror).ErrorMessage), nil
			}},
			"failures":      get[registry.Mirror](gql.NewNonNull(gql.Int), "Consecutive failures.", func(v *registry.Mirror) interface{} { return v.Failures }),
			"lastSyncAt":    get[registry.Mirror](dt, "", func(v *registry.Mirror) interface{} { return ptrTime(v.LastSyncAt) }),
			"lastSuccessAt": get[registry.Mirror](dt, "", func(v *registry.Mirror) interface{} { return ptrTime(v.LastSuccessAt) }),
			"nextDueAt":     get[registry.Mirror](dt, "", func(v *registry.Mirror) interface{} { return timeOrNil(v.NextDueAt) }),
			"asset": {Type: t.asset, Resolve: func(p gql.ResolveParams) (interface{}, error) {
				return a.assetByID(p, p.Source.(*registry.Mirror).AssetID)
			}},
		}
	})})
	t.mirrorConn = a.connectionType("Mirror", t.mirror, nil, nil, false)

	t.asset = gql.NewObject(gql.ObjectConfig{Name: "Asset", Interfaces: nodeIface, Description: "Reusable public software (PUBLIC) or a commercial product the State buys (COMMERCIAL).", Fields: gql.FieldsThunk(func() gql.Fields {
		return gql.Fields{
			"id":           nodeID[registry.Asset](typeAsset, func(v *registry.Asset) string { return v.ID }),
			"databaseId":   dbID[registry.Asset](func(v *registry.Asset) string { return v.ID }),
			"kind":         get[registry.Asset](gql.NewNonNull(t.assetKind), "", func(v *registry.Asset) interface{} { return string(v.Kind) }),
			"slug":         strNN[registry.Asset]("", func(v *registry.Asset) string { return v.Slug }),
			"name":         strNN[registry.Asset]("", func(v *registry.Asset) string { return v.Name }),
			"publisherNit": str[registry.Asset]("", func(v *registry.Asset) string { return v.PublisherNIT }),
			"publisher": {Type: t.entity, Resolve: func(p gql.ResolveParams) (interface{}, error) {
				return a.entityByNIT(p, p.Source.(*registry.Asset).PublisherNIT)
			}},
			"description": {Type: t.description, Description: "The description in lang (default es), falling back to the other language.", Args: gql.FieldConfigArgument{"lang": {Type: gql.String, DefaultValue: "es"}}, Resolve: func(p gql.ResolveParams) (interface{}, error) {
				v := p.Source.(*registry.Asset)
				lang, _ := p.Args["lang"].(string)
				for _, l := range []string{lang, "es", "en"} {
					if d, ok := v.Descriptions[l]; ok {
						return &langDescription{Lang: l, Description: d}, nil
					}
				}
				for l, d := range v.Descriptions {
					return &langDescription{Lang: l, Description: d}, nil
				}
				return nil, nil
			}},
			"descriptions": get[registry.Asset](gql.NewNonNull(gql.NewList(gql.NewNonNull(t.description))), "Every language.", func(v *registry.Asset) interface{} {
				langs := make([]string, 0, len(v.Descriptions))
				for l := range v.Descriptions {
					langs = append(langs, l)
				}
				sort.Strings(langs)
				out := make([]interface{}, len(langs))
				for i, l := range langs {
					out[i] = &langDescription{Lang: l, Description: v.Descriptions[l]}
				}
				return out
			}),
			"repositoryUrl":     str[registry.Asset]("", func(v *registry.Asset) string { return v.RepositoryURL }),
			"repositoryAliases": strs[registry.Asset]("", func(v *registry.Asset) []string { return v.RepositoryAliases }),
			"landingUrl":        str[registry.Asset]("", func(v *registry.Asset) string { return v.LandingURL }),
			"license":           str[registry.Asset]("SPDX expression.", func(v *registry.Asset) string { return v.License }),
			"categories":        strs[registry.Asset]("", func(v *registry.Asset) []string { return v.Categories }),
			"softwareType":      str[registry.Asset]("", func(v *registry.Asset) string { return v.SoftwareType }),
			"developmentStatus": get[registry.Asset](t.devStatus, "", func(v *registry.Asset) interface{} { return nilIfEmpty(v.DevelopmentStatus) }),
			"maintenance":       get[registry.Asset](gql.NewNonNull(t.maintenance), "", func(v *registry.Asset) interface{} { return &v.Maintenance }),
			"platforms":         strs[registry.Asset]("", func(v *registry.Asset) []string { return v.Platforms }),
			"languages": get[registry.Asset](gql.NewNonNull(gql.NewList(gql.NewNonNull(t.languageShare))), "Programming languages.", func(v *registry.Asset) interface{} {
				return ptrs(v.Languages)
			}),
			"aliases":        strs[registry.Asset]("Names it goes by in contracts.", func(v *registry.Asset) []string { return v.Aliases }),
			"active":         get[registry.Asset](gql.NewNonNull(gql.Boolean), "", func(v *registry.Asset) interface{} { return v.Active }),
			"inactiveReason": str[registry.Asset]("", func(v *registry.Asset) string { return v.InactiveReason }),
			"findings":       get[registry.Asset](gql.NewNonNull(gql.NewList(gql.NewNonNull(t.finding))), "publiccode.yml findings at the head.", func(v *registry.Asset) interface{} { return findingsList(v.Findings) }),
			"readme":         str[registry.Asset]("First 256 KiB of the README, Markdown.", func(v *registry.Asset) string { return v.Readme }),
			"createdAt":      get[registry.Asset](nnDT, "", func(v *registry.Asset) interface{} { return v.CreatedAt }),
			"updatedAt":      get[registry.Asset](nnDT, "", func(v *registry.Asset) interface{} { return v.UpdatedAt }),
			"rev":            get[registry.Asset](gql.NewNonNull(gql.Int), "Revision, for updateAsset's optimistic concurrency.", func(v *registry.Asset) interface{} { return v.Rev }),
			"latestRelease": {Type: t.release, Description: "Highest stable semver release not withdrawn.", Resolve: func(p gql.ResolveParams) (interface{}, error) {
				return thunk(a.loadersFrom(p.Context).releases.Load(p.Context, p.Source.(*registry.Asset).ID), func(rs []registry.Release, _ bool) (interface{}, error) {
					r, ok := registry.LatestRelease(rs)
					if !ok {
						return nil, nil
					}
					return &r, nil
				}), nil
			}},
			"releases": {Type: gql.NewNonNull(t.releaseConn), Args: pageArgs(gql.FieldConfigArgument{
				"onlyReleases":     {Type: gql.Boolean, Description: "Semver tags only."},
				"includeWithdrawn": {Type: gql.Boolean},
			}), Resolve: func(p gql.ResolveParams) (interface{}, error) {
				args := p.Args
				args["asset"] = globalID(typeAsset, p.Source.(*registry.Asset).ID)
				return a.resolveReleases(p, args)
			}},
			"adoptions": {Type: gql.NewNonNull(t.adoptionConn), Description: "Who uses it (batched: one store call for a whole page of assets).", Args: pageArgs(gql.FieldConfigArgument{
				"status":       {Type: t.adoptionStatus},
				"outdatedOnly": {Type: gql.Boolean},
			}), Resolve: func(p gql.ResolveParams) (interface{}, error) {
				v := p.Source.(*registry.Asset)
				pg, err := pageFrom(p)
				if err != nil {
					return nil, err
				}
				status, _ := p.Args["status"].(string)
				outdatedOnly, _ := p.Args["outdatedOnly"].(bool)
				l := a.loadersFrom(p.Context)
				ads := l.adoptions.Load(p.Context, v.ID)
				var rels func() ([]registry.Release, bool, error)
				if outdatedOnly {
					rels = l.releases.Load(p.Context, v.ID)
				}
				return func() (interface{}, error) {
					list, _, err := ads()
					if err != nil {
						return nil, publicError(err)
					}
					var rs []registry.Release
					if rels != nil {
						if rs, _, err = rels(); err != nil {
							return nil, publicError(err)
						}
					}
					kept := make([]registry.Adoption, 0, len(list))
					for i := range list {
						if status != "" && list[i].Status != status {
							continue
						}
						if outdatedOnly && !isOutdated(&list[i], rs) {
							continue
						}
						kept = append(kept, list[i])
					}
					c, err := sliceConnection(kept, func(x *registry.Adoption) string { return x.ID }, "asset-adoptions", pg, func(x *registry.Adoption) interface{} { return x })
					if err != nil {
						return nil, publicError(err)
					}
					return c, nil
				}, nil
			}},
			"adopterCount": {Type: gql.NewNonNull(gql.Int), Description: "Entities using it (retired adoptions excluded).", Resolve: func(p gql.ResolveParams) (interface{}, error) {
				return thunk(a.loadersFrom(p.Context).adoptions.Load(p.Context, p.Source.(*registry.Asset).ID), func(list []registry.Adoption, _ bool) (interface{}, error) {
					seen := map[string]bool{}
					for _, ad := range list {
						if ad.Status != registry.AdoptionRetired {
							seen[ad.EntityNIT] = true
						}
					}
					return len(seen), nil
				}), nil
			}},
			"purchaseTotals": {Type: gql.NewNonNull(t.totals), Description: "Purchases linked to it (batched).", Resolve: func(p gql.ResolveParams) (interface{}, error) {
				return thunk(a.loadersFrom(p.Context).totals.Load(p.Context, p.Source.(*registry.Asset).ID), func(v purchaseTotals, _ bool) (interface{}, error) {
					return &v, nil
				}), nil
			}},
			"purchaseLinks": {Type: gql.NewNonNull(t.linkConn), Args: pageArgs(gql.FieldConfigArgument{"state": {Type: t.linkState}, "relation": {Type: t.relation}}), Resolve: func(p gql.ResolveParams) (interface{}, error) {
				args := p.Args
				args["asset"] = globalID(typeAsset, p.Source.(*registry.Asset).ID)
				return a.resolveLinks(p, args)
			}},
			"advisories": {Type: gql.NewNonNull(t.advisoryConn), Args: pageArgs(nil), Resolve: func(p gql.ResolveParams) (interface{}, error) {
				args := p.Args
				args["asset"] = globalID(typeAsset, p.Source.(*registry.Asset).ID)
				return a.resolveAdvisories(p, args)
			}},
			"mirror": {Type: t.mirror, Resolve: func(p gql.ResolveParams) (interface{}, error) {
				m, err := a.svc.Store().Mirrors().GetByAsset(p.Context, p.Source.(*registry.Asset).ID)
				if isNotFound(err) {
					return nil, nil
				}
				if err != nil {
					return nil, publicError(err)
				}
				return &m, nil
			}},
		}
	})})
	t.assetConn = a.connectionType("Asset", t.asset, gql.Fields{
		"score":      {Type: gql.Float, Description: "Relevance, for a text query.", Resolve: func(p gql.ResolveParams) (interface{}, error) { return p.Source.(edge).Score, nil }},
		"highlights": {Type: gql.NewNonNull(gql.NewList(gql.NewNonNull(t.highlight))), Description: "Where a text query matched.", Resolve: func(p gql.ResolveParams) (interface{}, error) { return highlightsOf(p.Source.(edge)), nil }},
	}, gql.Fields{
		"facets": {Type: gql.NewNonNull(gql.NewList(gql.NewNonNull(t.facet))), Description: "Value counts over every matching asset (empty when the store answered without the search index).", Resolve: func(p gql.ResolveParams) (interface{}, error) {
			return anys(p.Source.(*connection).Facets), nil
		}},
		"ignoredWords": {Type: gql.NewNonNull(gql.NewList(gql.NewNonNull(gql.String))), Description: "Words of the text that only say it is software (software, sistema, aplicativo, plataforma…) and that no asset contains: the search went on without them. Any other word no asset contains keeps the answer empty.", Resolve: func(p gql.ResolveParams) (interface{}, error) {
			return anys(p.Source.(*connection).Ignored), nil
		}},
		"relaxed": {Type: gql.NewNonNull(gql.Boolean), Description: "True when no asset has every word of the text, though each word is in some asset: the edges (with the filters) then match all words but one (either of two), the closest first by relevance.", Resolve: func(p gql.ResolveParams) (interface{}, error) {
			return p.Source.(*connection).Relaxed, nil
		}},
	}, false)
}

func findingsList(fs []registry.Finding) interface{} {
	out := make([]interface{}, len(fs))
	for i := range fs {
		out[i] = &fs[i]
	}
	return out
}

func zeroNil(n int) interface{} {
	if n == 0 {
		return nil
	}
	return n
}

func highlightsOf(e edge) []interface{} {
	fields := make([]string, 0, len(e.Highlights))
	for f := range e.Highlights {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	out := make([]interface{}, len(fields))
	for i, f := range fields {
		out[i] = highlight{Field: f, Snippets: e.Highlights[f]}
	}
	return out
}

// adoptedRelease is the release an adoption runs.
func adoptedRelease(ad *registry.Adoption, rs []registry.Release) interface{} {
	if ad.ReleaseTag != "" {
		for i := range rs {
			if rs[i].Tag == ad.ReleaseTag {
				return &rs[i]
			}
		}
		return nil
	}
	v, ok := effectiveVersion(ad, rs)
	if !ok {
		return nil
	}
	for i := range rs {
		if rv, ok := registry.ParseSemver(rs[i].Version); ok && rs[i].IsRelease && !rs[i].Withdrawn && rv.Compare(v) == 0 {
			return &rs[i]
		}
	}
	return nil
}
