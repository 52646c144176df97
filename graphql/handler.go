package graphql

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	gql "github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/gqlerrors"
	"github.com/graphql-go/graphql/language/ast"
	"github.com/graphql-go/graphql/language/location"
	"github.com/graphql-go/graphql/language/parser"
	"github.com/graphql-go/graphql/language/source"

	"github.com/acervo-co/acervo/registry"
)

// Handler serves /graphql.
type Handler struct {
	api     *api
	limits  Limits
	lim     *limiter
	timeout time.Duration
	now     func() time.Time
	log     *slog.Logger
	ip      func(*http.Request) string
	// hooks for tests: called with the operation before execution.
	beforeExecute func(ctx context.Context)
	docs          *docCache
	// possible maps abstract types to their object types (exec.go).
	possible map[string]map[string]bool
	// referenceExec, for tests, runs every query through graphql-go's
	// executor instead of exec.go's.
	referenceExec bool
	// compareExec, for tests, is called after each query with its
	// response and a function that answers it again with graphql-go's
	// executor (exec_test.go compares them).
	compareExec func(query string, vars map[string]interface{}, got response, reference func() response)
}

// docCache keeps the parsed documents that passed the specified validation
// rules, by query text, so that a client repeating a query with other
// variables skips parsing and validation (about a tenth of a request).
// The limits pass still runs on every request: it depends on the
// variables and the caller.
type docCache struct {
	mu    sync.Mutex
	max   int
	docs  map[string]*ast.Document
	order []string
}

func (c *docCache) get(q string) *ast.Document {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.docs[q]
}

func (c *docCache) put(q string, d *ast.Document) {
	if len(q) > 16<<10 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.docs[q]; ok {
		return
	}
	if len(c.order) >= c.max {
		delete(c.docs, c.order[0])
		c.order = c.order[1:]
	}
	c.docs[q] = d
	c.order = append(c.order, q)
}

// NewHandler builds the schema and returns the /graphql handler.
func NewHandler(cfg Config) (http.Handler, error) { return newHandler(cfg) }

func newHandler(cfg Config) (*Handler, error) {
	a, err := newAPI(cfg)
	if err != nil {
		return nil, err
	}
	h := &Handler{api: a, limits: cfg.Limits.withDefaults(), timeout: cfg.Timeout, now: cfg.Now, log: a.log, ip: cfg.ClientIP}
	if h.timeout <= 0 {
		h.timeout = 10 * time.Second
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.ip == nil {
		h.ip = remoteIP
	}
	h.lim = newLimiter(cfg.RateLimits, h.now)
	h.docs = &docCache{max: 512, docs: map[string]*ast.Document{}}
	h.possible = possibleTypes(&a.schema)
	return h, nil
}

// Schema is the executable schema (for tools and tests).
func (h *Handler) Schema() *gql.Schema { return &h.api.schema }

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// request is a GraphQL-over-HTTP request body.
type request struct {
	Query         string                 `json:"query"`
	Variables     map[string]interface{} `json:"variables"`
	OperationName string                 `json:"operationName"`
	Extensions    map[string]interface{} `json:"extensions"`
}

// respError is one entry of errors[] in a response.
type respError struct {
	Message    string                    `json:"message"`
	Locations  []location.SourceLocation `json:"locations,omitempty"`
	Path       []interface{}             `json:"path,omitempty"`
	Extensions map[string]interface{}    `json:"extensions,omitempty"`
}

type response struct {
	Data   interface{} `json:"data,omitempty"`
	Errors []respError `json:"errors,omitempty"`
}

var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (h *Handler) writeJSON(w http.ResponseWriter, status int, v interface{}) {
	b, err := encodeResponse(v)
	if err != nil {
		h.log.Error("graphql: encoding a response", "err", err)
		b = []byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`)
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// fail answers a request refused before execution.
func (h *Handler) fail(w http.ResponseWriter, rid string, e *apiError) {
	ext := e.Extensions()
	ext["requestId"] = rid
	status := e.status
	if status == 0 {
		status = http.StatusBadRequest
	}
	h.writeJSON(w, status, response{Errors: []respError{{Message: e.msg, Extensions: ext}}})
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ctx := r.Context()
	rid := registry.RequestIDFrom(ctx)
	if rid == "" {
		rid = r.Header.Get("X-Request-Id")
		if !requestIDRE.MatchString(rid) {
			rid = newRequestID()
		}
		ctx = registry.WithRequestID(ctx, rid)
	}
	w.Header().Set("X-Request-Id", rid)
	defer func() {
		if v := recover(); v != nil {
			h.log.Error("graphql: panic", "requestId", rid, "panic", v, "stack", string(debug.Stack()))
			h.fail(w, rid, newError(http.StatusInternalServerError, CodeInternal, "internal error"))
		}
	}()

	// Transport: GET for queries, POST with JSON; the body capped.
	var req request
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		q := r.URL.Query()
		if int64(len(r.URL.RawQuery)) > h.limits.MaxBodyBytes {
			h.fail(w, rid, newError(http.StatusRequestEntityTooLarge, CodeRequestTooLarge, fmt.Sprintf("the query string is larger than %d bytes", h.limits.MaxBodyBytes)))
			return
		}
		req.Query, req.OperationName = q.Get("query"), q.Get("operationName")
		if v := q.Get("variables"); v != "" {
			if err := json.Unmarshal([]byte(v), &req.Variables); err != nil {
				h.fail(w, rid, newError(http.StatusBadRequest, CodeBadRequest, "variables is not a JSON object"))
				return
			}
		}
	case http.MethodPost:
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "application/json" {
			h.fail(w, rid, newError(http.StatusUnsupportedMediaType, CodeUnsupportedMediaType, "POST a JSON body with Content-Type: application/json"))
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.limits.MaxBodyBytes))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				h.fail(w, rid, newError(http.StatusRequestEntityTooLarge, CodeRequestTooLarge, fmt.Sprintf("the body is larger than %d bytes", h.limits.MaxBodyBytes)))
				return
			}
			h.fail(w, rid, newError(http.StatusBadRequest, CodeBadRequest, "could not read the body"))
			return
		}
		trimmed := bytes.TrimLeft(body, " \t\r\n")
		if len(trimmed) > 0 && trimmed[0] == '[' {
			h.fail(w, rid, newError(http.StatusBadRequest, CodeBatchNotAllowed, "send one operation per request, not a JSON array"))
			return
		}
		if _, ok := nestingDepth(string(body), h.limits.MaxNesting+8); !ok {
			h.fail(w, rid, newError(http.StatusRequestEntityTooLarge, CodeRequestTooLarge, "the body nests too deeply"))
			return
		}
		if err := json.Unmarshal(body, &req); err != nil {
			h.fail(w, rid, newError(http.StatusBadRequest, CodeBadRequest, "the body is not a JSON object with query, variables and operationName"))
			return
		}
	default:
		w.Header().Set("Allow", "GET, POST")
		h.fail(w, rid, newError(http.StatusMethodNotAllowed, CodeMethodNotAllowed, "use POST (or GET for queries)"))
		return
	}

	// Who is calling: an actor already in the context (the web session),
	// or an API token.
	act := registry.ActorFrom(ctx)
	if auth := r.Header.Get("Authorization"); auth != "" && act.Anonymous() {
		scheme, tok, _ := strings.Cut(auth, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			w.Header().Set("WWW-Authenticate", `Bearer realm="acervo"`)
			h.fail(w, rid, newError(http.StatusUnauthorized, CodeUnauthenticated, "use Authorization: Bearer acv_…"))
			return
		}
		a, err := h.api.svc.AuthenticateToken(ctx, strings.TrimSpace(tok))
		if err != nil {
			if !errors.Is(err, registry.ErrUnauthenticated) {
				h.log.Error("graphql: authenticating a token", "requestId", rid, "err", err)
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="acervo", error="invalid_token"`)
			h.fail(w, rid, newError(http.StatusUnauthorized, CodeUnauthenticated, "the token is unknown, expired or revoked"))
			return
		}
		act = a
		ctx = registry.WithActor(ctx, act)
	}
	signedIn := !act.Anonymous()
	key, resource := "ip:"+h.ip(r), "per-ip"
	switch {
	case act.TokenID != "":
		key, resource = "token:"+act.TokenID, "per-token"
	case signedIn:
		key, resource = "user:"+act.ID(), "per-user"
	}
	if !h.lim.enter(key) {
		st := h.lim.peek(key, resource, signedIn)
		setRateHeaders(w.Header(), st)
		w.Header().Set("Retry-After", "1")
		h.fail(w, rid, newError(http.StatusTooManyRequests, CodeRateLimited, "too many requests in flight; wait for one to finish"))
		return
	}
	defer h.lim.leave(key)

	status, res := h.run(ctx, w, r, rid, &req, key, resource, signedIn)
	h.writeJSON(w, status, res)
	h.log.Debug("graphql", "requestId", rid, "status", status, "took", time.Since(start))
}

// run parses, checks and executes one request.
func (h *Handler) run(ctx context.Context, w http.ResponseWriter, r *http.Request, rid string, req *request, key, resource string, signedIn bool) (int, response) {
	failed := func(e *apiError) (int, response) {
		ext := e.Extensions()
		ext["requestId"] = rid
		st := e.status
		if st == 0 {
			st = http.StatusBadRequest
		}
		// A refused request still costs a point, so that hostile documents
		// are not free to repeat.
		if rs, ok := h.lim.charge(key, resource, signedIn, 1); ok {
			setRateHeaders(w.Header(), rs)
		}
		return st, response{Errors: []respError{{Message: e.msg, Extensions: ext}}}
	}
	if strings.TrimSpace(req.Query) == "" {
		return failed(newError(http.StatusBadRequest, CodeBadRequest, "the request has no query"))
	}
	if int64(len(req.Query)) > h.limits.MaxBodyBytes {
		return failed(newError(http.StatusRequestEntityTooLarge, CodeRequestTooLarge, "the query is too large"))
	}
	if d, ok := nestingDepth(req.Query, h.limits.MaxNesting); !ok {
		return failed(newError(http.StatusRequestEntityTooLarge, CodeRequestTooLarge, fmt.Sprintf("the query nests deeper than %d (%d or more)", h.limits.MaxNesting, d)))
	}
	doc := h.docs.get(req.Query)
	validated := doc != nil
	if doc == nil {
		var err error
		doc, err = parser.Parse(parser.ParseParams{Source: source.NewSource(&source.Source{Body: []byte(req.Query), Name: "GraphQL request"})})
		if err != nil {
			e := newError(http.StatusBadRequest, CodeParseError, "syntax error")
			var ge *gqlerrors.Error
			if errors.As(err, &ge) {
				e.msg = ge.Message
			}
			return failed(e)
		}
	}
	an, lerr := analyze(&h.api.schema, doc, req.OperationName, req.Variables, h.limits, signedIn)
	if lerr != nil {
		return failed(lerr)
	}
	isMutation := an.op.Operation == ast.OperationTypeMutation
	if isMutation && r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		return failed(newError(http.StatusMethodNotAllowed, CodeMethodNotAllowed, "mutations are sent by POST"))
	}
	if isMutation {
		n := 0
		for _, s := range an.op.SelectionSet.Selections {
			if f, ok := s.(*ast.Field); ok && f.Name != nil && isCredentialMutation(f.Name.Value) {
				n++
			}
		}
		if n > 1 {
			return failed(reject(CodeBatchNotAllowed, "createToken and revokeToken may appear once per request"))
		}
	}
	if !validated {
		vr := gql.ValidateDocument(&h.api.schema, doc, gql.SpecifiedRules)
		if !vr.IsValid {
			res := response{}
			for _, e := range vr.Errors {
				res.Errors = append(res.Errors, respError{Message: e.Message, Locations: e.Locations, Extensions: map[string]interface{}{"code": CodeValidationFailed, "requestId": rid}})
			}
			if rs, ok := h.lim.charge(key, resource, signedIn, 1); ok {
				setRateHeaders(w.Header(), rs)
			}
			return http.StatusBadRequest, res
		}
		h.docs.put(req.Query, doc)
	}
	cost := an.Cost()
	if isMutation {
		cost = max(cost, h.lim.cfg.MutationCost)
	}
	rs, ok := h.lim.charge(key, resource, signedIn, cost)
	setRateHeaders(w.Header(), rs)
	if !ok {
		retry := int(time.Until(rs.Reset).Seconds()) + 1
		w.Header().Set("Retry-After", strconv.Itoa(max(retry, 1)))
		return http.StatusTooManyRequests, response{Errors: []respError{{
			Message:    fmt.Sprintf("rate limit exceeded: this request costs %d points and %d remain until %s", cost, rs.Remaining, rs.Reset.Format(time.RFC3339)),
			Extensions: map[string]interface{}{"code": CodeRateLimited, "requestId": rid},
		}}}
	}

	ctx = context.WithValue(ctx, rateKey{}, &rs)
	status, res := h.execute(ctx, rid, req, doc, key, isMutation, h.referenceExec)
	if h.compareExec != nil && !isMutation {
		h.compareExec(req.Query, req.Variables, res, func() response {
			// No key: the second run is neither hooked nor penalised.
			_, ref := h.execute(ctx, rid, req, doc, "", false, true)
			return ref
		})
	}
	return status, res
}

// execute runs a checked document, with exec.go's executor or (reference,
// and for mutations) graphql-go's.
func (h *Handler) execute(ctx context.Context, rid string, req *request, doc *ast.Document, key string, isMutation, reference bool) (int, response) {
	ectx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	ectx = withLoaders(ectx, newLoaders(h.api.svc.Store(), h.api.caches))
	if h.beforeExecute != nil && key != "" {
		h.beforeExecute(ectx)
	}
	var result *gql.Result
	if !reference && !isMutation {
		result = execute(ectx, &h.api.schema, h.possible, doc, req.OperationName, req.Variables)
	}
	if result == nil {
		result = gql.Execute(gql.ExecuteParams{Schema: h.api.schema, AST: doc, OperationName: req.OperationName, Args: req.Variables, Context: ectx})
	}
	if isMutation && h.api.search != nil && ectx.Err() == nil {
		// Read-your-writes: the index applies this mutation's changes
		// before the response leaves.
		if _, err := h.api.search.CatchUp(ectx); err != nil {
			h.log.Warn("graphql: search catch-up after a mutation", "requestId", rid, "err", err)
		}
	}
	status := http.StatusOK
	res := response{}
	if result.Data != nil {
		res.Data = result.Data
	}
	timedOut := ectx.Err() != nil && errors.Is(ectx.Err(), context.DeadlineExceeded)
	for _, fe := range result.Errors {
		re, st := h.mapError(fe, rid)
		if timedOut {
			re = respError{Message: "the request took longer than " + h.timeout.String(), Path: fe.Path, Extensions: map[string]interface{}{"code": CodeTimeout, "requestId": rid}}
			st = http.StatusGatewayTimeout
		}
		res.Errors = append(res.Errors, re)
		if result.Data == nil && status == http.StatusOK {
			status = st
		}
	}
	if timedOut {
		status = http.StatusGatewayTimeout
		if key != "" {
			h.lim.penalise(key, h.lim.cfg.TimeoutPenalty)
		}
	}
	return status, res
}

// mapError keeps errors made on purpose and masks the others.
func (h *Handler) mapError(fe gqlerrors.FormattedError, rid string) (respError, int) {
	root := rootCause(fe)
	pe := publicError(root)
	var ae *apiError
	if errors.As(pe, &ae) {
		ext := ae.Extensions()
		ext["requestId"] = rid
		st := ae.status
		if st == 0 {
			st = http.StatusBadRequest
		}
		return respError{Message: ae.msg, Locations: fe.Locations, Path: fe.Path, Extensions: ext}, st
	}
	if len(fe.Path) == 0 {
		// Raised by graphql-go before any resolver ran: variable values
		// that do not fit their types.
		var ge *gqlerrors.Error
		if _, isFmt := root.(gqlerrors.FormattedError); isFmt || errors.As(root, &ge) {
			return respError{Message: fe.Message, Locations: fe.Locations, Extensions: map[string]interface{}{"code": CodeValidationFailed, "requestId": rid}}, http.StatusBadRequest
		}
	}
	h.log.Error("graphql: internal error", "requestId", rid, "path", fe.Path, "err", root)
	return respError{Message: "internal error", Path: fe.Path, Locations: fe.Locations,
		Extensions: map[string]interface{}{"code": CodeInternal, "requestId": rid}}, http.StatusInternalServerError
}
