package procurement

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"sort"
	"strconv"
)

// JSONItem is one element found in a JSON input: a SODA row, an OCDS
// release or record, or a lone top-level object.
type JSONItem struct {
	Kind  string          // "element" (of a top-level array), "releases", "records", "object"
	Raw   json.RawMessage // the element's bytes ("object": nil, see Top)
	Top   map[string]json.RawMessage
	Start int64 // byte offset of the element in the input
}

// JSONReader streams the elements of a JSON input without holding it in
// memory: a top-level array ([{…},{…}]), an OCDS release or record package
// ({"releases":[…]} / {"records":[…]}, streamed element by element), a lone
// object (a compiled release, a single row), or several of those one after
// the other (JSON Lines). It knows the line and column of any byte offset.
type JSONReader struct {
	lines *lineIndex
	dec   *json.Decoder
	next  func() (JSONItem, bool)
	stop  func()
	err   error
}

// NewJSONReader prepares to stream rd.
func NewJSONReader(rd io.Reader) *JSONReader {
	br := bufio.NewReaderSize(rd, 1<<20)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xef, 0xbb, 0xbf}) {
		_, _ = br.Discard(3)
	}
	li := &lineIndex{r: br}
	dec := json.NewDecoder(li)
	dec.UseNumber()
	j := &JSONReader{lines: li, dec: dec}
	j.next, j.stop = iter.Pull(j.walk)
	return j
}

// Next returns the next item, or io.EOF, or the syntax error that ended the
// input (with its line and column).
func (j *JSONReader) Next() (JSONItem, error) {
	it, ok := j.next()
	if !ok {
		if j.err != nil {
			return JSONItem{}, j.err
		}
		return JSONItem{}, io.EOF
	}
	j.lines.prune(it.Start)
	return it, nil
}

// Close stops the reader.
func (j *JSONReader) Close() { j.stop() }

// Offset is the number of bytes decoded so far.
func (j *JSONReader) Offset() int64 { return j.dec.InputOffset() }

// Pos returns the line and column (1-based) of a byte offset at or after the
// start of the current item.
func (j *JSONReader) Pos(off int64) (line, col int) { return j.lines.pos(off) }

// Locate finds where key sits inside an item, for error reports.
func (j *JSONReader) Locate(it JSONItem, key string) (line, col int) {
	if it.Raw == nil {
		return j.lines.pos(it.Start)
	}
	i := bytes.Index(it.Raw, []byte(strconv.Quote(key)))
	if i < 0 {
		return 0, 0
	}
	return j.lines.pos(it.Start + int64(i))
}

func (j *JSONReader) fail(err error) {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		l, c := j.lines.pos(se.Offset)
		j.err = fmt.Errorf("line %d, column %d: %w", l, c, err)
		return
	}
	if err == io.ErrUnexpectedEOF {
		// The decoder stays at the start of the value it could not finish;
		// the stream's end is where the file was cut.
		l, c := j.lines.pos(j.dec.InputOffset())
		el, ec := j.lines.pos(j.lines.off)
		j.err = fmt.Errorf("line %d, column %d: the input ends (line %d, column %d) before the value that starts here is complete: is the file cut off?", l, c, el, ec)
		return
	}
	j.err = err
}

func (j *JSONReader) walk(yield func(JSONItem) bool) {
	dec := j.dec
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			j.fail(err)
			return
		}
		d, ok := tok.(json.Delim)
		if !ok {
			j.err = fmt.Errorf("unexpected %v at the top level: want an array or an object", tok)
			return
		}
		switch d {
		case '[':
			if !j.array("element", yield) {
				return
			}
		case '{':
			start := dec.InputOffset() - 1
			top := map[string]json.RawMessage{}
			pkg := false
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					j.fail(err)
					return
				}
				key, _ := kt.(string)
				if key == "releases" || key == "records" {
					t, err := dec.Token()
					if err != nil {
						j.fail(err)
						return
					}
					if t == json.Delim('[') {
						pkg = true
						if !j.array(key, yield) {
							return
						}
						continue
					}
					if t != nil {
						j.err = fmt.Errorf("%q is not an array", key)
						return
					}
					continue
				}
				var raw json.RawMessage
				if err := dec.Decode(&raw); err != nil {
					j.fail(err)
					return
				}
				top[key] = raw
			}
			if _, err := dec.Token(); err != nil {
				j.fail(err)
				return
			}
			if !pkg {
				if !yield(JSONItem{Kind: "object", Top: top, Start: start}) {
					return
				}
			}
		default:
			j.err = fmt.Errorf("unexpected %v at the top level", d)
			return
		}
	}
}

// array yields the elements of an array whose '[' was read, and reads ']'.
func (j *JSONReader) array(kind string, yield func(JSONItem) bool) bool {
	dec := j.dec
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			j.fail(err)
			return false
		}
		end := dec.InputOffset()
		if !yield(JSONItem{Kind: kind, Raw: raw, Start: end - int64(len(raw))}) {
			return false
		}
	}
	if _, err := dec.Token(); err != nil {
		j.fail(err)
		return false
	}
	return true
}

// lineIndex remembers where the lines of a stream start, to turn byte
// offsets into lines and columns; offsets before the last prune are
// forgotten.
type lineIndex struct {
	r      io.Reader
	off    int64
	nl     []int64 // offsets of '\n', increasing
	base   int     // newlines dropped from nl
	lastNL int64   // offset of the last dropped newline, -1 if none
	inited bool
}

func (li *lineIndex) Read(p []byte) (int, error) {
	if !li.inited {
		li.lastNL, li.inited = -1, true
	}
	n, err := li.r.Read(p)
	b := p[:n]
	for off := 0; ; {
		i := bytes.IndexByte(b[off:], '\n')
		if i < 0 {
			break
		}
		li.nl = append(li.nl, li.off+int64(off+i))
		off += i + 1
	}
	li.off += int64(n)
	return n, err
}

func (li *lineIndex) pos(off int64) (line, col int) {
	if !li.inited {
		li.lastNL, li.inited = -1, true
	}
	i := sort.Search(len(li.nl), func(i int) bool { return li.nl[i] >= off })
	start := li.lastNL + 1
	if i > 0 {
		start = li.nl[i-1] + 1
	}
	return li.base + i + 1, int(off-start) + 1
}

func (li *lineIndex) prune(off int64) {
	i := sort.Search(len(li.nl), func(i int) bool { return li.nl[i] >= off })
	if i == 0 {
		return
	}
	li.lastNL = li.nl[i-1]
	li.base += i
	li.nl = append(li.nl[:0], li.nl[i:]...)
}

// flattenJSON turns a SODA row into field values: strings as they are,
// numbers and booleans as written, url objects ({"url": …}) as the URL,
// null as absent.
func flattenJSON(obj map[string]json.RawMessage) map[string]string {
	m := make(map[string]string, len(obj))
	for k, v := range obj {
		v = bytes.TrimSpace(v)
		if len(v) == 0 {
			continue
		}
		switch v[0] {
		case '"':
			var s string
			if json.Unmarshal(v, &s) == nil {
				m[k] = s
			}
		case 'n':
		case '{':
			var u struct {
				URL         *string `json:"url"`
				Description string  `json:"description"`
			}
			if json.Unmarshal(v, &u) == nil && u.URL != nil {
				m[k] = *u.URL
			} else {
				m[k] = string(v)
			}
		default:
			m[k] = string(v)
		}
	}
	return m
}
