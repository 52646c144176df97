package procurement

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
)

// CSVReader streams the rows of a CSV file as CCE and spreadsheets write
// them: an optional UTF-8 byte-order mark, ',' ';' or tab as delimiter
// (sniffed from the header line), quoted fields spanning several lines, bare
// quotes inside fields, and rows longer or shorter than the header.
type CSVReader struct {
	r      *csv.Reader
	Header []string
	Comma  rune
	cols   *Columns
	index  int64
	row    Row
	bomLen int64
}

// NewCSVReader reads the header of a CSV stream.
func NewCSVReader(rd io.Reader) (*CSVReader, error) {
	br := bufio.NewReaderSize(rd, 1<<20)
	var bomLen int64
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xef, 0xbb, 0xbf}) {
		_, _ = br.Discard(3)
		bomLen = 3
	}
	head, _ := br.Peek(64 << 10)
	comma := sniffDelimiter(head)
	r := csv.NewReader(br)
	r.Comma = comma
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = true
	h, err := r.Read()
	if err == io.EOF {
		return nil, errors.New("empty file: no header line")
	}
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	header := append([]string(nil), h...)
	c := &CSVReader{r: r, Header: header, Comma: comma, bomLen: bomLen}
	c.SetColumns(headerKey)
	return c, nil
}

// sniffDelimiter picks the delimiter that splits the first line into the
// most fields, counting outside quotes.
func sniffDelimiter(b []byte) rune {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	counts := map[byte]int{}
	inQ := false
	for _, c := range b {
		switch {
		case c == '"':
			inQ = !inQ
		case !inQ && (c == ',' || c == ';' || c == '\t' || c == '|'):
			counts[c]++
		}
	}
	best, n := byte(','), 0
	for _, c := range []byte{',', ';', '\t', '|'} {
		if counts[c] > n {
			best, n = c, counts[c]
		}
	}
	return rune(best)
}

// HeaderKeys returns the folded header cells.
func (c *CSVReader) HeaderKeys() []string {
	out := make([]string, len(c.Header))
	for i, h := range c.Header {
		out[i] = headerKey(h)
	}
	return out
}

// SetColumns maps every header cell (as written) to a field name with canon
// ("" to ignore the column); the first column that maps to a field wins.
func (c *CSVReader) SetColumns(canon func(headerKey string) string) {
	cols := &Columns{index: map[string]int{}, header: c.Header}
	for i, h := range c.Header {
		f := canon(h)
		if f == "" {
			continue
		}
		if _, dup := cols.index[f]; !dup {
			cols.index[f] = i
		}
	}
	c.cols = cols
}

// Next returns the next row, or a RowError for a row that cannot be read
// (the reader goes on after it), or io.EOF.
func (c *CSVReader) Next() (*Row, *RowError, error) {
	rec, err := c.r.Read()
	if err == io.EOF {
		return nil, nil, io.EOF
	}
	idx := c.index
	c.index++
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, &RowError{Line: pe.StartLine, Column: pe.Column, Reason: "unreadable CSV: " + pe.Err.Error()}, nil
		}
		return nil, nil, err
	}
	line, _ := c.r.FieldPos(0)
	c.row = Row{Line: line, Index: idx, cols: c.cols, vals: rec, pos: c.r.FieldPos}
	if len(rec) > len(c.Header) {
		for i := len(c.Header); i < len(rec); i++ {
			if rec[i] != "" {
				l, col := c.r.FieldPos(i)
				return nil, &RowError{Line: l, Column: col, Reason: fmt.Sprintf(
					"row has %d fields, the header has %d (an unquoted delimiter inside a value?)", len(rec), len(c.Header))}, nil
			}
		}
	}
	return &c.row, nil, nil
}

// Offset is the number of bytes read so far.
func (c *CSVReader) Offset() int64 { return c.r.InputOffset() + c.bomLen }
