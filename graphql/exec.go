package graphql

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"runtime/debug"
	"slices"

	gql "github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/gqlerrors"
	"github.com/graphql-go/graphql/language/ast"
)

// This file is the executor of queries. graphql-go's executor builds a
// map, a ResolveInfo, a response path and an argument map for every field
// of a response, and collects the sub-fields of every object again; on a
// page of twenty search hits (about 370 fields) that was three quarters of
// the request's CPU. This one runs over the same schema, the same
// resolvers and the same validated document, and produces what
// graphql-go's Execute produces (the same data and the same errors, with
// the same paths, locations and null propagation, and the same
// breadth-first running of thunks that lets loaders batch a level), but it
// collects the fields of each selection set once per request and keeps a
// response as slices in response-key order, encoded as encoding/json would
// encode graphql-go's maps.
//
// It answers queries. Mutations (serial, rare) and anything unusual
// (several operations without a name, an unknown operation, variables that
// do not fit their types) go to graphql-go's Execute, which also words
// their errors. exec_test.go runs every query of the package's tests
// through both and compares the bytes. graphql-go's execution extensions
// (gql.Extension, tracing hooks) are not called: the schema has none.

// xobj is one object of a response: values in the order of keys, which
// are sorted (as encoding/json sorts a map's keys).
type xobj struct {
	keys []string
	vals []interface{}
}

// MarshalJSON encodes the object as appendJSON does.
func (o *xobj) MarshalJSON() ([]byte, error) { return appendJSON(nil, o) }

// xthunk is a field whose resolver returned a function: it runs after the
// level has been resolved (breadth first), as graphql-go runs them.
type xthunk struct {
	f    *planField
	typ  gql.Type
	path *gql.ResponsePath
	fn   interface{}
}

// plan is the fields one selection set selects on one object type.
type plan struct {
	keys   []string // response keys, sorted
	fields []*planField
}

// planField is one response key of a plan.
type planField struct {
	key   string
	keyI  interface{} // key, converted once
	asts  []*ast.Field
	def   *gql.FieldDefinition
	args  map[string]interface{}
	info  gql.ResolveInfo // Path is set per call
	nodes []ast.Node      // for errors, made on demand
	subs  []subPlan       // plans of the sub-selection, by runtime type
}

type subPlan struct {
	typ *gql.Object
	p   *plan
}

func (f *planField) astNodes() []ast.Node {
	if f.nodes == nil {
		f.nodes = gql.FieldASTsToNodeASTs(f.asts)
	}
	return f.nodes
}

// abortError ends an execution the way an error escaping graphql-go's
// executor does: no data, this one error.
type abortError struct{ err error }

// executor runs one query.
type executor struct {
	schema   *gql.Schema
	possible map[string]map[string]bool
	ctx      context.Context
	vars     map[string]interface{}
	frags    map[string]ast.Definition
	op       *ast.OperationDefinition
	errs     []gqlerrors.FormattedError
	paths    []gql.ResponsePath // allocated a block at a time
}

// path is prev.WithKey(key) without an allocation per field.
func (e *executor) path(prev *gql.ResponsePath, key interface{}) *gql.ResponsePath {
	if len(e.paths) == cap(e.paths) {
		e.paths = make([]gql.ResponsePath, 0, 128)
	}
	e.paths = append(e.paths, gql.ResponsePath{Prev: prev, Key: key})
	return &e.paths[len(e.paths)-1]
}

// possibleTypes maps each abstract type's name to the names of its
// object types (graphql-go's Schema.IsPossibleType rebuilds it per call).
func possibleTypes(s *gql.Schema) map[string]map[string]bool {
	m := map[string]map[string]bool{}
	for _, t := range s.TypeMap() {
		a, ok := t.(gql.Abstract)
		if !ok {
			continue
		}
		set := map[string]bool{}
		for _, o := range s.PossibleTypes(a) {
			set[o.Name()] = true
		}
		m[t.Name()] = set
	}
	return m
}

// execute runs a validated document; it returns nil when graphql-go's
// Execute must run it instead.
func execute(ctx context.Context, schema *gql.Schema, possible map[string]map[string]bool, doc *ast.Document, opName string, vars map[string]interface{}) *gql.Result {
	e := &executor{schema: schema, possible: possible, ctx: ctx, frags: map[string]ast.Definition{}}
	for _, d := range doc.Definitions {
		switch d := d.(type) {
		case *ast.OperationDefinition:
			if opName == "" && e.op != nil {
				return nil
			}
			if opName == "" || d.Name != nil && d.Name.Value == opName {
				e.op = d
			}
		case *ast.FragmentDefinition:
			name := ""
			if d.Name != nil {
				name = d.Name.Value
			}
			e.frags[name] = d
		default:
			return nil
		}
	}
	if e.op == nil || e.op.Operation != ast.OperationTypeQuery || schema.QueryType() == nil {
		return nil
	}
	var ok bool
	if e.vars, ok = e.variables(vars); !ok {
		return nil
	}
	// As graphql-go does, the execution runs on its own goroutine and the
	// answer leaves at the deadline even if a resolver ignores it.
	done := make(chan *gql.Result, 1)
	go func() { done <- e.run() }()
	select {
	case res := <-done:
		if err := ctx.Err(); err != nil {
			return &gql.Result{Errors: []gqlerrors.FormattedError{gqlerrors.FormatError(err)}}
		}
		return res
	case <-ctx.Done():
		return &gql.Result{Errors: []gqlerrors.FormattedError{gqlerrors.FormatError(ctx.Err())}}
	}
}

func (e *executor) run() (res *gql.Result) {
	defer func() {
		if r := recover(); r != nil {
			if a, ok := r.(abortError); ok {
				res = &gql.Result{Errors: []gqlerrors.FormattedError{gqlerrors.FormatError(a.err)}}
				return
			}
			// A fault of this executor (resolvers' panics are field
			// errors): an error without a path, masked and logged by
			// the handler.
			res = &gql.Result{Errors: []gqlerrors.FormattedError{gqlerrors.FormatError(fmt.Errorf("executor panic: %v\n%s", r, debug.Stack()))}}
		}
	}()
	root := e.schema.QueryType()
	p := e.newPlan(root, nil, []*ast.SelectionSet{e.op.SelectionSet})
	data, failed := e.fields(p, map[string]interface{}{}, nil)
	if failed != nil {
		return &gql.Result{Errors: []gqlerrors.FormattedError{gqlerrors.FormatError(failed)}}
	}
	// Thunks, breadth first: every resolver of a level has run (and
	// registered its keys with the loaders) before the first of the
	// level's thunks runs.
	queue := []interface{}{data}
	for len(queue) > 0 && e.ctx.Err() == nil {
		var vals []interface{}
		switch c := queue[0].(type) {
		case *xobj:
			vals = c.vals
		case []interface{}:
			vals = c
		}
		queue = queue[1:]
		for i, v := range vals {
			if t, ok := v.(*xthunk); ok {
				vals[i] = e.thunk(t)
			}
			switch vals[i].(type) {
			case *xobj, []interface{}:
				queue = append(queue, vals[i])
			}
		}
	}
	return &gql.Result{Data: data, Errors: e.errs}
}

// newPlan collects the fields of sets on typ.
func (e *executor) newPlan(typ *gql.Object, _ *planField, sets []*ast.SelectionSet) *plan {
	var order []string
	byKey := map[string][]*ast.Field{}
	visited := map[string]bool{}
	for _, s := range sets {
		e.collect(typ, s, &order, byKey, visited)
	}
	slices.Sort(order)
	p := &plan{keys: make([]string, 0, len(order)), fields: make([]*planField, 0, len(order))}
	for _, k := range order {
		asts := byKey[k]
		name := ""
		if asts[0].Name != nil {
			name = asts[0].Name.Value
		}
		def := e.fieldDef(typ, name)
		if def == nil {
			continue
		}
		f := &planField{key: k, keyI: k, asts: asts, def: def, args: e.argValues(def.Args, asts[0].Arguments)}
		f.info = gql.ResolveInfo{FieldName: name, FieldASTs: asts, ReturnType: def.Type, ParentType: typ, Schema: *e.schema,
			Fragments: e.frags, Operation: e.op, VariableValues: e.vars}
		p.keys = append(p.keys, k)
		p.fields = append(p.fields, f)
	}
	return p
}

func (e *executor) fieldDef(typ *gql.Object, name string) *gql.FieldDefinition {
	switch {
	case name == gql.SchemaMetaFieldDef.Name && e.schema.QueryType() == typ:
		return gql.SchemaMetaFieldDef
	case name == gql.TypeMetaFieldDef.Name && e.schema.QueryType() == typ:
		return gql.TypeMetaFieldDef
	case name == gql.TypeNameMetaFieldDef.Name:
		return gql.TypeNameMetaFieldDef
	}
	return typ.Fields()[name]
}

func (e *executor) collect(typ *gql.Object, set *ast.SelectionSet, order *[]string, byKey map[string][]*ast.Field, visited map[string]bool) {
	if set == nil {
		return
	}
	for _, s := range set.Selections {
		switch s := s.(type) {
		case *ast.Field:
			if !e.include(s.Directives) {
				continue
			}
			k := ""
			switch {
			case s.Alias != nil && s.Alias.Value != "":
				k = s.Alias.Value
			case s.Name != nil:
				k = s.Name.Value
			}
			if _, ok := byKey[k]; !ok {
				*order = append(*order, k)
			}
			byKey[k] = append(byKey[k], s)
		case *ast.InlineFragment:
			if !e.include(s.Directives) || !e.matches(s.TypeCondition, typ) {
				continue
			}
			e.collect(typ, s.SelectionSet, order, byKey, visited)
		case *ast.FragmentSpread:
			name := ""
			if s.Name != nil {
				name = s.Name.Value
			}
			if visited[name] || !e.include(s.Directives) {
				continue
			}
			visited[name] = true
			fd, ok := e.frags[name].(*ast.FragmentDefinition)
			if !ok || !e.matches(fd.TypeCondition, typ) {
				continue
			}
			e.collect(typ, fd.SelectionSet, order, byKey, visited)
		}
	}
}

// include applies @skip and @include (@skip first).
func (e *executor) include(dirs []*ast.Directive) bool {
	var skip, incl *ast.Directive
	for _, d := range dirs {
		if d == nil || d.Name == nil {
			continue
		}
		switch d.Name.Value {
		case gql.SkipDirective.Name:
			skip = d
		case gql.IncludeDirective.Name:
			incl = d
		}
	}
	if skip != nil {
		if v, ok := e.argValues(gql.SkipDirective.Args, skip.Arguments)["if"].(bool); ok && v {
			return false
		}
	}
	if incl != nil {
		if v, ok := e.argValues(gql.IncludeDirective.Args, incl.Arguments)["if"].(bool); ok && !v {
			return false
		}
	}
	return true
}

// matches tells whether a fragment's type condition applies to typ.
func (e *executor) matches(cond *ast.Named, typ *gql.Object) bool {
	if cond == nil {
		return true
	}
	name := ""
	if cond.Name != nil {
		name = cond.Name.Value
	}
	t := e.schema.Type(name)
	if t == nil {
		return false
	}
	if t == gql.Type(typ) || t.Name() == typ.Name() {
		return true
	}
	if _, ok := t.(gql.Abstract); ok {
		return e.possible[t.Name()][typ.Name()]
	}
	return false
}

// fields resolves the fields of p on source. A non-nil error is one to
// pass up to the nearest nullable position.
func (e *executor) fields(p *plan, source interface{}, path *gql.ResponsePath) (*xobj, *gqlerrors.Error) {
	o := &xobj{keys: p.keys, vals: make([]interface{}, len(p.fields))}
	for i, f := range p.fields {
		v, err := e.resolve(f, source, e.path(path, f.keyI))
		if err != nil {
			return nil, err
		}
		o.vals[i] = v
	}
	return o, nil
}

// resolve runs one field's resolver and completes its value.
func (e *executor) resolve(f *planField, source interface{}, path *gql.ResponsePath) (interface{}, *gqlerrors.Error) {
	fn := f.def.Resolve
	if fn == nil {
		fn = gql.DefaultResolveFn
	}
	info := f.info
	info.Path = path
	res, failure := call(fn, gql.ResolveParams{Source: source, Args: f.args, Info: info, Context: e.ctx})
	if failure != nil {
		return e.failed(f.def.Type, gql.NewLocatedErrorWithPath(failure, f.astNodes(), path.AsArray()))
	}
	return e.completeCatching(f, f.def.Type, path, res)
}

// call runs a resolver; failure is its error or what it panicked with.
func call(fn gql.FieldResolveFn, p gql.ResolveParams) (res interface{}, failure interface{}) {
	defer func() {
		if r := recover(); r != nil {
			res, failure = nil, r
		}
	}()
	res, err := fn(p)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// failed records err at a nullable position, or passes it up from a
// non-null one.
func (e *executor) failed(typ gql.Type, err *gqlerrors.Error) (interface{}, *gqlerrors.Error) {
	if _, ok := typ.(*gql.NonNull); ok {
		return nil, err
	}
	e.errs = append(e.errs, gqlerrors.FormatError(err))
	return nil, nil
}

func (e *executor) completeCatching(f *planField, typ gql.Type, path *gql.ResponsePath, res interface{}) (interface{}, *gqlerrors.Error) {
	v, failure := e.complete(f, typ, path, res)
	if failure != nil {
		return e.failed(typ, gql.NewLocatedErrorWithPath(failure, f.astNodes(), path.AsArray()))
	}
	return v, nil
}

func isFunc(v interface{}) bool {
	switch v.(type) {
	case nil, string, *string, bool, int, int64, float64, []interface{}, map[string]interface{}:
		return false
	case func() (interface{}, error):
		return true
	}
	return reflect.ValueOf(v).Kind() == reflect.Func
}

// complete turns a resolver's value into response data; failure is what
// graphql-go would panic with.
func (e *executor) complete(f *planField, typ gql.Type, path *gql.ResponsePath, res interface{}) (interface{}, interface{}) {
	if isFunc(res) {
		return &xthunk{f: f, typ: typ, path: path, fn: res}, nil
	}
	if nn, ok := typ.(*gql.NonNull); ok {
		v, failure := e.complete(f, nn.OfType, path, res)
		if failure != nil {
			return nil, failure
		}
		if v == nil {
			err := gql.NewLocatedErrorWithPath(fmt.Sprintf("Cannot return null for non-nullable field %v.%v.", f.info.ParentType, f.info.FieldName),
				f.astNodes(), path.AsArray())
			return nil, gqlerrors.FormatError(err)
		}
		return v, nil
	}
	if isNullish(res) {
		return nil, nil
	}
	switch t := typ.(type) {
	case *gql.List:
		return e.completeList(f, t, path, res)
	case *gql.Scalar:
		return serializeScalar(t, res), nil
	case *gql.Enum:
		v := t.Serialize(res)
		if isNullish(v) {
			return nil, nil
		}
		return v, nil
	case *gql.Union, *gql.Interface:
		return e.completeAbstract(f, t.(gql.Abstract), path, res)
	case *gql.Object:
		return e.completeObject(f, t, path, res)
	}
	return nil, gqlerrors.NewFormattedError(fmt.Sprintf(`Cannot complete value of unexpected type "%v."`, typ))
}

// serializeScalar is Scalar.Serialize, without its allocations for the
// common cases (a String or ID from a *string or string, a Boolean, an
// Int that fits 32 bits); *string stays a pointer, which appendJSON
// reads.
func serializeScalar(t *gql.Scalar, res interface{}) interface{} {
	switch t {
	case gql.String, gql.ID:
		switch res.(type) {
		case *string, string:
			return res
		}
	case gql.Boolean:
		if _, ok := res.(bool); ok {
			return res
		}
	case gql.Int:
		if n, ok := res.(int); ok && n >= math.MinInt32 && n <= math.MaxInt32 {
			return res
		}
	}
	v := t.Serialize(res)
	if isNullish(v) {
		return nil
	}
	return v
}

func (e *executor) completeList(f *planField, t *gql.List, path *gql.ResponsePath, res interface{}) (interface{}, interface{}) {
	if items, ok := res.([]interface{}); ok {
		out := make([]interface{}, len(items))
		for i, it := range items {
			v, err := e.completeCatching(f, t.OfType, e.path(path, i), it)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	rv := reflect.ValueOf(res)
	if rv.Kind() == reflect.Ptr {
		rv = rv.Elem()
	}
	if !rv.IsValid() || rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		parent := ""
		if f.info.ParentType != nil {
			parent = f.info.ParentType.Name()
		}
		return nil, gqlerrors.NewFormattedError(fmt.Sprintf("User Error: expected iterable, but did not find one for field %v.%v.", parent, f.info.FieldName))
	}
	out := make([]interface{}, rv.Len())
	for i := range out {
		var it interface{}
		if ss, ok := res.([]string); ok {
			it = ss[i]
		} else {
			it = rv.Index(i).Interface()
		}
		v, err := e.completeCatching(f, t.OfType, e.path(path, i), it)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (e *executor) completeAbstract(f *planField, t gql.Abstract, path *gql.ResponsePath, res interface{}) (interface{}, interface{}) {
	info := f.info
	info.Path = path
	tp := gql.ResolveTypeParams{Value: res, Info: info, Context: e.ctx}
	var rt *gql.Object
	if u, ok := t.(*gql.Union); ok && u.ResolveType != nil {
		rt = u.ResolveType(tp)
	} else if it, ok := t.(*gql.Interface); ok && it.ResolveType != nil {
		rt = it.ResolveType(tp)
	} else {
		for _, pt := range e.schema.PossibleTypes(t) {
			if pt.IsTypeOf != nil && pt.IsTypeOf(gql.IsTypeOfParams{Value: res, Info: info, Context: e.ctx}) {
				rt = pt
				break
			}
		}
	}
	if rt == nil {
		return nil, gqlerrors.NewFormattedError(fmt.Sprintf(`Abstract type %v must resolve to an Object type at runtime `+
			`for field %v.%v with value "%v", received "%v".`, t, f.info.ParentType, f.info.FieldName, res, rt))
	}
	if !e.possible[t.Name()][rt.Name()] {
		return nil, gqlerrors.NewFormattedError(fmt.Sprintf(`Runtime Object type "%v" is not a possible type for "%v".`, rt, t))
	}
	return e.completeObject(f, rt, path, res)
}

func (e *executor) completeObject(f *planField, t *gql.Object, path *gql.ResponsePath, res interface{}) (interface{}, interface{}) {
	if t.IsTypeOf != nil {
		info := f.info
		info.Path = path
		if !t.IsTypeOf(gql.IsTypeOfParams{Value: res, Info: info, Context: e.ctx}) {
			return nil, gqlerrors.NewFormattedError(fmt.Sprintf(`Expected value of type "%v" but got: %T.`, t, res))
		}
	}
	var p *plan
	for _, s := range f.subs {
		if s.typ == t {
			p = s.p
			break
		}
	}
	if p == nil {
		sets := make([]*ast.SelectionSet, 0, len(f.asts))
		for _, a := range f.asts {
			if a != nil && a.SelectionSet != nil {
				sets = append(sets, a.SelectionSet)
			}
		}
		p = e.newPlan(t, f, sets)
		f.subs = append(f.subs, subPlan{t, p})
	}
	o, err := e.fields(p, res, path)
	if err != nil {
		return nil, err
	}
	return o, nil
}

// thunk runs a deferred field and completes its value.
func (e *executor) thunk(t *xthunk) (v interface{}) {
	var failure interface{}
	fn, ok := t.fn.(func() (interface{}, error))
	if !ok {
		failure = gqlerrors.NewFormattedError("Error resolving func. Expected `func() (interface{}, error)` signature")
	} else {
		res, err := callThunk(fn)
		switch {
		case err != nil:
			failure = err
		default:
			v, failure = e.complete(t.f, t.typ, t.path, res)
		}
	}
	if failure == nil {
		return v
	}
	err := gql.NewLocatedErrorWithPath(failure, t.f.astNodes(), t.path.AsArray())
	if _, ok := t.typ.(*gql.NonNull); ok {
		panic(abortError{err})
	}
	e.errs = append(e.errs, gqlerrors.FormatError(err))
	return nil
}

// callThunk runs a thunk; a returned error is formatted as graphql-go
// formats it, a panic kept as it was.
func callThunk(fn func() (interface{}, error)) (res interface{}, failure interface{}) {
	defer func() {
		if r := recover(); r != nil {
			res, failure = nil, r
		}
	}()
	res, err := fn()
	if err != nil {
		return nil, gqlerrors.FormatError(err)
	}
	return res, nil
}

// isNullish is graphql-go's test for null (nil, a nil pointer, NaN).
func isNullish(v interface{}) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string, bool, int, int64:
		return false
	case *string:
		return x == nil
	case float64:
		return math.IsNaN(x)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Ptr {
		if rv.IsNil() {
			return true
		}
		rv = rv.Elem()
	}
	switch rv.Kind() {
	case reflect.String:
		return !rv.IsValid()
	case reflect.Float32, reflect.Float64:
		return math.IsNaN(rv.Float())
	}
	return false
}

// ---- values of variables and arguments (as graphql-go reads them) ----

// variables coerces the request's variables; ok is false when one does
// not fit its type (graphql-go then words the error).
func (e *executor) variables(in map[string]interface{}) (map[string]interface{}, bool) {
	out := make(map[string]interface{}, len(e.op.VariableDefinitions))
	for _, d := range e.op.VariableDefinitions {
		if d == nil || d.Variable == nil || d.Variable.Name == nil {
			continue
		}
		t := e.typeOf(d.Type)
		it, ok := t.(gql.Input)
		if t == nil || !ok || !gql.IsInputType(t) {
			return nil, false
		}
		v := in[d.Variable.Name.Value]
		if !validInput(v, it) {
			return nil, false
		}
		if isNullish(v) && d.DefaultValue != nil {
			out[d.Variable.Name.Value] = valueFromAST(d.DefaultValue, it, nil)
			continue
		}
		out[d.Variable.Name.Value] = coerceValue(it, v)
	}
	return out, true
}

func (e *executor) typeOf(t ast.Type) gql.Type {
	switch t := t.(type) {
	case *ast.List:
		in := e.typeOf(t.Type)
		if in == nil {
			return nil
		}
		return gql.NewList(in)
	case *ast.NonNull:
		in := e.typeOf(t.Type)
		if in == nil {
			return nil
		}
		return gql.NewNonNull(in)
	case *ast.Named:
		if t.Name == nil {
			return e.schema.Type("")
		}
		return e.schema.Type(t.Name.Value)
	}
	return nil
}

// validInput tells whether graphql-go accepts v for t.
func validInput(v interface{}, t gql.Input) bool {
	if isNullish(v) {
		_, nn := t.(*gql.NonNull)
		return !nn
	}
	switch t := t.(type) {
	case *gql.NonNull:
		return validInput(v, t.OfType)
	case *gql.List:
		rv := reflect.ValueOf(v)
		if rv.Kind() == reflect.Ptr {
			rv = rv.Elem()
		}
		if rv.Kind() == reflect.Slice {
			for i := 0; i < rv.Len(); i++ {
				if !validInput(rv.Index(i).Interface(), t.OfType) {
					return false
				}
			}
			return true
		}
		return validInput(v, t.OfType)
	case *gql.InputObject:
		m, ok := v.(map[string]interface{})
		if !ok {
			return false
		}
		fields := t.Fields()
		for k := range m {
			if _, ok := fields[k]; !ok {
				return false
			}
		}
		for k, f := range fields {
			if !validInput(m[k], f.Type) {
				return false
			}
		}
		return true
	case *gql.Scalar:
		return !isNullish(t.ParseValue(v))
	case *gql.Enum:
		return !isNullish(t.ParseValue(v))
	}
	return true
}

func coerceValue(t gql.Input, v interface{}) interface{} {
	if isNullish(v) {
		return nil
	}
	switch t := t.(type) {
	case *gql.NonNull:
		return coerceValue(t.OfType, v)
	case *gql.List:
		out := []interface{}{}
		rv := reflect.ValueOf(v)
		if rv.Kind() == reflect.Slice {
			for i := 0; i < rv.Len(); i++ {
				out = append(out, coerceValue(t.OfType, rv.Index(i).Interface()))
			}
			return out
		}
		return append(out, coerceValue(t.OfType, v))
	case *gql.InputObject:
		out := map[string]interface{}{}
		m, _ := v.(map[string]interface{})
		for name, f := range t.Fields() {
			fv := coerceValue(f.Type, m[name])
			if isNullish(fv) {
				fv = f.DefaultValue
			}
			if !isNullish(fv) {
				out[name] = fv
			}
		}
		return out
	case *gql.Scalar:
		if p := t.ParseValue(v); !isNullish(p) {
			return p
		}
	case *gql.Enum:
		if p := t.ParseValue(v); !isNullish(p) {
			return p
		}
	}
	return nil
}

func valueFromAST(v ast.Value, t gql.Input, vars map[string]interface{}) interface{} {
	if v == nil {
		return nil
	}
	if vr, ok := v.(*ast.Variable); ok {
		if vr.Name == nil || vars == nil {
			return nil
		}
		return vars[vr.Name.Value]
	}
	switch t := t.(type) {
	case *gql.NonNull:
		return valueFromAST(v, t.OfType, vars)
	case *gql.List:
		out := []interface{}{}
		if lv, ok := v.(*ast.ListValue); ok {
			for _, it := range lv.Values {
				out = append(out, valueFromAST(it, t.OfType, vars))
			}
			return out
		}
		return append(out, valueFromAST(v, t.OfType, vars))
	case *gql.InputObject:
		ov, ok := v.(*ast.ObjectValue)
		if !ok {
			return nil
		}
		given := map[string]*ast.ObjectField{}
		for _, of := range ov.Fields {
			if of != nil && of.Name != nil {
				given[of.Name.Value] = of
			}
		}
		out := map[string]interface{}{}
		for name, f := range t.Fields() {
			var fv interface{}
			if of, ok := given[name]; ok {
				fv = valueFromAST(of.Value, f.Type, vars)
			} else {
				fv = f.DefaultValue
			}
			if !isNullish(fv) {
				out[name] = fv
			}
		}
		return out
	case *gql.Scalar:
		return t.ParseLiteral(v)
	case *gql.Enum:
		return t.ParseLiteral(v)
	}
	return nil
}

// argValues reads a field's (or directive's) arguments.
func (e *executor) argValues(defs []*gql.Argument, asts []*ast.Argument) map[string]interface{} {
	out := make(map[string]interface{}, len(asts))
	for _, d := range defs {
		var v ast.Value
		for _, a := range asts {
			if a.Name != nil && a.Name.Value == d.PrivateName {
				v = a.Value
			}
		}
		x := valueFromAST(v, d.Type, e.vars)
		if isNullish(x) {
			x = d.DefaultValue
		}
		if !isNullish(x) {
			out[d.PrivateName] = x
		}
	}
	return out
}
