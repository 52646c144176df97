package procurement

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// item is one unit of input: a tabular row, or an OCDS release, or a row
// that could not be read.
type item struct {
	row    *Row
	ocds   json.RawMessage
	line   int
	col    int  // of the item's first byte
	exact  bool // ocds holds the input's own bytes (not re-encoded)
	locate func(key string) (line, col int)
	err    *RowError
}

// source yields the items of an input.
type source interface {
	next() (item, error) // io.EOF at the end
	offset() int64       // bytes consumed
	format() Format
	close()
}

// ErrUnknownFormat is returned when an input is not one of the formats the
// importer reads.
var ErrUnknownFormat = errors.New("unknown format")

// openSource sniffs rd and returns the source that reads it. family ("auto",
// "secop2", "secop1", "tvec", "ocds", "integrado") restricts what is
// accepted.
func openSource(rd io.Reader, family string, t *Tables) (source, error) {
	br := bufio.NewReaderSize(rd, 1<<20)
	head, _ := br.Peek(4096)
	head = bytes.TrimPrefix(head, []byte{0xef, 0xbb, 0xbf})
	first := bytes.TrimLeft(head, " \t\r\n")
	var src source
	var err error
	if len(first) > 0 && (first[0] == '[' || first[0] == '{') {
		src, err = openJSONSource(br, t)
	} else {
		src, err = openCSVSource(br, t)
	}
	if err != nil {
		return nil, err
	}
	f := src.format()
	if family != "" && family != "auto" && f.Dataset.Family() != family {
		src.close()
		return nil, fmt.Errorf("%w: the file holds %s, not %s", ErrUnknownFormat, f, family)
	}
	return src, nil
}

type csvSource struct {
	r   *CSVReader
	fmt Format
}

func openCSVSource(rd io.Reader, t *Tables) (*csvSource, error) {
	r, err := NewCSVReader(rd)
	if err != nil {
		return nil, err
	}
	spec, canon, exact := detectHeader(r.Header, t)
	if spec == nil {
		h := strings.Join(r.Header, ", ")
		if !printable(h) {
			return nil, fmt.Errorf("%w: the first line is not text (binary or an unknown encoding): a CSV, JSON or JSON-lines export of SECOP, TVEC or OCDS is expected", ErrUnknownFormat)
		}
		if len(h) > 200 {
			h = h[:200] + "…"
		}
		return nil, fmt.Errorf("%w: the CSV header (%s) names none of the key columns id_contrato, id_del_proceso, numero_de_constancia, identificador_de_la_orden, numero_del_contrato+origen", ErrUnknownFormat, h)
	}
	r.SetColumns(canon)
	enc := EncExportCSV
	if exact && r.Comma == ',' {
		enc = EncSODACSV
	}
	return &csvSource{r: r, fmt: Format{Dataset: spec.dataset, Encoding: enc, Delimiter: r.Comma}}, nil
}

func (s *csvSource) next() (item, error) {
	row, rerr, err := s.r.Next()
	if err != nil {
		return item{}, err
	}
	if rerr != nil {
		return item{err: rerr, line: rerr.Line}, nil
	}
	return item{row: row, line: row.Line}, nil
}

func (s *csvSource) offset() int64  { return s.r.Offset() }
func (s *csvSource) format() Format { return s.fmt }
func (s *csvSource) close()         {}

type jsonSource struct {
	r       *JSONReader
	fmt     Format
	peeked  *JSONItem
	index   int64
	records bool
}

func openJSONSource(rd io.Reader, t *Tables) (source, error) {
	jr := NewJSONReader(rd)
	it, err := jr.Next()
	if err == io.EOF {
		jr.Close()
		return nil, fmt.Errorf("%w: the JSON input holds no rows", ErrUnknownFormat)
	}
	if err != nil {
		jr.Close()
		return nil, err
	}
	s := &jsonSource{r: jr, peeked: &it}
	switch it.Kind {
	case "releases":
		s.fmt = Format{Dataset: OCDS, Encoding: EncOCDSReleasePkg}
	case "records":
		s.fmt = Format{Dataset: OCDS, Encoding: EncOCDSRecordPkg}
		s.records = true
	default:
		keys := map[string]bool{}
		if it.Top != nil {
			for k := range it.Top {
				keys[k] = true
			}
		} else {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(it.Raw, &m); err != nil {
				jr.Close()
				l, c := jr.Pos(it.Start)
				return nil, fmt.Errorf("%w: line %d, column %d: the array holds %s, not objects", ErrUnknownFormat, l, c, kindOf(it.Raw))
			}
			for k := range m {
				keys[k] = true
			}
		}
		d := detectObject(keys)
		switch d {
		case UnknownDataset:
			jr.Close()
			return nil, fmt.Errorf("%w: the JSON objects carry none of the keys ocid, id_contrato, id_del_proceso, numero_de_constancia, identificador_de_la_orden, numero_del_contrato+origen", ErrUnknownFormat)
		case OCDS:
			s.fmt = Format{Dataset: OCDS, Encoding: EncOCDSRelease}
		default:
			s.fmt = Format{Dataset: d, Encoding: EncSODAJSON}
		}
	}
	if s.fmt.Dataset == OCDS && !s.records {
		return newOCDSGroups(s), nil
	}
	return s, nil
}

func kindOf(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '[':
		return "arrays"
	case '"':
		return "strings"
	case 'n':
		return "nulls"
	case 't', 'f':
		return "booleans"
	}
	return "numbers"
}

func (s *jsonSource) next() (item, error) {
	var it JSONItem
	if s.peeked != nil {
		it, s.peeked = *s.peeked, nil
	} else {
		var err error
		if it, err = s.r.Next(); err != nil {
			return item{}, err
		}
	}
	s.index++
	line, col := s.r.Pos(it.Start)
	raw := it.Raw
	if it.Top != nil {
		b, err := json.Marshal(it.Top)
		if err != nil {
			return item{}, err
		}
		raw = b
	}
	locate := func(key string) (int, int) { return s.r.Locate(it, key) }
	if s.fmt.Dataset == OCDS {
		if s.records {
			rel, err := releaseOfRecord(raw)
			if err != nil {
				return item{line: line, err: &RowError{Line: line, Column: 1, Reason: err.Error()}}, nil
			}
			raw = rel
		}
		return item{ocds: raw, line: line, col: col, exact: it.Top == nil && !s.records, locate: locate}, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return item{line: line, err: &RowError{Line: line, Column: 1, Reason: "not a JSON object: " + kindOf(raw)}}, nil
	}
	row := &Row{Line: line, Index: s.index - 1, obj: flattenJSON(m), locate: locate}
	return item{row: row, line: line, locate: locate}, nil
}

func (s *jsonSource) offset() int64  { return s.r.Offset() }
func (s *jsonSource) format() Format { return s.fmt }
func (s *jsonSource) close()         { s.r.Close() }

// printable reports whether s reads as text: valid UTF-8 (an invalid byte
// ranges as RuneError) with no control characters but tabs.
func printable(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || r != '\t' && unicode.IsControl(r) {
			return false
		}
	}
	return true
}
