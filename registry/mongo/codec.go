package mongo

import (
	"bytes"
	"reflect"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Documents are the domain structs encoded with their json field names (the
// client is opened with UseJSONStructTags, so reads decode the same way),
// plus _id and a few derived fields a filter or sort needs (folded names,
// padded NITs, every repository URL, the signature date as a sortable
// number). Bookkeeping fields start with an underscore: _pending (the
// outbox of a write not yet published) and _deleted (a tombstone).
const (
	pendingField = "_pending"
	pendingOp    = "_pending.op"
	deletedField = "_deleted"
)

// marshal encodes v with its json field names.
func marshal(v any) (bson.Raw, error) {
	var buf bytes.Buffer
	enc := bson.NewEncoder(bson.NewDocumentWriter(&buf))
	enc.UseJSONStructTags()
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bson.Raw(buf.Bytes()), nil
}

// docOf is the stored document of v: _id, v's fields, then the derived
// fields of extra (which replace fields of the same name).
func docOf(id string, v any, extra bson.D) (bson.D, error) {
	raw, err := marshal(v)
	if err != nil {
		return nil, err
	}
	elems, err := raw.Elements()
	if err != nil {
		return nil, err
	}
	d := make(bson.D, 0, len(elems)+len(extra)+1)
	d = append(d, bson.E{Key: "_id", Value: id})
	for _, e := range elems {
		d = append(d, bson.E{Key: e.Key(), Value: e.Value()})
	}
	for _, x := range extra {
		d = setKey(d, x.Key, x.Value)
	}
	return d, nil
}

// setKey sets k in d, replacing an element of the same key.
func setKey(d bson.D, k string, v any) bson.D {
	for i := range d {
		if d[i].Key == k {
			d[i].Value = v
			return d
		}
	}
	return append(d, bson.E{Key: k, Value: v})
}

// setUnset turns a full document into an update that makes the stored
// document equal to it: $set of every present field and $unset of every
// field of keys that is absent (json omitempty drops empty values).
func setUnset(d bson.D, keys []string, more ...bson.E) bson.D {
	set := make(bson.D, 0, len(d)+len(more))
	present := make(map[string]bool, len(d))
	for _, e := range d {
		if e.Key == "_id" {
			continue
		}
		set = append(set, e)
		present[e.Key] = true
	}
	set = append(set, more...)
	var unset bson.D
	for _, k := range keys {
		if !present[k] {
			unset = append(unset, bson.E{Key: k, Value: ""})
		}
	}
	upd := bson.D{{Key: "$set", Value: set}}
	if len(unset) > 0 {
		upd = append(upd, bson.E{Key: "$unset", Value: unset})
	}
	return upd
}

// jsonKeys lists the top-level json field names of a struct type.
func jsonKeys(t reflect.Type) []string {
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		keys = append(keys, name)
	}
	return keys
}

// keysOf lists every top-level key a document of T may hold.
func keysOf[T any](extra ...string) []string {
	return append(jsonKeys(reflect.TypeFor[T]()), extra...)
}
