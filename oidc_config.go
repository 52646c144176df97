package main

import (
	"strings"

	"github.com/acervo-co/acervo/web"
)

// oidcFromEnv reads the OpenID Connect sign-in settings:
// ACERVO_OIDC_ISSUER, ACERVO_OIDC_CLIENT_ID, ACERVO_OIDC_CLIENT_SECRET,
// ACERVO_OIDC_REDIRECT_URL, ACERVO_OIDC_SCOPES (comma-separated) and
// ACERVO_OIDC_LABEL. Without an issuer, OIDC sign-in is off.
func oidcFromEnv(getenv func(string) string) *web.OIDCConfig {
	if getenv == nil || getenv("ACERVO_OIDC_ISSUER") == "" {
		return nil
	}
	return &web.OIDCConfig{
		Issuer:       getenv("ACERVO_OIDC_ISSUER"),
		ClientID:     getenv("ACERVO_OIDC_CLIENT_ID"),
		ClientSecret: getenv("ACERVO_OIDC_CLIENT_SECRET"),
		RedirectURL:  getenv("ACERVO_OIDC_REDIRECT_URL"),
		Scopes:       splitList(strings.ReplaceAll(getenv("ACERVO_OIDC_SCOPES"), " ", ",")),
		Label:        getenv("ACERVO_OIDC_LABEL"),
	}
}
