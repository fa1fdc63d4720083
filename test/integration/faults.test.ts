/**
 * Faults, injected by a proxy in front of the Nexus test server and of the
 * real notary-server (behind registry-style token auth), while `serve` runs:
 * for each, the daemon keeps running, the affected tags are never `signed`,
 * the scan is `partial`, source_up and source_errors_total say so, retries
 * back off, and the next scan recovers.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { after, before, describe, it } from 'node:test';

import { request } from 'undici';

import { runCli } from '../support/cli.js';
import { parseMetrics } from '../support/assertions.js';
import { startDaemon, type Daemon } from '../support/daemon.js';
import { startFaultProxy, type Fault, type FaultProxy } from '../support/fault-proxy.js';
import { makeServerCertificate } from '../support/openssl.js';
import { freePort } from '../support/processes.js';
import { startScanWorld, type ScanWorld } from '../support/scan-world.js';
import { startTamperProxy, type TamperProxy } from '../support/tamper-proxy.js';

const HOSTED = '127.0.0.1:18079';
const OTHER = '127.0.0.1:18080';

interface Tag {
  repository: string;
  image: string;
  tag: string;
  status: string;
  reason: string | null;
}

describe('faults while serving', () => {
  let world: ScanWorld;
  let guarded: TamperProxy;
  let notaryFaults: FaultProxy;
  let nexusFaults: FaultProxy;
  let daemon: Daemon;
  let config: string;

  before(async () => {
    world = await startScanWorld();
    world.nexus.addRepository({ name: 'docker-hosted', type: 'hosted' });
    world.nexus.addRepository({ name: 'docker-other', type: 'hosted' });
    for (const [repository, prefix, image] of [
      ['docker-hosted', HOSTED, 'victim'],
      ['docker-hosted', HOSTED, 'bystander'],
      ['docker-other', OTHER, 'tool'],
    ] as const) {
      await world.cli.init(`${prefix}/${image}`);
      for (const tag of ['1', '2']) {
        const manifest = world.push(repository, image, tag);
        await world.cli.addHash(`${prefix}/${image}`, tag, manifest.sha256, manifest.size);
      }
      await world.cli.publish(`${prefix}/${image}`);
    }
    guarded = await startTamperProxy(world.notaryProxy.url, { requireToken: { username: 'reader', password: 'reader-pw' } });
    notaryFaults = await startFaultProxy(guarded.url);
    nexusFaults = await startFaultProxy(world.nexus.url);
    const port = await freePort();
    config = await world.writeConfig(
      'faults.yaml',
      `nexus:\n  url: ${nexusFaults.url}\n  repositories:\n    - name: docker-hosted\n      gunPrefix: ${HOSTED}\n    - name: docker-other\n      gunPrefix: ${OTHER}\n` +
        // The fault proxy stands in front of Notary, whose token realm is its own origin: another host to the auditor.
        `notary:\n  url: ${notaryFaults.url}\n  username: reader\n  password: reader-pw\n  tokenRealmHosts: ["${new URL(guarded.url).host}"]\n` +
        `database: ${world.dir}/faults.db\nschedule: "0 0 1 1 *"\nlisten: 127.0.0.1:${port}\nrequestTimeoutSeconds: 2\nweb:\n  minScanIntervalSeconds: 0\n`
    );
    daemon = await startDaemon(config, port);
  });

  after(async () => {
    daemon?.child.kill('SIGTERM');
    await daemon?.exited;
    await notaryFaults?.stop();
    await nexusFaults?.stop();
    await guarded?.stop();
    await world?.stop();
  });

  const state = async (): Promise<{ tags: Tag[]; outcome: string; metrics: Map<string, number> }> => {
    const tags = ((await (await fetch(`${daemon.url}/api/v1/tags?limit=1000`)).json()) as { tags: Tag[] }).tags;
    const outcome = (await daemon.scans())[0]?.outcome ?? '';
    const metrics = parseMetrics(await (await fetch(`${daemon.url}/metrics`)).text());
    return { tags, outcome, metrics };
  };

  const statusOf = (tags: Tag[], image: string): string[] => [...new Set(tags.filter((t) => t.image === image).map((t) => t.status))];

  it('starts from a clean complete scan', async () => {
    const { tags, outcome, metrics } = await state();

    assert.equal(outcome, 'complete');
    assert.deepEqual(statusOf(tags, 'victim'), ['signed']);
    assert.equal(metrics.get('trust_auditor_source_up{source="notary"}'), 1);
  });

  const notaryCases: [string, Fault, string, readonly string[]][] = [
    ['a connection reset mid-body', { kind: 'reset-mid-body' }, 'CONNECTION', ['error']],
    ['a burst of 503s', { kind: 'status', status: 503 }, 'HTTP_5XX', ['error']],
    ['a 500', { kind: 'status', status: 500 }, 'HTTP_5XX', ['error']],
    ['a 502', { kind: 'status', status: 502 }, 'HTTP_5XX', ['error']],
    ['429 with Retry-After', { kind: 'status', status: 429, headers: { 'retry-after': '1' } }, 'HTTP_4XX', ['error']],
    ['a body that drips slower than the timeout', { kind: 'drip', intervalMs: 300 }, 'TIMEOUT', ['error']],
    ['a body over the size limit', { kind: 'oversize', bytes: 3 * 1024 * 1024 }, 'TOO_LARGE', ['error']],
    ['a redirect to another origin', { kind: 'redirect', location: 'http://127.0.0.1:9/elsewhere' }, 'CONNECTION', ['error']],
  ];
  for (const [name, fault, reason, statuses] of notaryCases) {
    it(`Notary: ${name} → the image's tags are ${statuses.join('/')}, partial, then recovery`, async () => {
      const before = (await state()).metrics.get(`trust_auditor_source_errors_total{source="notary",reason="${reason}"}`) ?? 0;
      notaryFaults.setRule((path) => (path.includes('/victim/_trust/tuf/timestamp.json') ? fault : undefined));
      try {
        await daemon.scanNow();
        const { tags, outcome, metrics } = await state();

        assert.deepEqual(statusOf(tags, 'victim'), statuses);
        assert.ok(tags.filter((t) => t.image === 'victim').every((t) => t.status !== 'signed'));
        assert.deepEqual(statusOf(tags, 'bystander'), ['signed'], 'other images are still audited');
        assert.equal(outcome, 'partial');
        assert.equal(metrics.get('trust_auditor_source_up{source="notary"}'), 0);
        assert.ok((metrics.get(`trust_auditor_source_errors_total{source="notary",reason="${reason}"}`) ?? 0) > before, `errors_total{reason="${reason}"} increased`);
      } finally {
        notaryFaults.setRule(undefined);
      }
      await daemon.scanNow();
      const recovered = await state();
      assert.deepEqual(statusOf(recovered.tags, 'victim'), ['signed']);
      assert.equal(recovered.outcome, 'complete');
      assert.equal(recovered.metrics.get('trust_auditor_source_up{source="notary"}'), 1);
    });
  }

  it('Notary: truncated JSON is rejected as invalid trust data, never signed', async () => {
    // Force a full fetch: the cached timestamp would otherwise be compared, not parsed.
    notaryFaults.setRule((path) => (path.includes('/victim/_trust/tuf/timestamp.json') ? { kind: 'truncate' } : undefined));
    try {
      await daemon.scanNow();
      const { tags } = await state();
      assert.deepEqual(statusOf(tags, 'victim'), ['invalid']);
      assert.match(tags.find((t) => t.image === 'victim')?.reason ?? '', /^MALFORMED_METADATA/);
    } finally {
      notaryFaults.setRule(undefined);
    }
    await daemon.scanNow();
    assert.deepEqual(statusOf((await state()).tags, 'victim'), ['signed']);
  });

  it('Notary: a failing token endpoint → error (AUTH), then recovery', async () => {
    // A fresh process has no token yet: the CLI scan must ask for one.
    guarded.setTokenFailure(500);
    try {
      const result = await runCli(['scan', '--config', config, '--json']);
      const report = JSON.parse(result.stdout) as { scan: { outcome: string }; tags: Tag[] };
      // No image's trust data could be fetched: the scan failed (exit 3), it found nothing.
      assert.equal(report.scan.outcome, 'failed');
      assert.equal(result.code, 3);
      assert.ok(
        report.tags.every((t) => t.status === 'error'),
        'no tag is signed without trust data'
      );
      assert.match(result.stderr, /token endpoint .* answered HTTP 500/);
    } finally {
      guarded.setTokenFailure(undefined);
    }
    const again = await runCli(['scan', '--config', config, '--json']);
    assert.equal((JSON.parse(again.stdout) as { scan: { outcome: string } }).scan.outcome, 'complete');
  });

  it('Notary: a TLS certificate from an unknown CA → error (TLS), and no tag signed', async () => {
    const certificate = await makeServerCertificate(world.dir, 'rogue');
    const tls: Server = createHttpsServer({ cert: await readFile(certificate.certFile), key: await readFile(certificate.keyFile) }, (req, res) => {
      void request(new URL(req.url ?? '/', guarded.url)).then(async (upstream) => {
        res.writeHead(upstream.statusCode);
        res.end(Buffer.from(await upstream.body.arrayBuffer()));
      });
    });
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    const address = tls.address();
    const url = `https://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    try {
      const rogue = await world.writeConfig(
        'rogue.yaml',
        (await readFile(config, 'utf8'))
          .replace(notaryFaults.url, url)
          .replace(/database: .*/, `database: ${world.dir}/rogue.db`)
          .replace(/listen: .*\n/, '')
      );
      const result = await runCli(['scan', '--config', rogue, '--json']);
      const report = JSON.parse(result.stdout) as { scan: { outcome: string }; tags: Tag[] };
      // A wrong CA for every image is a misconfiguration, not findings: failed, exit 3.
      assert.equal(result.code, 3);
      assert.equal(report.scan.outcome, 'failed');
      assert.ok(report.tags.every((t) => t.status === 'error'));
      assert.match(report.tags[0]?.reason ?? '', /TLS/);
    } finally {
      tls.closeAllConnections();
      tls.close();
    }
  });

  it('Nexus: a burst of 500s is retried with back-off and the scan completes', async () => {
    let failures = 2;
    nexusFaults.setRule((path) => (path.includes('/components') && path.includes('docker-other') && failures-- > 0 ? { kind: 'status', status: 500 } : undefined));
    try {
      await daemon.scanNow();
    } finally {
      nexusFaults.setRule(undefined);
    }
    const { outcome, tags } = await state();
    assert.equal(outcome, 'complete');
    assert.deepEqual(statusOf(tags, 'tool'), ['signed']);
    const attempts = nexusFaults.requests.filter((r) => r.path.includes('docker-other')).slice(-3);
    assert.deepEqual(
      attempts.map((r) => r.fault),
      ['status', 'status', undefined]
    );
    const gaps = attempts.slice(1).map((r, i) => r.at - (attempts[i]?.at ?? 0));
    assert.ok(
      gaps.every((gap) => gap >= 240),
      `back-off between attempts: ${gaps.join(', ')} ms`
    );
  });

  it('Nexus: 429 with Retry-After is honoured', async () => {
    let failures = 1;
    nexusFaults.setRule((path) => (path.includes('docker-other') && failures-- > 0 ? { kind: 'status', status: 429, headers: { 'retry-after': '1' } } : undefined));
    try {
      await daemon.scanNow();
    } finally {
      nexusFaults.setRule(undefined);
    }
    const attempts = nexusFaults.requests.filter((r) => r.path.includes('docker-other')).slice(-2);
    assert.equal(attempts[0]?.fault, 'status');
    assert.ok((attempts[1]?.at ?? 0) - (attempts[0]?.at ?? 0) >= 1000, 'waited as asked');
    assert.equal((await state()).outcome, 'complete');
  });

  const nexusCases: [string, Fault, string][] = [
    ['persistent 503s', { kind: 'status', status: 503 }, 'HTTP_5XX'],
    ['truncated JSON', { kind: 'truncate' }, 'MALFORMED'],
    ['a page over the size limit', { kind: 'oversize', bytes: 20 * 1024 * 1024 }, 'TOO_LARGE'],
    ['a reset mid-body', { kind: 'reset-mid-body' }, 'CONNECTION'],
    ['a redirect to another origin', { kind: 'redirect', location: 'http://127.0.0.1:9/' }, 'CONNECTION'],
  ];
  for (const [name, fault, reason] of nexusCases) {
    it(`Nexus: ${name} → that repository's tags are error, the others audited, then recovery`, async () => {
      const before = (await state()).metrics.get(`trust_auditor_source_errors_total{source="nexus",reason="${reason}"}`) ?? 0;
      nexusFaults.setRule((path) => (path.includes('/components') && path.includes('docker-other') ? fault : undefined));
      try {
        await daemon.scanNow();
        const { tags, outcome, metrics } = await state();

        assert.deepEqual(statusOf(tags, 'tool'), ['error']);
        assert.deepEqual(statusOf(tags, 'victim'), ['signed']);
        assert.equal(outcome, 'partial');
        assert.equal(metrics.get('trust_auditor_source_up{source="nexus"}'), 0);
        assert.ok((metrics.get(`trust_auditor_source_errors_total{source="nexus",reason="${reason}"}`) ?? 0) > before);
      } finally {
        nexusFaults.setRule(undefined);
      }
      await daemon.scanNow();
      const recovered = await state();
      assert.deepEqual(statusOf(recovered.tags, 'tool'), ['signed']);
      assert.equal(recovered.outcome, 'complete');
    });
  }

  it('is still serving after every fault', async () => {
    assert.equal((await fetch(`${daemon.url}/healthz`)).status, 200);
    assert.equal(daemon.child.exitCode, null);
  });
});
