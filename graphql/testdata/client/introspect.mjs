// Runs the reference implementation's introspection query against a live
// Acervo server and checks that buildClientSchema and validateSchema accept
// the answer. Usage: node introspect.mjs http://127.0.0.1:PORT/graphql
// Prints one JSON line: {"ok":true,"types":N,"query":[...],"mutation":[...]}
// or {"ok":false,"errors":[...]} (exit status 1).
import { getIntrospectionQuery, buildClientSchema, validateSchema, printSchema, parse, validate } from 'graphql';

const url = process.argv[2];
const fail = (errors) => {
  console.log(JSON.stringify({ ok: false, errors: errors.map(String) }));
  process.exit(1);
};
const res = await fetch(url, {
  method: 'POST',
  headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
  body: JSON.stringify({ query: getIntrospectionQuery() }),
});
const body = await res.json();
if (res.status !== 200 || body.errors) fail([`HTTP ${res.status}`, JSON.stringify(body.errors)]);
let schema;
try {
  schema = buildClientSchema(body.data);
} catch (e) {
  fail([e]);
}
const errors = validateSchema(schema);
if (errors.length > 0) fail(errors);
// The client validates a real query against the schema it built.
const query = parse(`{ assets(first: 5, query: "orfeo") { totalCount edges { cursor node { id name latestRelease { tag } } } pageInfo { hasNextPage endCursor } facets { field values { value count } } } }`);
const qerrors = validate(schema, query);
if (qerrors.length > 0) fail(qerrors);
const names = (t) => (t ? Object.keys(t.getFields()).sort() : []);
console.log(JSON.stringify({
  ok: true,
  types: Object.keys(schema.getTypeMap()).length,
  query: names(schema.getQueryType()),
  mutation: names(schema.getMutationType()),
  sdlBytes: printSchema(schema).length,
}));
