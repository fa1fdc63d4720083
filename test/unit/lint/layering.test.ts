import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';

import { ESLint } from 'eslint';

// Proves that each layering rule of eslint.config.js (docs/architecture.md §1)
// can fail: an offending import in a file of the folder is reported, an
// allowed one is not. The files need not exist; only their paths matter.

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const RULE = '@typescript-eslint/no-restricted-imports';

let eslint: ESLint;

before(() => {
  eslint = new ESLint({
    cwd: ROOT,
    overrideConfigFile: 'eslint.config.js',
    // The snippets are not files of the TypeScript project, so they are
    // parsed without type information and only the import rule runs.
    overrideConfig: { files: ['**/*.ts'], languageOptions: { parserOptions: { projectService: false, project: null } } },
    ruleFilter: ({ ruleId }) => ruleId === RULE,
  });
});

async function findings(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\n`, { filePath });
  assert.ok(result !== undefined);
  return result.messages.map((message) => `${message.ruleId ?? 'parse'}: ${message.message}`);
}

async function refuses(filePath: string, code: string): Promise<void> {
  const messages = await findings(filePath, code);
  assert.equal(messages.length, 1, `${filePath}: ${code} → ${messages.join('; ')}`);
  assert.ok(messages[0]?.startsWith(`${RULE}:`), messages[0]);
}

async function allows(filePath: string, code: string): Promise<void> {
  assert.deepEqual(await findings(filePath, code), [], `${filePath}: ${code}`);
}

describe('layering: src/lib imports only itself, undici and node: built-ins', () => {
  it('refuses another folder of src, at any depth, and other packages', async () => {
    await refuses('src/lib/probe.ts', "import { ScanStore } from '../store/scan-store.js';");
    await refuses('src/lib/probe.ts', "import { VERSION } from '../version.js';");
    await refuses('src/lib/probe.ts', "import type { Verdict } from '../domain/verdict.js';");
    await refuses('src/lib/http/probe.ts', "import { judgeTag } from '../../notary/core/assess.js';");
    await refuses('src/lib/http/probe.ts', "import Database from 'better-sqlite3';");
  });

  it('allows its own modules, in sub-folders too, undici and built-ins', async () => {
    await allows('src/lib/probe.ts', "import { ok } from './result.js';\nimport { request } from './http/request.js';");
    await allows('src/lib/http/probe.ts', "import { ok } from '../result.js';\nimport { Agent } from 'undici';\nimport { connect } from 'node:net';");
  });
});

describe('layering: src/notary/core imports only itself, src/lib/result.ts, src/lib/digest.ts and node:crypto', () => {
  const FILE = 'src/notary/core/probe.ts';

  it('refuses I/O, SQLite, metrics and HTTP packages', async () => {
    for (const module of ['undici', 'better-sqlite3', 'prom-client', 'node:fs', 'node:net', 'node:http', 'node:worker_threads', 'node:os']) {
      await refuses(FILE, `import * as probe from '${module}';`);
    }
  });

  it('refuses the rest of src/lib, the fetcher beside it and every other folder', async () => {
    await refuses(FILE, "import { FetchError } from '../../lib/errors.js';");
    await refuses(FILE, "import type { NotaryFetcher } from '../notary-fetcher.js';");
    await refuses(FILE, "import type { Verdict } from '../../domain/verdict.js';");
    await refuses(FILE, "import type { ScanStore } from '../../store/scan-store.js';");
  });

  it('allows its own modules, src/lib/result.ts, src/lib/digest.ts and node:crypto', async () => {
    await allows(
      FILE,
      "import { parseRoot } from './model.js';\nimport { ok } from '../../lib/result.js';\nimport { sha256Hex } from '../../lib/digest.js';\nimport { createHash } from 'node:crypto';"
    );
  });
});

describe('layering: src/cosign/core imports only itself, src/lib/result.ts, src/lib/digest.ts, node:crypto and four @sigstore packages', () => {
  const FILE = 'src/cosign/core/probe.ts';

  it('refuses I/O, SQLite, metrics and HTTP packages', async () => {
    for (const module of ['undici', 'better-sqlite3', 'prom-client', 'node:fs', 'node:net', 'node:http', 'node:os']) {
      await refuses(FILE, `import * as probe from '${module}';`);
    }
  });

  it('refuses the sigstore packages that fetch (the client, TUF) and sub-paths of the allowed ones', async () => {
    for (const module of ['sigstore', '@sigstore/tuf', '@sigstore/sign', '@sigstore/verify/dist/verifier.js']) {
      await refuses(FILE, `import * as probe from '${module}';`);
    }
  });

  it('refuses the rest of src/lib, notary/core and every other folder', async () => {
    await refuses(FILE, "import { FetchError } from '../../lib/errors.js';");
    await refuses(FILE, "import { parseStrictJson } from '../../notary/core/json.js';");
    await refuses(FILE, "import type { Verdict } from '../../domain/verdict.js';");
    await refuses('src/cosign/core/nested/probe.ts', "import type { ScanStore } from '../../../store/scan-store.js';");
  });

  it('allows its own modules, src/lib/result.ts, src/lib/digest.ts and node:crypto', async () => {
    await allows(
      FILE,
      "import { verifySimpleSigning } from './simple-signing.js';\nimport { ok } from '../../lib/result.js';\nimport { sha256Hex } from '../../lib/digest.js';\nimport { verify } from 'node:crypto';"
    );
    await allows(
      FILE,
      "import { Verifier } from '@sigstore/verify';\nimport { bundleFromJSON } from '@sigstore/bundle';\nimport { X509Certificate } from '@sigstore/core';\nimport { TrustedRoot } from '@sigstore/protobuf-specs';"
    );
  });
});

describe('layering: src/notation/core imports only itself, src/lib/result.ts, src/lib/digest.ts and node:crypto', () => {
  const FILE = 'src/notation/core/probe.ts';

  it('refuses I/O, SQLite, metrics and HTTP packages', async () => {
    for (const module of ['undici', 'better-sqlite3', 'prom-client', 'node:fs', 'node:net', 'node:http', 'node:os']) {
      await refuses(FILE, `import * as probe from '${module}';`);
    }
  });

  it('refuses the rest of src/lib, the trust-file reader beside it, the other cores and every other folder', async () => {
    await refuses(FILE, "import { FetchError } from '../../lib/errors.js';");
    await refuses(FILE, "import { loadNotationTrust } from '../trust-files.js';");
    await refuses(FILE, "import { verifySimpleSigning } from '../../cosign/core/simple-signing.js';");
    await refuses('src/notation/core/nested/probe.ts', "import type { ScanStore } from '../../../store/scan-store.js';");
  });

  it('allows its own modules, src/lib/result.ts, src/lib/digest.ts and node:crypto', async () => {
    await allows(
      FILE,
      "import { readCbor } from './cbor.js';\nimport { ok } from '../../lib/result.js';\nimport { sha256Hex } from '../../lib/digest.js';\nimport { verify } from 'node:crypto';"
    );
  });
});

describe('layering: src/domain imports only src/lib and src/notary/core', () => {
  const FILE = 'src/domain/probe.ts';

  it('refuses clients, the scan, the presentations and I/O packages', async () => {
    await refuses(FILE, "import type { ScanStore } from '../store/scan-store.js';");
    await refuses(FILE, "import type { NotaryFetcher } from '../notary/notary-fetcher.js';");
    await refuses(FILE, "import { runScan } from '../scan/scanner.js';");
    await refuses(FILE, "import { formatVerdict } from '../cli/format.js';");
    await refuses(FILE, "import Database from 'better-sqlite3';");
  });

  it('allows src/lib, the core and its own modules', async () => {
    await allows(FILE, "import { ok } from '../lib/result.js';\nimport { judgeTag } from '../notary/core/assess.js';\nimport type { Tag } from './tag.js';");
  });
});

describe('layering: the clients import only src/lib, src/notary/core and src/domain', () => {
  const CLIENTS: readonly { readonly file: string; readonly other: string; readonly core: string }[] = [
    { file: 'src/nexus/probe.ts', other: '../registry/registry-client.js', core: '../notary/core/model.js' },
    { file: 'src/registry/probe.ts', other: '../notary/notary-fetcher.js', core: '../notary/core/model.js' },
    { file: 'src/notary/probe.ts', other: '../nexus/nexus-client.js', core: './core/model.js' },
    { file: 'src/config/probe.ts', other: '../store/scan-store.js', core: '../notary/core/model.js' },
    { file: 'src/store/sqlite/probe.ts', other: '../../metrics/metrics.js', core: '../../notary/core/model.js' },
    { file: 'src/metrics/probe.ts', other: '../scheduler/scheduler.js', core: '../notary/core/codes.js' },
  ];

  for (const { file, other, core } of CLIENTS) {
    const up = file.split('/').length === 4 ? '../../' : '../';

    it(`${file} refuses another client, also as a type, the scan and the presentations`, async () => {
      await refuses(file, `import { probe } from '${other}';`);
      await refuses(file, `import type { Probe } from '${other}';`);
      await refuses(file, `import { runScan } from '${up}scan/scanner.js';`);
      await refuses(file, `import { AuditService } from '${up}scheduler/audit-service.js';`);
      await refuses(file, `import { formatVerdict } from '${up}cli/format.js';`);
      await refuses(file, `import type { HttpServer } from '${up}server/http-server.js';`);
    });

    it(`${file} allows src/lib, the core, the domain and its own folder`, async () => {
      await allows(file, `import { ok } from '${up}lib/result.js';\nimport { probe } from '${core}';\nimport type { Tag } from '${up}domain/tag.js';\nimport { own } from './own.js';`);
    });
  }
});

describe('layering: src/scheduler runs scans and sees the sources only through them', () => {
  const FILE = 'src/scheduler/probe.ts';

  it('refuses the sources and the presentations', async () => {
    await refuses(FILE, "import { NexusClient } from '../nexus/nexus-client.js';");
    await refuses(FILE, "import type { NotaryFetcher } from '../notary/notary-fetcher.js';");
    await refuses(FILE, "import { parseConfig } from '../config/parse-config.js';");
    await refuses(FILE, "import { formatVerdict } from '../cli/format.js';");
    await refuses(FILE, "import type { HttpServer } from '../server/http-server.js';");
  });

  it('allows the scan, the store, the metrics and the layers below', async () => {
    await allows(
      FILE,
      "import { runScan } from '../scan/scanner.js';\nimport type { ScanStore } from '../store/scan-store.js';\nimport { metricsSnapshot } from '../metrics/snapshot.js';\nimport { judgeTag } from '../notary/core/assess.js';"
    );
  });
});

describe('layering: src/scan sees the clients only through their types', () => {
  const FILE = 'src/scan/probe.ts';

  it('refuses a value import of a client', async () => {
    await refuses(FILE, "import { verdictFingerprint } from '../store/scan-store.js';");
    await refuses(FILE, "import { countByRepository, type Metrics } from '../metrics/metrics.js';");
    await refuses(FILE, "import { NotaryFetcher } from '../notary/notary-fetcher.js';");
    await refuses(FILE, "import { NexusClient } from '../nexus/nexus-client.js';");
  });

  it('refuses the presentations, even as types', async () => {
    await refuses(FILE, "import { formatVerdict } from '../cli/format.js';");
    await refuses(FILE, "import type { HttpServer } from '../server/http-server.js';");
    await refuses(FILE, "import type { AuditService } from '../scheduler/audit-service.js';");
  });

  it('allows type imports of the clients, and the core, lib and domain as values', async () => {
    await allows(FILE, "import type { ScanStore } from '../store/scan-store.js';\nimport { type Metrics, type MetricsSnapshot } from '../metrics/metrics.js';");
    await allows(FILE, "import { judgeTag } from '../notary/core/assess.js';\nimport { ok } from '../lib/result.js';\nimport { verdictOf } from '../domain/verdict.js';");
  });
});

describe("layering: src/cli and src/server never import each other (the serve command may name the server's types)", () => {
  it('refuses the other presentation', async () => {
    await refuses('src/cli/commands/probe.ts', "import { startHttpServer } from '../../server/http-server.js';");
    await refuses('src/server/probe.ts', "import type { ScanReport } from '../cli/scan-report.js';");
  });

  it('allows the scan, the store and the core', async () => {
    await allows('src/cli/commands/probe.ts', "import { runScan } from '../../scan/scanner.js';\nimport { NotaryFetcher } from '../../notary/notary-fetcher.js';");
    await allows('src/server/probe.ts', "import type { AuditService } from '../scheduler/audit-service.js';\nimport type { ScanStore } from '../store/scan-store.js';");
    await allows('src/cli/commands/probe.ts', "import type { startHttpServer } from '../../server/http-server.js';");
  });
});

describe('layering: nothing imports src/main.ts', () => {
  it('refuses it from src, the tests, the benchmarks and the demo', async () => {
    await refuses('src/cli/commands/probe.ts', "import { main } from '../../main.js';");
    await refuses('src/scan/probe.ts', "import type { Probe } from '../main.js';");
    await refuses('test/unit/probe.test.ts', "import { main } from '../../src/main.js';");
    await refuses('bench/probe.ts', "import { main } from '../src/main.js';");
    await refuses('demo/probe.ts', "import { main } from '../src/main.js';");
  });

  it('allows the tests any other module', async () => {
    await allows('test/unit/probe.test.ts', "import { runScan } from '../../src/scan/scanner.js';\nimport { openDatabase } from '../../src/store/database.js';");
  });
});
