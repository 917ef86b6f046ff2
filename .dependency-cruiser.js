// The folder rules of docs/ARCHITECTURE.md ("Layout"), checked on every import, tests included.
// `npm run lint:deps` runs it; CI fails on any violation.
const ROOMS = ['config', 'protocol', 'book', 'sim', 'publisher', 'feed-handler', 'gateway', 'storage', 'accounts', 'order-entry', 'ha', 'runtime'];

/** What each folder may import of ours, besides itself (docs/ARCHITECTURE.md's table). */
const MAY_IMPORT = {
  config: [],
  protocol: ['config'],
  book: ['protocol', 'config'],
  sim: ['config', 'protocol'],
  publisher: ['config', 'protocol', 'book', 'storage'],
  'feed-handler': ['config', 'protocol', 'book'],
  gateway: ['config', 'protocol', 'book'],
  storage: ['config', 'protocol'],
  accounts: ['config', 'protocol'],
  'order-entry': ['config', 'protocol', 'accounts'],
  ha: ['config', 'protocol', 'sim'],
  runtime: ['config', 'protocol', 'book', 'sim', 'publisher', 'feed-handler', 'gateway', 'storage', 'accounts', 'order-entry', 'ha'],
  bin: ['config', 'protocol', 'book', 'sim', 'publisher', 'feed-handler', 'gateway', 'storage', 'accounts', 'order-entry', 'ha', 'runtime'],
};

const ours = [...ROOMS, 'bin', 'bench', 'test'];
const forbidden = Object.entries(MAY_IMPORT).flatMap(([from, allowed]) => {
  const banned = ours.filter((f) => f !== from && !allowed.includes(f));
  // A unit test beside its code may also drive it with the exchange core's seeded events
  // (sim/) and the shared test helpers (test/support/); anything wider belongs in test/.
  const bannedInTests = banned.filter((f) => f !== 'sim' && f !== 'test');
  const only = `${from}/ may import only ${allowed.length ? allowed.join(', ') : 'nothing of ours'} (docs/ARCHITECTURE.md)`;
  return [
    {
      name: `${from}-imports`,
      comment: only,
      severity: 'error',
      from: { path: `^${from}/`, pathNot: '\\.test\\.ts$' },
      to: { path: `^(${banned.join('|')})/` },
    },
    {
      name: `${from}-test-imports`,
      comment: `${only}; its unit tests also sim/ and test/support/`,
      severity: 'error',
      from: { path: `^${from}/.*\\.test\\.ts$` },
      to: { path: `^(${bannedInTests.join('|')})/|^test/(?!support/)` },
    },
  ];
});

forbidden.push({
  name: 'no-sockets-in-book-or-protocol',
  comment: 'book/ and protocol/ hold no server, socket or database (docs/ARCHITECTURE.md)',
  severity: 'error',
  from: { path: '^(book|protocol)/', pathNot: '\\.test\\.ts$' },
  to: { path: '^(dgram|net|http|https|ws|fastify|node:sqlite|sqlite|@duckdb/node-api|@questdb/nodejs-client)$|node_modules/(ws|fastify|@duckdb|@questdb)/', dependencyTypes: ['core', 'npm'] },
});

forbidden.push({
  name: 'through-index',
  comment: 'another folder is imported through its index.ts, never its insides (STYLE.md)',
  severity: 'error',
  from: { path: '^(config|protocol|book|sim|publisher|feed-handler|gateway|storage|accounts|order-entry|runtime|bin)/' },
  to: {
    path: '^(config|protocol|book|sim|publisher|feed-handler|gateway|storage|accounts|order-entry|runtime)/',
    pathNot: ['^$1/', '^[^/]+/index\\.ts$'],
  },
});

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|data)/|/web/' },
    // TypeScript 7 has no compiler API, so dependency-cruiser parses with SWC (already a dev dependency).
    parser: 'swc',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
