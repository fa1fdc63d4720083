// ESLint: typescript-eslint's type-checked recommendations over the
// TypeScript of src/, test/, bench/ and demo/, and the layering of
// docs/architecture.md §1 as import rules per folder.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Layering (docs/architecture.md §1), checked on the import strings. Every
// import inside src/ is relative, so an import that reaches another top-level
// folder of src/ names it as a path segment ('../store/scan-store.js',
// '../../lib/result.js') whatever the depth of the importing file: the rules
// name folders, not files, and survive files moving inside their folder.
// lib/ and notary/core/ are confined instead: they may not climb out of their
// own folder at all (except the core to lib/result.ts), which the depth of the
// importing file decides.
const ARCHITECTURE = 'docs/architecture.md §1';
const CLIENTS = ['config', 'nexus', 'registry', 'store', 'metrics', 'alertmanager'];
/** Above the scan: what runs it (the daemon's service and its schedule) and what presents it. */
const ABOVE_SCAN = 'scan|scheduler|cli|server';
const segment = (folder) => `(^|/)${folder}/`;
// notary/ holds both the core (layer 2) and the fetcher (a client).
const NOTARY_CLIENT = '(^|/)notary/(?!core/)';

/** No module imports the composition root. */
const NO_MAIN = { regex: '(^|/)src/main(\\.[jt]s)?$|^(\\.\\./)+main(\\.js)?$', message: `nothing imports src/main.ts, the composition root (${ARCHITECTURE})` };

const forbid = (regex, message, extra = {}) => ({ regex, message: `${message} (${ARCHITECTURE})`, ...extra });

/** One config block whose files may not import what `patterns` match. */
const layer = (files, patterns, ignores = []) => ({
  files,
  ignores,
  rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [NO_MAIN, ...patterns] }] },
});

/**
 * Blocks confining the files under `root` (one block per depth, up to five
 * folders deep) to their own folder: `outside(depth)` is the regex of an
 * import that climbs out of it.
 */
const confined = (root, outside, patterns) => [1, 2, 3, 4, 5].map((depth) => layer([`${root}/${'*/'.repeat(depth - 1)}*.ts`], [outside(depth), ...patterns]));

const climbs = (depth) => `^(\\.\\./){${depth}}`;

const LAYERING = [
  // 1. lib/: itself, undici and Node's built-ins.
  ...confined('src/lib', (depth) => forbid(climbs(depth), 'src/lib imports only src/lib'), [
    forbid('^(?!\\.|node:|undici(/|$))', 'src/lib imports no package but undici and node: built-ins'),
  ]),
  // 2. notary/core/: its own modules, lib/result.ts, lib/digest.ts (node:crypto only) and node:crypto.
  ...confined(
    'src/notary/core',
    (depth) =>
      forbid(
        `${climbs(depth)}(?!\\.\\./lib/(result|digest|go-json-fields)\\.js$)`,
        'src/notary/core imports only its own modules, src/lib/result.ts, src/lib/digest.ts and src/lib/go-json-fields.ts'
      ),
    [forbid('^(?!\\.|node:crypto$)', 'src/notary/core imports no package but node:crypto: no I/O, SQLite, metrics or HTTP')]
  ),
  // cosign/core/: confined like notary/core, and self-contained: not even notary/core.
  ...confined(
    'src/cosign/core',
    (depth) =>
      forbid(
        `${climbs(depth)}(?!\\.\\./lib/(result|digest|go-json-fields)\\.js$)`,
        'src/cosign/core imports only its own modules, src/lib/result.ts, src/lib/digest.ts and src/lib/go-json-fields.ts'
      ),
    // The four sigstore-js verification packages do no I/O; `sigstore` and `@sigstore/tuf` fetch, and stay out.
    [
      forbid(
        '^(?!\\.|node:crypto$|@sigstore/(verify|bundle|core|protobuf-specs)$)',
        'src/cosign/core imports no package but node:crypto and @sigstore/{verify,bundle,core,protobuf-specs}: no I/O, SQLite, metrics or HTTP'
      ),
    ]
  ),
  // notation/core/: confined like cosign/core, self-contained as well.
  ...confined(
    'src/notation/core',
    (depth) =>
      forbid(
        `${climbs(depth)}(?!\\.\\./lib/(result|digest|go-json-fields)\\.js$)`,
        'src/notation/core imports only its own modules, src/lib/result.ts, src/lib/digest.ts and src/lib/go-json-fields.ts'
      ),
    [forbid('^(?!\\.|node:crypto$)', 'src/notation/core imports no package but node:crypto: no I/O, SQLite, metrics or HTTP')]
  ),
  // The domain model: pure types and functions over lib/ and the core.
  layer(
    ['src/domain/**/*.ts'],
    [
      forbid(`${segment(`(${[...CLIENTS, ...ABOVE_SCAN.split('|')].join('|')})`)}|${NOTARY_CLIENT}`, 'src/domain imports only src/lib and src/notary/core'),
      forbid('^(?!\\.|node:crypto$)', 'src/domain is pure: no package but node:crypto'),
    ]
  ),
  // 3. Clients and infrastructure: lib/, the core and the domain; never
  // another client, the scan or the presentation.
  ...CLIENTS.map((client) =>
    layer(
      [`src/${client}/**/*.ts`],
      [
        forbid(segment(`(${CLIENTS.filter((other) => other !== client).join('|')})`), `src/${client} imports no other client`),
        forbid(NOTARY_CLIENT, `src/${client} imports no other client`),
        forbid(segment(`(${ABOVE_SCAN})`), `src/${client} imports neither the scan nor what runs or presents it`),
      ]
    )
  ),
  layer(
    ['src/notary/**/*.ts'],
    [forbid(segment(`(${CLIENTS.join('|')})`), 'src/notary imports no other client'), forbid(segment(`(${ABOVE_SCAN})`), 'src/notary imports neither the scan nor what runs or presents it')],
    ['src/notary/core/**']
  ),
  // 4. scan/: the clients only through their types.
  layer(
    ['src/scan/**/*.ts'],
    [
      forbid(segment('(scheduler|cli|server)'), 'src/scan imports neither what runs it (src/scheduler) nor src/cli or src/server'),
      forbid(segment(`(${CLIENTS.join('|')})`), 'src/scan imports the clients only with `import type` (the ports of ports.ts)', { allowTypeImports: true }),
      forbid(NOTARY_CLIENT, 'src/scan imports the Notary fetcher only with `import type` (the ports of ports.ts)', { allowTypeImports: true }),
    ]
  ),
  // 5. scheduler/: the daemon's service runs scans and publishes their
  // metrics; it sees the sources only through the scan, and presents nothing.
  layer(
    ['src/scheduler/**/*.ts'],
    [
      forbid(segment('(cli|server)'), 'src/scheduler imports neither src/cli nor src/server'),
      forbid(`${segment('(config|nexus|registry)')}|${NOTARY_CLIENT}`, 'src/scheduler reaches the sources only through the scan'),
    ]
  ),
  // 6. The presentations never import each other.
  // The serve command composes the server it is handed by main.ts: it may name its types, never run its code.
  layer(['src/cli/**/*.ts'], [forbid(segment('server'), 'src/cli never imports src/server (the serve command may name its types)', { allowTypeImports: true })]),
  layer(['src/server/**/*.ts'], [forbid(segment('cli'), 'src/server never imports src/cli')]),
];

export default tseslint.config(
  {
    ignores: ['dist/**', 'coverage/**', 'node_modules/**', 'test/fixtures/**'],
  },
  {
    files: ['**/*.js'],
    extends: [js.configs.recommended],
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // node:test's test(), it(), describe() and suite() return promises the
      // runner itself awaits; a top-level call is never a floating promise.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] }],
      // Off: every finding (23 of 23) was a synchronous implementation of a
      // Promise-returning interface (sign, sleep, close, verify, listTags),
      // where `async` is what turns a throw into a rejection.
      '@typescript-eslint/require-await': 'off',
      // Abort paths reject with `signal.reason`, which the DOM and Node types
      // declare as `any`; that is the value the AbortSignal contract asks for.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests stringify untyped, often deliberately hostile JSON values; there
      // '[object Object]' is as good a non-date or non-base64 as any other.
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
  layer(['**/*.ts'], []),
  ...LAYERING
);
