// Package procurement imports the State's purchase records — SECOP II
// contracts and processes, SECOP I, TVEC purchase orders, SECOP Integrado and
// OCDS publications — into the registry, normalised and idempotently, and
// builds the directory of public entities from the buyers it sees.
//
// The pieces, from the bytes up:
//
//   - readers (csv.go, json.go) stream rows out of CSV files (SODA field
//     names, the portal's export headers, Spanish-locale spreadsheet output
//     with BOM, ';' delimiter and multi-line fields) and JSON arrays or OCDS
//     packages, remembering the line and column of every field;
//   - Detect (detect.go) tells which dataset and encoding a file holds;
//   - the mappers (secop2.go, secop1.go, tvec.go, integrado.go, ocds.go) turn
//     one row into a registry.Purchase, using the normalisers (normalize.go:
//     NIT, money, dates, UNSPSC, vocabularies; places.go: DIVIPOLA);
//   - Detector (software.go) scores how likely a purchase is software, with
//     its reasons;
//   - Importer (import.go) runs the pipeline in batches through a Sink (the
//     registry Service), counts new/updated/unchanged/rejected rows, writes
//     rejects, checkpoints, and resumes; rows of SECOP Integrado, which
//     repeats SECOP II and SECOP I contracts with fewer fields, only change
//     what they carry and never erase what a source dataset recorded;
//   - SODA (soda.go) pages through the datos.gov.co API.
//
// The reference tables it needs at run time (DIVIPOLA, UNSPSC names, the
// SECOP II data dictionary) are embedded from data/.
package procurement
