package demo

import "embed"

// Procurement holds the real SECOP and OCDS samples the demo imports (see
// data/README.md for their provenance).
//
//go:embed data/*.csv data/*.json
var Procurement embed.FS
