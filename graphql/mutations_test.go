package graphql

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/acervo-co/acervo/registry"
)

type mutationCase struct {
	user    string
	query   string
	vars    func(e *env) map[string]interface{}
	actions []string // audit actions the mutation must leave
}

func gid(typ, id string) string { return globalID(typ, id) }

// revOf reads a record's rev through the API.
func revOf(e *env, query string, path ...string) int {
	e.t.Helper()
	r := e.post("admin", query, nil)
	var v interface{} = r.json(e.t)["data"]
	for _, p := range path {
		v = v.(map[string]interface{})[p]
	}
	return int(v.(float64))
}

func mutationCases() map[string]mutationCase {
	return map[string]mutationCase{
		"registerAsset": {user: "nobody", actions: []string{"asset.create", "mirror.create"},
			query: `mutation { registerAsset(input: {repositoryUrl: "https://github.com/example/nuevo-sistema.git"}) { result { slug kind repositoryUrl mirror { status } } userErrors { field message code } } }`},
		"updateAsset": {user: "editor.mintic", actions: []string{"asset.update"},
			query: `mutation($input: UpdateAssetInput!) { updateAsset(input: $input) { result { name rev categories description(lang: "en") { shortDescription } } userErrors { field message code } } }`,
			vars: func(e *env) map[string]interface{} {
				rev := revOf(e, `{ asset(slug: "orfeo") { rev } }`, "asset", "rev")
				return map[string]interface{}{"input": map[string]interface{}{"id": gid(typeAsset, idOrfeo), "rev": rev, "name": "Orfeo Gestión Documental",
					"categories": []string{"document-management"}, "descriptionEn": map[string]interface{}{"shortDescription": "Records management."}}}
			}},
		"deactivateAsset": {user: "admin", actions: []string{"asset.deactivate"},
			query: `mutation { deactivateAsset(input: {id: "` + gid(typeAsset, idSIIF) + `", reason: "Duplicado"}) { result { active inactiveReason } userErrors { message } } }`},
		"reactivateAsset": {user: "admin", actions: []string{"asset.reactivate"},
			query: `mutation { reactivateAsset(input: {id: "` + gid(typeAsset, idDatos) + `"}) { result { active } userErrors { message } } }`},
		"recordAdoption": {user: "editor.mintic", actions: []string{"adoption.create"},
			query: `mutation { recordAdoption(input: {entityNit: "899999053", asset: "` + gid(typeAsset, idCartApp) + `", releaseTag: "v0.9.0", status: PILOT, evidence: [{kind: "DECLARATION", ref: "Acta 12"}]}) { result { status releaseTag entity { sigla } evidence { kind ref } } userErrors { field message code } } }`},
		"updateAdoption": {user: "cio.cartagena", actions: []string{"adoption.update"},
			query: `mutation($input: UpdateAdoptionInput!) { updateAdoption(input: $input) { result { status environment } userErrors { field message code } } }`,
			vars: func(e *env) map[string]interface{} {
				rev := revOf(e, `{ node(id: "`+gid(typeAdoption, idAdoptApp)+`") { ... on Adoption { rev } } }`, "node", "rev")
				return map[string]interface{}{"input": map[string]interface{}{"id": gid(typeAdoption, idAdoptApp), "rev": rev, "status": "PRODUCTION", "environment": "produccion"}}
			}},
		"verifyAdoption": {user: "cio.cartagena", actions: []string{"adoption.verify"},
			query: `mutation { verifyAdoption(input: {id: "` + gid(typeAdoption, idAdoptApp) + `"}) { result { verification pending } userErrors { message } } }`},
		"confirmPurchaseLink": {user: "cio.cartagena", actions: []string{"link.confirm"},
			query: `mutation { confirmPurchaseLink(input: {id: "` + gid(typeLink, idLinkApp) + `"}) { result { state } userErrors { message } } }`},
		"rejectPurchaseLink": {user: "admin", actions: []string{"link.reject"},
			query: `mutation { rejectPurchaseLink(input: {id: "` + gid(typeLink, idLinkSIIF) + `"}) { result { state } userErrors { message } } }`},
		"addAdvisory": {user: "editor.mintic", actions: []string{"advisory.upsert"},
			query: `mutation { addAdvisory(input: {asset: "` + gid(typeAsset, idOrfeo) + `", osvId: "GHSA-orfe-0002-sqli", summary: "Inyección SQL", severity: "CRITICAL", affected: [{introduced: "2.0.0", fixed: "2.0.1"}]}) { result { osvId asset { slug } } userErrors { field message } } }`},
		"createToken": {user: "nobody", actions: []string{"token.create"},
			query: `mutation { createToken(input: {name: "ci", expiresInDays: 30}) { result { secret token { name } } userErrors { message } } }`},
		"revokeToken": {user: "nobody", actions: []string{"token.revoke"},
			query: `mutation($id: ID!) { revokeToken(input: {id: $id}) { result { name revokedAt } userErrors { message } } }`,
			vars: func(e *env) map[string]interface{} {
				ts, err := e.svc.Store().Tokens().ListByUser(e.t.Context(), e.users["nobody"].ID)
				if err != nil || len(ts) == 0 {
					e.t.Fatalf("tokens of nobody: %v", err)
				}
				sort.Slice(ts, func(i, j int) bool { return ts[i].CreatedAt.Before(ts[j].CreatedAt) || ts[i].ID < ts[j].ID })
				return map[string]interface{}{"id": gid(typeToken, ts[len(ts)-1].ID)}
			}},
	}
}

// TestEveryMutationIsAudited asks the live schema for its mutations, runs
// each, and fails when one has no case or leaves no audit event.
func TestEveryMutationIsAudited(t *testing.T) {
	e := newEnv(t)
	r := e.post("", `{ __schema { mutationType { fields { name } } } }`, nil)
	var intro struct {
		Data struct {
			Schema struct {
				MutationType struct {
					Fields []struct{ Name string }
				}
			} `json:"__schema"`
		}
	}
	if err := json.Unmarshal(r.Body, &intro); err != nil || len(intro.Data.Schema.MutationType.Fields) == 0 {
		t.Fatalf("introspection: %v %s", err, r.Body)
	}
	cases := mutationCases()
	var names []string
	for _, f := range intro.Data.Schema.MutationType.Fields {
		names = append(names, f.Name)
	}
	// createToken before revokeToken, which revokes the token it made.
	sort.Slice(names, func(i, j int) bool {
		if names[i] == "revokeToken" || names[j] == "revokeToken" {
			return names[j] == "revokeToken"
		}
		return names[i] < names[j]
	})
	for _, name := range names {
		c, ok := cases[name]
		if !ok {
			t.Errorf("mutation %s has no case in mutationCases: add one that checks its audit event", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			var vars map[string]interface{}
			if c.vars != nil {
				vars = c.vars(e)
			}
			r := e.post(c.user, c.query, vars)
			m := r.json(t)
			if r.Status != 200 || m["errors"] != nil {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			p := m["data"].(map[string]interface{})[name].(map[string]interface{})
			if ues := p["userErrors"].([]interface{}); len(ues) > 0 || p["result"] == nil {
				t.Fatalf("refused: %s", r.Body)
			}
			rid := r.Header.Get("X-Request-Id")
			for _, action := range c.actions {
				evs, err := e.svc.Store().Audit().List(t.Context(), registry.AuditFilter{Action: action, Page: registry.Page{First: 100}})
				if err != nil {
					t.Fatal(err)
				}
				found := false
				for _, ev := range evs.Items {
					if ev.RequestID == rid && ev.Actor == e.users[c.user].ID {
						found = true
					}
				}
				if !found {
					t.Errorf("no %s audit event by %s with request id %s (%d events of that action)", action, c.user, rid, len(evs.Items))
				}
			}
		})
	}
	for name := range cases {
		if !strings.Contains(strings.Join(names, " "), name) {
			t.Errorf("case %s names no mutation of the schema", name)
		}
	}
}

func TestMutationUserErrors(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name, user, query, field, code string
	}{
		{"anonymous", "", `mutation { deactivateAsset(input: {id: "` + gid(typeAsset, idSIIF) + `", reason: "x"}) { result { active } userErrors { field message code } } }`, "", CodeUnauthenticated},
		{"forbidden", "nobody", `mutation { deactivateAsset(input: {id: "` + gid(typeAsset, idSIIF) + `", reason: "x"}) { result { active } userErrors { field message code } } }`, "", CodeForbidden},
		{"invalid", "admin", `mutation { deactivateAsset(input: {id: "` + gid(typeAsset, idSIIF) + `", reason: " "}) { result { active } userErrors { field message code } } }`, "reason", CodeInvalid},
		{"not an id", "admin", `mutation { reactivateAsset(input: {id: "nope"}) { result { active } userErrors { field message code } } }`, "id", CodeInvalid},
		{"not found", "admin", `mutation { reactivateAsset(input: {id: "` + gid(typeAsset, "missing") + `"}) { result { active } userErrors { field message code } } }`, "", CodeNotFound},
		{"stale rev", "editor.mintic", `mutation { updateAsset(input: {id: "` + gid(typeAsset, idOrfeo) + `", rev: 99, name: "X"}) { result { name } userErrors { field message code } } }`, "", CodeConflict},
		{"other entity", "editor.mintic", `mutation { verifyAdoption(input: {id: "` + gid(typeAdoption, idAdoptCart) + `"}) { result { pending } userErrors { field message code } } }`, "", CodeForbidden},
		{"egress policy", "nobody", `mutation { registerAsset(input: {repositoryUrl: "file:///etc"}) { result { slug } userErrors { field message code } } }`, "url", registry.CodeURLSchemeNotAllowed},
		{"bad constraint", "editor.mintic", `mutation { recordAdoption(input: {entityNit: "899999053", asset: "` + gid(typeAsset, idCartApp) + `", constraint: "not a version"}) { result { id } userErrors { field message code } } }`, "constraint", CodeInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before, _ := e.svc.Store().Audit().List(t.Context(), registry.AuditFilter{Page: registry.Page{First: 100}})
			r := e.post(c.user, c.query, nil)
			var m struct {
				Data map[string]struct {
					Result     interface{}
					UserErrors []userError
				}
				Errors []interface{}
			}
			if err := json.Unmarshal(r.Body, &m); err != nil || r.Status != 200 || len(m.Errors) > 0 {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			for _, p := range m.Data {
				if p.Result != nil || len(p.UserErrors) != 1 || p.UserErrors[0].Code != c.code || p.UserErrors[0].Field != c.field || p.UserErrors[0].Message == "" {
					t.Fatalf("got %s, want code %s on field %q", r.Body, c.code, c.field)
				}
			}
			after, _ := e.svc.Store().Audit().List(t.Context(), registry.AuditFilter{Page: registry.Page{First: 100}})
			if len(after.Items) != len(before.Items) {
				t.Fatalf("a refused mutation wrote %d audit events", len(after.Items)-len(before.Items))
			}
		})
	}
}

// TestReadYourWrites: a mutation's changes are searchable when its
// response arrives.
func TestReadYourWrites(t *testing.T) {
	e := newEnv(t)
	rev := revOf(e, `{ asset(slug: "mi-cartagena") { rev } }`, "asset", "rev")
	r := e.post("cio.cartagena", `mutation($in: UpdateAssetInput!) { updateAsset(input: $in) { userErrors { message } } }`,
		map[string]interface{}{"in": map[string]interface{}{"id": gid(typeAsset, idCartApp), "rev": rev, "name": "Ventanilla Única Cartagenera", "categories": []string{"tramites"}}})
	if r.Status != 200 || strings.Contains(string(r.Body), `"message"`) {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	r = e.post("", `{ assets(first: 5, query: "ventanilla unica", filter: {category: "tramites"}) { totalCount edges { node { slug name } } } }`, nil)
	if !strings.Contains(string(r.Body), `"totalCount":1`) || !strings.Contains(string(r.Body), "Ventanilla Única Cartagenera") {
		t.Fatalf("the renamed asset is not found: %s", r.Body)
	}
}
