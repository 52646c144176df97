// Package graphql is Acervo's public GraphQL API over registry.Service, on
// github.com/graphql-go/graphql v0.8.1 (imported as gql).
//
// NewHandler builds the schema once (no globals) and returns the /graphql
// handler. A request goes through, in order: the transport rules (GET for
// queries only, POST with JSON, a 64 KiB body cap, no JSON batches),
// authentication (an actor already in the context, e.g. from the web
// session, or an "Authorization: Bearer acv_…" API token), a byte scan of
// the nesting depth before the parser runs (the parser recurses without a
// bound), parsing, this package's own limits (one operation, selection
// depth, field and alias counts, first/last on every connection, GitHub's
// node count), the specified validation rules, the rate limit (GitHub's
// point formula, per IP for anonymous callers and per token or user for the
// others), and execution under a 10 s deadline that every resolver and store
// call receives. Every rejection carries its code in
// errors[].extensions.code (shared/reference/reliability.md §0); unexpected
// errors are masked as INTERNAL with the request id, and logged.
//
// Lists are Relay connections {edges{cursor node} pageInfo totalCount} with
// opaque keyset cursors; objects implement Node with global ids. Resolvers
// of fields that would cost one store call per parent return thunks served
// by per-request loaders (loaders.go), so a page of 100 assets with their
// adopters, latest release and purchase totals costs a fixed number of
// store calls (see TestBatchedLoading).
//
// Queries run on this package's executor (exec.go) over graphql-go's
// schema and the parsed, validated document: the same resolvers, data,
// errors and null propagation as graphql-go's Execute, at a fraction of its
// cost per field; mutations, and variables that do not fit their types, go
// to graphql-go's. The tests answer every query with both and compare the
// bytes (exec_test.go).
//
// Mutations return {result userErrors{field message code}}; the Service
// checks permissions and writes the audit event of each.
//
// Other parts of Acervo add fields without editing this package through
// Config.Extensions. GraphiQL is served by GraphiQLHandler from assets
// embedded in the binary (assets/README.md).
//
// Wiring, as acervo serve does it:
//
//	ix, err := search.Open(ctx, store, search.Options{Dir: filepath.Join(data, "search"), Logger: log})
//	ix.Attach(svc)  // before the Service takes writes
//	go ix.Watch(ctx) // this process's writes at once, other processes' by polling
//	api, err := graphql.NewHandler(graphql.Config{Service: svc, Search: ix, Logger: log, Extensions: exts})
//	gi, err := graphql.GraphiQLHandler("/graphiql", "/graphql")
//	mux.Handle("/graphql", api)
//	mux.Handle("/graphiql", gi)
//	mux.Handle("/graphiql/", gi)
//
// The benchmark of issue 5 is the program in ./bench (go run ./graphql/bench).
package graphql
