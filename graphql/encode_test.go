package graphql

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// TestAppendJSONMatchesEncodingJSON: responses encoded by appendJSON are
// byte for byte what encoding/json makes of the same values.
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	strs := []string{"", "plain", `quote " and \ backslash`, "<mark>html</mark> & more", "tab\tnew\nline\rcr", "\b\f\x00\x01\x1f\x7f",
		"acentos: gestión, NIÑO, ü", "emoji 🚀", "line sep \u2028 and \u2029", "bad utf8 \xff\xfe end", "\xed\xa0\x80 surrogate"}
	floats := []float64{0, math.Copysign(0, -1), 1, -1.5, 0.1, 1e-6, 9.99e-7, 1e-7, 123456789.125, 1e20, 1e21, 1.5e300, -2.5e-300, 0.013055716421206565}
	r := rand.New(rand.NewPCG(1, 2))
	var gen func(depth int) interface{}
	gen = func(depth int) interface{} {
		switch n := r.IntN(11); {
		case n == 0:
			return nil
		case n == 1:
			return strs[r.IntN(len(strs))]
		case n == 2:
			return r.IntN(2) == 0
		case n == 3:
			return r.IntN(1 << 20)
		case n == 4:
			return int64(r.Uint64())
		case n == 5:
			return floats[r.IntN(len(floats))]
		case n == 6:
			return time.Date(2024, 6, 3, 15, 0, 0, r.IntN(1e9), time.UTC) // through encoding/json
		case n == 7:
			return int32(r.IntN(1000))
		case depth > 4:
			return "leaf"
		case n == 8 || n == 9:
			m := map[string]interface{}{}
			for i := r.IntN(6); i > 0; i-- {
				m[strs[r.IntN(len(strs))]+strings.Repeat("k", r.IntN(3))] = gen(depth + 1)
			}
			if r.IntN(8) == 0 {
				return map[string]interface{}(nil)
			}
			return m
		default:
			var l []interface{}
			for i := r.IntN(5); i > 0; i-- {
				l = append(l, gen(depth+1))
			}
			if l == nil && r.IntN(2) == 0 {
				return []interface{}{}
			}
			return l
		}
	}
	for i := 0; i < 3000; i++ {
		v := map[string]interface{}{"data": gen(0)}
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendJSON(nil, v)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("value %d:\n got %s\nwant %s", i, got, want)
		}
		res := response{Data: v["data"]}
		want, _ = json.Marshal(res)
		got, err = encodeResponse(res)
		if err != nil || string(got) != string(want) {
			t.Fatalf("response %d: %v\n got %s\nwant %s", i, err, got, want)
		}
	}
	if _, err := appendJSON(nil, math.Inf(1)); err == nil {
		t.Fatal("an infinite float encoded")
	}
}
