package graphql

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	gql "github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/language/ast"
)

// Limits bound what one request may ask for. Zero fields take the defaults.
type Limits struct {
	MaxBodyBytes   int64 // 64 KiB
	MaxNesting     int   // brackets and braces, before parsing: 64
	DepthAnonymous int   // 10
	DepthSignedIn  int   // 15
	MaxFields      int   // field selections, fragments expanded: 500
	MaxAliases     int   // aliases of one field: 20
	NodesAnonymous int   // GitHub's node count: 10,000
	NodesSignedIn  int   // 50,000
	MaxPage        int   // first/last: 100
	MaxListInput   int   // items of a list argument: 250
	// MaxIntrospectionFields bounds the fields under __schema/__type, which
	// are counted apart so that a client's full introspection query fits.
	MaxIntrospectionFields int // 2,000
}

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = 64 << 10
	}
	def(&l.MaxNesting, 64)
	def(&l.DepthAnonymous, 10)
	def(&l.DepthSignedIn, 15)
	def(&l.MaxFields, 500)
	def(&l.MaxAliases, 20)
	def(&l.NodesAnonymous, 10_000)
	def(&l.NodesSignedIn, 50_000)
	def(&l.MaxPage, 100)
	def(&l.MaxListInput, 250)
	def(&l.MaxIntrospectionFields, 2_000)
	return l
}

// nestingDepth scans a document's bytes for the deepest nesting of { [ (
// outside strings and comments, stopping as soon as it passes max. It runs
// before the parser, whose recursion has no bound (a 3 MB "{a{a{a…" kills
// the process with a stack overflow that recover cannot catch).
func nestingDepth(doc string, max int) (int, bool) {
	depth, deepest := 0, 0
	for i := 0; i < len(doc); i++ {
		switch c := doc[i]; c {
		case '{', '[', '(':
			depth++
			if depth > deepest {
				deepest = depth
				if deepest > max {
					return deepest, false
				}
			}
		case '}', ']', ')':
			if depth > 0 {
				depth--
			}
		case '#':
			for i < len(doc) && doc[i] != '\n' && doc[i] != '\r' {
				i++
			}
		case '"':
			if strings.HasPrefix(doc[i:], `"""`) {
				end := strings.Index(doc[i+3:], `"""`)
				if end < 0 {
					return deepest, true // the parser reports the open string
				}
				i += 3 + end + 2
				continue
			}
			for i++; i < len(doc) && doc[i] != '"' && doc[i] != '\n'; i++ {
				if doc[i] == '\\' {
					i++
				}
			}
		}
	}
	return deepest, true
}

// analysis is what the first validation pass learns about an operation.
type analysis struct {
	op          *ast.OperationDefinition
	depth       int
	fields      int
	introFields int
	nodes       int64   // GitHub's node count
	requests    float64 // GitHub's connection requests (for the point cost)
}

// Cost is GitHub's point cost: connection requests / 100, rounded, at least 1.
func (a analysis) Cost() int {
	c := int(math.Round(a.requests / 100))
	if c < 1 {
		c = 1
	}
	return c
}

// analyzer walks one operation with the schema's types.
type analyzer struct {
	schema    *gql.Schema
	limits    Limits
	maxDepth  int
	maxNodes  int
	vars      map[string]interface{}
	varDefs   map[string]*ast.VariableDefinition
	fragments map[string]*ast.FragmentDefinition
	res       analysis
	visits    int
	aliases   map[string]map[string]bool // "Type.field" → response names
}

type limitError = apiError

func reject(code, format string, args ...interface{}) *limitError {
	return newError(http.StatusBadRequest, code, fmt.Sprintf(format, args...))
}

// analyze applies the first pass: one operation, depth, field and alias
// counts, pagination arguments and the node count. It never recurses more
// than the document's nesting (bounded by the byte scan) and stops as soon
// as a limit is passed, so hostile documents cost little.
func analyze(schema *gql.Schema, doc *ast.Document, opName string, vars map[string]interface{}, limits Limits, signedIn bool) (analysis, *limitError) {
	az := &analyzer{schema: schema, limits: limits, vars: vars, fragments: map[string]*ast.FragmentDefinition{}, aliases: map[string]map[string]bool{}}
	az.maxDepth, az.maxNodes = limits.DepthAnonymous, limits.NodesAnonymous
	if signedIn {
		az.maxDepth, az.maxNodes = limits.DepthSignedIn, limits.NodesSignedIn
	}
	var ops []*ast.OperationDefinition
	for _, d := range doc.Definitions {
		switch d := d.(type) {
		case *ast.OperationDefinition:
			ops = append(ops, d)
		case *ast.FragmentDefinition:
			if d.Name != nil {
				az.fragments[d.Name.Value] = d
			}
		default:
			return analysis{}, reject(CodeValidationFailed, "only operations and fragments may be sent, not type definitions")
		}
	}
	if len(ops) == 0 {
		return analysis{}, reject(CodeValidationFailed, "the document has no operation")
	}
	if len(ops) > 1 {
		return analysis{}, reject(CodeBatchNotAllowed, "send one operation per request (this document has %d)", len(ops))
	}
	op := ops[0]
	if opName != "" && (op.Name == nil || op.Name.Value != opName) {
		return analysis{}, reject(CodeValidationFailed, "unknown operation %q", opName)
	}
	az.res.op = op
	az.varDefs = map[string]*ast.VariableDefinition{}
	for _, vd := range op.VariableDefinitions {
		if vd.Variable != nil && vd.Variable.Name != nil {
			az.varDefs[vd.Variable.Name.Value] = vd
		}
	}
	var root *gql.Object
	switch op.Operation {
	case ast.OperationTypeQuery, "":
		root = schema.QueryType()
	case ast.OperationTypeMutation:
		root = schema.MutationType()
	}
	if root == nil {
		return analysis{}, reject(CodeValidationFailed, "operation type %q is not supported", op.Operation)
	}
	if err := az.walk(op.SelectionSet, root, 1, 1, false, nil); err != nil {
		return analysis{}, err
	}
	return az.res, nil
}

// walk visits a selection set whose fields belong to parent (nil when the
// type is unknown: the specified rules report it later).
func (az *analyzer) walk(ss *ast.SelectionSet, parent gql.Type, depth int, mult int64, intro bool, stack []string) *limitError {
	if ss == nil {
		return nil
	}
	for _, sel := range ss.Selections {
		az.visits++
		if az.visits > 10*az.limits.MaxFields+az.limits.MaxIntrospectionFields {
			return reject(CodeTooManyFields, "the operation selects too many fields (more than %d)", az.limits.MaxFields)
		}
		switch s := sel.(type) {
		case *ast.Field:
			if err := az.field(s, parent, depth, mult, intro, stack); err != nil {
				return err
			}
		case *ast.InlineFragment:
			t := parent
			if s.TypeCondition != nil && s.TypeCondition.Name != nil {
				t = az.schema.Type(s.TypeCondition.Name.Value)
			}
			if err := az.walk(s.SelectionSet, t, depth, mult, intro, stack); err != nil {
				return err
			}
		case *ast.FragmentSpread:
			if s.Name == nil {
				continue
			}
			name := s.Name.Value
			for _, n := range stack {
				if n == name {
					return reject(CodeValidationFailed, "fragment %q spreads itself", name)
				}
			}
			fd, ok := az.fragments[name]
			if !ok {
				continue // the specified rules report unknown fragments
			}
			t := parent
			if fd.TypeCondition != nil && fd.TypeCondition.Name != nil {
				t = az.schema.Type(fd.TypeCondition.Name.Value)
			}
			if err := az.walk(fd.SelectionSet, t, depth, mult, intro, append(stack, name)); err != nil {
				return err
			}
		}
	}
	return nil
}

func fieldsOf(t gql.Type) gql.FieldDefinitionMap {
	switch t := t.(type) {
	case *gql.Object:
		return t.Fields()
	case *gql.Interface:
		return t.Fields()
	}
	return nil
}

func unwrap(t gql.Type) gql.Type {
	for {
		switch w := t.(type) {
		case *gql.NonNull:
			t = w.OfType
		case *gql.List:
			t = w.OfType
		default:
			return t
		}
	}
}

func (az *analyzer) field(f *ast.Field, parent gql.Type, depth int, mult int64, intro bool, stack []string) *limitError {
	if f.Name == nil {
		return nil
	}
	name := f.Name.Value
	if name == "__schema" || name == "__type" {
		intro = true
	}
	if intro {
		az.res.introFields++
		if az.res.introFields > az.limits.MaxIntrospectionFields {
			return reject(CodeTooManyFields, "the introspection selects more than %d fields", az.limits.MaxIntrospectionFields)
		}
	} else {
		az.res.fields++
		if az.res.fields > az.limits.MaxFields {
			return reject(CodeTooManyFields, "the operation selects more than %d fields", az.limits.MaxFields)
		}
		if depth > az.res.depth {
			az.res.depth = depth
		}
		if depth > az.maxDepth {
			return reject(CodeQueryTooDeep, "query depth %d exceeds the limit of %d", depth, az.maxDepth)
		}
	}
	if intro && depth > 64 {
		return reject(CodeQueryTooDeep, "introspection depth %d exceeds the limit of 64", depth)
	}
	var def *gql.FieldDefinition
	if fm := fieldsOf(parent); fm != nil {
		def = fm[name]
	}
	if f.Alias != nil && f.Alias.Value != "" && f.Alias.Value != name && parent != nil {
		key := parent.Name() + "." + name
		set := az.aliases[key]
		if set == nil {
			set = map[string]bool{}
			az.aliases[key] = set
		}
		set[f.Alias.Value] = true
		if len(set) > az.limits.MaxAliases {
			return reject(CodeTooManyFields, "more than %d aliases of %s", az.limits.MaxAliases, key)
		}
	}
	var child gql.Type
	if def != nil {
		child = unwrap(def.Type)
		for _, a := range f.Arguments {
			if err := az.checkListArgument(a); err != nil {
				return err
			}
		}
		if isConnection(child) {
			n, err := az.pageSize(f, parent.Name()+"."+name)
			if err != nil {
				return err
			}
			az.res.requests += float64(mult)
			mult *= int64(n)
			az.res.nodes += mult
			if az.res.nodes > int64(az.maxNodes) {
				return reject(CodeMaxNodesExceeded, "the query requests %d nodes or more, above the limit of %d", az.res.nodes, az.maxNodes)
			}
		} else if name == "nodes" && parent == az.schema.QueryType() {
			n := az.listArgLen(f, "ids")
			if n > az.limits.MaxPage {
				return reject(CodeArgumentOutOfRange, "nodes takes at most %d ids, not %d", az.limits.MaxPage, n)
			}
			mult *= int64(max(n, 1))
			az.res.nodes += mult
			if az.res.nodes > int64(az.maxNodes) {
				return reject(CodeMaxNodesExceeded, "the query requests %d nodes or more, above the limit of %d", az.res.nodes, az.maxNodes)
			}
		}
	}
	return az.walk(f.SelectionSet, child, depth+1, mult, intro, stack)
}

// isConnection reports a Relay connection type (first/last required).
func isConnection(t gql.Type) bool {
	o, ok := t.(*gql.Object)
	return ok && strings.HasSuffix(o.Name(), "Connection")
}

// value resolves an argument value: a literal, or a variable (its value
// when given, else its default). ok is false when it cannot be known.
func (az *analyzer) value(v ast.Value) (interface{}, bool) {
	switch v := v.(type) {
	case *ast.Variable:
		if v.Name == nil {
			return nil, false
		}
		if x, ok := az.vars[v.Name.Value]; ok {
			return x, true
		}
		if vd := az.varDefs[v.Name.Value]; vd != nil && vd.DefaultValue != nil {
			return az.value(vd.DefaultValue)
		}
		return nil, true // not given: null
	case *ast.IntValue:
		n, err := strconv.ParseInt(v.Value, 10, 64)
		if err != nil {
			return nil, false
		}
		return n, true
	case *ast.ListValue:
		return len(v.Values), true
	}
	return nil, false
}

// pageSize reads first/last of a connection field.
func (az *analyzer) pageSize(f *ast.Field, what string) (int, *limitError) {
	var got []int64
	for _, a := range f.Arguments {
		if a.Name == nil || (a.Name.Value != "first" && a.Name.Value != "last") {
			continue
		}
		v, known := az.value(a.Value)
		if !known {
			got = append(got, int64(az.limits.MaxPage)) // counted as the maximum
			continue
		}
		if v == nil {
			continue
		}
		n, ok := toInt64(v)
		if !ok {
			continue // the specified rules report the wrong type
		}
		if n < 1 || n > int64(az.limits.MaxPage) {
			return 0, reject(CodeArgumentOutOfRange, "%s: %s must be between 1 and %d, not %d", what, a.Name.Value, az.limits.MaxPage, n)
		}
		got = append(got, n)
	}
	if len(got) == 0 {
		return 0, reject(CodePaginationRequired, "%s needs first or last (1 to %d)", what, az.limits.MaxPage)
	}
	m := got[0]
	for _, n := range got[1:] {
		m = max(m, n)
	}
	return int(m), nil
}

func toInt64(v interface{}) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		if n != math.Trunc(n) {
			return 0, false
		}
		return int64(n), true
	case int32:
		return int64(n), true
	}
	return 0, false
}

// checkListArgument bounds every list in an argument (literal, nested in
// input objects, or given as a variable) to MaxListInput items.
func (az *analyzer) checkListArgument(a *ast.Argument) *limitError {
	if n := az.longestList(a.Value, 0); n > az.limits.MaxListInput {
		return reject(CodeArgumentOutOfRange, "argument %s has a list of %d items, more than %d", a.Name.Value, n, az.limits.MaxListInput)
	}
	return nil
}

func (az *analyzer) longestList(v ast.Value, depth int) int {
	if depth > 64 {
		return 0
	}
	n := 0
	switch v := v.(type) {
	case *ast.ListValue:
		n = len(v.Values)
		for _, x := range v.Values {
			n = max(n, az.longestList(x, depth+1))
		}
	case *ast.ObjectValue:
		for _, f := range v.Fields {
			n = max(n, az.longestList(f.Value, depth+1))
		}
	case *ast.Variable:
		if v.Name != nil {
			n = longestJSONList(az.vars[v.Name.Value], 0)
		}
	}
	return n
}

func longestJSONList(v interface{}, depth int) int {
	if depth > 64 {
		return 0
	}
	n := 0
	switch v := v.(type) {
	case []interface{}:
		n = len(v)
		for _, x := range v {
			n = max(n, longestJSONList(x, depth+1))
		}
	case map[string]interface{}:
		for _, x := range v {
			n = max(n, longestJSONList(x, depth+1))
		}
	}
	return n
}

// listArgLen is the number of items of a list argument (0 when unknown).
func (az *analyzer) listArgLen(f *ast.Field, name string) int {
	for _, a := range f.Arguments {
		if a.Name == nil || a.Name.Value != name {
			continue
		}
		switch v := a.Value.(type) {
		case *ast.ListValue:
			return len(v.Values)
		case *ast.Variable:
			if v.Name != nil {
				if l, ok := az.vars[v.Name.Value].([]interface{}); ok {
					return len(l)
				}
			}
		}
	}
	return 0
}
