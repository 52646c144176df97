package graphql

import (
	"encoding/base64"
	"net/http"
	"strings"
)

// Node type names, the prefix of global ids.
const (
	typeAsset    = "Asset"
	typeRelease  = "Release"
	typeEntity   = "Entity"
	typeAdoption = "Adoption"
	typePurchase = "Purchase"
	typeLink     = "PurchaseLink"
	typeAdvisory = "Advisory"
	typeMirror   = "Mirror"
	typeToken    = "Token"
)

// globalID makes the opaque id of a node: base64url of "Type:id".
func globalID(typ, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + id))
}

// parseGlobalID reads a global id; ok is false when it is not one.
func parseGlobalID(gid string) (typ, id string, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(gid)
	if err != nil {
		return "", "", false
	}
	typ, id, ok = strings.Cut(string(b), ":")
	if !ok || typ == "" || id == "" {
		return "", "", false
	}
	return typ, id, true
}

// idOf reads a global id of the wanted type for an argument.
func idOf(gid, want, arg string) (string, error) {
	typ, id, ok := parseGlobalID(gid)
	if !ok || typ != want {
		e := newError(http.StatusBadRequest, CodeInvalid, arg+" is not the global id of a node of type "+want)
		e.field = arg
		return "", e
	}
	return id, nil
}
