// Starts GraphiQL on Acervo's endpoint. Kept out of index.html so that the
// page runs under a Content-Security-Policy without inline scripts.
(function () {
  var el = document.getElementById('graphiql');
  var endpoint = el.getAttribute('data-endpoint') || '/graphql';
  var query = [
    '# Bienvenido a la API de Acervo. / Welcome to Acervo\'s API.',
    '# Ctrl+Enter ejecuta la consulta. / Ctrl+Enter runs the query.',
    '{',
    '  assets(first: 10, query: "gestión documental") {',
    '    totalCount',
    '    edges { node { name slug license latestRelease { tag } adopterCount } }',
    '    facets { field values { value count } }',
    '  }',
    '}',
    ''
  ].join('\n');
  var root = ReactDOM.createRoot(el);
  root.render(React.createElement(GraphiQL, {
    fetcher: GraphiQL.createFetcher({ url: endpoint }),
    defaultQuery: query,
    defaultEditorToolbarTabs: 'variables'
  }));
})();
