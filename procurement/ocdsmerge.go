package procurement

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// compileReleases merges the releases of one contracting process (one ocid)
// into its compiled release, following the merge routine of the Open
// Contracting Data Standard 1.1 ("Merging"):
//   - releases are applied in date order (input order among equal dates);
//   - a later value replaces an earlier one, and a null removes it;
//   - objects merge field by field;
//   - an array of objects that all carry an id merges element by element
//     (matched by id; CCE writes some ids as numbers and others as strings,
//     so 519480 and "519480" are the same id), new ids are appended;
//   - any other array is replaced as a whole;
//   - the compiled release is tagged "compiled", dated with the latest
//     release's date and identified as ocid-date.
//
// The schema's per-field "wholeListMerge" and "omitWhenMerged" annotations
// are not consulted: none of the fields the importer reads carries them.
func compileReleases(rels []json.RawMessage) (json.RawMessage, error) {
	type dated struct {
		obj  map[string]any
		when time.Time
		raw  string
	}
	ds := make([]dated, 0, len(rels))
	ocid := ""
	for i, raw := range rels {
		var v any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("release %d of the process: %w", i+1, err)
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("release %d of the process is not an object", i+1)
		}
		if o, _ := obj["ocid"].(string); o != "" {
			if ocid != "" && o != ocid {
				return nil, fmt.Errorf("releases of two processes (%s, %s) cannot be compiled together", ocid, o)
			}
			ocid = o
		}
		d, _ := obj["date"].(string)
		// The release's own id, date and tag say nothing of the process:
		// the compiled release gets its own.
		delete(obj, "id")
		delete(obj, "date")
		delete(obj, "tag")
		ds = append(ds, dated{obj: obj, when: releaseTime(d), raw: d})
	}
	slices.SortStableFunc(ds, func(a, b dated) int { return a.when.Compare(b.when) })
	out := map[string]any{}
	last := ""
	for _, d := range ds {
		mergeInto(out, d.obj)
		if d.raw != "" {
			last = d.raw
		}
	}
	out["tag"] = []any{"compiled"}
	if last != "" {
		out["date"] = last
		out["id"] = ocid + "-" + last
	} else {
		out["id"] = ocid
	}
	return json.Marshal(out)
}

// releaseTime reads an OCDS date (RFC 3339, or a bare date); an unreadable
// or missing date sorts first.
func releaseTime(s string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

func mergeValue(old, v any) any {
	switch nv := v.(type) {
	case nil:
		return nil
	case map[string]any:
		o, ok := old.(map[string]any)
		if !ok {
			o = map[string]any{}
		}
		mergeInto(o, nv)
		if len(o) == 0 {
			return nil
		}
		return o
	case []any:
		if !identified(nv) {
			return clean(nv)
		}
		oa, _ := old.([]any)
		if !identified(oa) {
			oa = nil
		}
		for _, e := range nv {
			eo := e.(map[string]any)
			id := idKey(eo["id"])
			found := false
			for j, x := range oa {
				xo := x.(map[string]any)
				if idKey(xo["id"]) == id {
					mergeInto(xo, eo)
					oa[j] = xo
					found = true
					break
				}
			}
			if !found {
				n := map[string]any{}
				mergeInto(n, eo)
				oa = append(oa, n)
			}
		}
		return oa
	}
	return v
}

// mergeInto merges the fields of src into dst.
func mergeInto(dst, src map[string]any) {
	for k, v := range src {
		dst[k] = mergeValue(dst[k], v)
		if dst[k] == nil {
			delete(dst, k)
		}
	}
}

// clean drops the nulls inside a value taken as a whole (a replaced list).
func clean(v any) any {
	switch x := v.(type) {
	case map[string]any:
		n := map[string]any{}
		mergeInto(n, x)
		return n
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			if e != nil {
				out = append(out, clean(e))
			}
		}
		return out
	}
	return v
}

// identified reports whether a list is one of objects that all carry an id,
// which OCDS merges element by element.
func identified(a []any) bool {
	if len(a) == 0 {
		return false
	}
	for _, e := range a {
		o, ok := e.(map[string]any)
		if !ok {
			return false
		}
		if id, ok := o["id"]; !ok || id == nil {
			return false
		}
	}
	return true
}

func idKey(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	}
	b, _ := json.Marshal(v)
	return string(b)
}
