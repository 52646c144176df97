package procurement

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Row is one input row: its values by field name (the dataset's API field
// names, whatever the file's headers were) and where each field sits in the
// file. A Row is valid until the reader that produced it is advanced.
type Row struct {
	// Line is the line of the file where the row starts (1-based).
	Line int
	// Index is the row's ordinal among the input's rows (0-based).
	Index int64

	cols *Columns
	vals []string
	pos  func(i int) (line, col int) // CSV: position of field i

	obj    map[string]string // JSON: values by key
	locate func(key string) (line, col int)
}

// Columns maps field names to the positions of a CSV header.
type Columns struct {
	index  map[string]int // canonical field → field index
	header []string       // as written
}

// Get returns the value of a field ("" when absent), converted from
// Windows-1252 when the file is not UTF-8.
func (r *Row) Get(field string) string {
	if r.obj != nil {
		return r.obj[field]
	}
	i, ok := r.cols.index[field]
	if !ok || i >= len(r.vals) {
		return ""
	}
	v := r.vals[i]
	if !utf8.ValidString(v) {
		v = fromWindows1252(v)
	}
	return v
}

// Has reports whether the input carries the field at all.
func (r *Row) Has(field string) bool {
	if r.obj != nil {
		_, ok := r.obj[field]
		return ok
	}
	_, ok := r.cols.index[field]
	return ok
}

// Pos returns the line and column of a field (the row's line and column 1
// when the field is absent or its position unknown).
func (r *Row) Pos(field string) (line, col int) {
	if r.obj != nil {
		if r.locate != nil {
			if l, c := r.locate(field); l > 0 {
				return l, c
			}
		}
		return r.Line, 1
	}
	if i, ok := r.cols.index[field]; ok && i < len(r.vals) && r.pos != nil {
		return r.pos(i)
	}
	return r.Line, 1
}

// Fields lists the row's field names and values, for hashing and debugging.
func (r *Row) Fields() map[string]string {
	if r.obj != nil {
		return r.obj
	}
	m := make(map[string]string, len(r.cols.index))
	for f := range r.cols.index {
		m[f] = r.Get(f)
	}
	return m
}

// RowError is why one row was refused: where and what.
type RowError struct {
	Line   int    `json:"line"`
	Column int    `json:"column"`
	Field  string `json:"-"`
	Reason string `json:"reason"`
}

func (e *RowError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Reason)
}

// fieldErr builds a RowError for a field of r.
func fieldErr(r *Row, field, format string, args ...any) *RowError {
	l, c := r.Pos(field)
	return &RowError{Line: l, Column: c, Field: field, Reason: field + ": " + fmt.Sprintf(format, args...)}
}

// headerKey folds a header cell for matching: "Código de Categoría
// Principal" and "codigo_de_categoria_principal" both give
// "codigo_de_categoria_principal".
func headerKey(h string) string {
	h = strings.TrimPrefix(strings.TrimSpace(h), "\ufeff")
	k := nameKey(h)
	return strings.ReplaceAll(k, " ", "_")
}

// win1252 maps the bytes 0x80–0x9F of Windows-1252; 0xA0–0xFF are Latin-1.
var win1252 = [32]rune{
	'€', 0x81, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0x8d, 'Ž', 0x8f,
	0x90, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0x9d, 'ž', 'Ÿ',
}

// fromWindows1252 decodes a string a Spanish-locale spreadsheet saved in
// Windows-1252 (valid UTF-8 sequences are kept as they are).
func fromWindows1252(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r != utf8.RuneError || size > 1 {
			b.WriteString(s[i : i+size])
			i += size
			continue
		}
		c := s[i]
		switch {
		case c >= 0x80 && c < 0xa0:
			b.WriteRune(win1252[c-0x80])
		default:
			b.WriteRune(rune(c))
		}
		i++
	}
	return b.String()
}
