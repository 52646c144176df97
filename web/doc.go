// Package web is Acervo's server-rendered user interface: the catalogue
// (Inicio), the asset and entity pages, the "antes de comprar" check, the
// dashboard of the CIO network and the administration pages, in Spanish
// (es-CO) first with an English switch.
//
// Pages are html/template files embedded with embed.FS and work without
// JavaScript; every asset (fonts, CSS, images, the department boundaries of
// the map) is embedded and served by the package itself, never from a CDN.
// The look follows the GOV.CO design system v5 (tokens, top bar, footer) and
// targets WCAG 2.1 AA.
//
// The pages call *registry.Service directly. Free-text search with facets
// goes through the Searcher interface, which the acervo command wires to the
// search index; without one a small built-in scan is used.
//
// Officers sign in with a local account or, when configured, through an
// OpenID Connect provider (authorization code + PKCE + state + nonce). The
// session cookie is __Host-acervo_sesion (Secure) or, on plain-HTTP
// loopback (Config.Secure false: tests and the demo), acervo_sesion. Every
// unsafe request passes net/http.CrossOriginProtection.
package web
