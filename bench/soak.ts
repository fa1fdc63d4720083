/**
 * npm run soak -- --minutes N [--sample-seconds S]
 *
 * A bounded soak: `trust-auditor serve` with a one-second schedule against the
 * Nexus test server and the real notary-server, each behind a fault proxy
 * that switches to a random fault every few seconds (resets, 5xx bursts, 429,
 * slow bodies, truncated and oversized bodies, foreign redirects) and back.
 * Every S seconds it prints the daemon's RSS, heap, open file descriptors and
 * scan count; at the end one JSON line with the figures. Everything runs on
 * loopback and stops by itself.
 */
import { readdir, readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

import { startDaemon } from '../test/support/daemon.js';
import { startFaultProxy, type Fault } from '../test/support/fault-proxy.js';
import { freePort } from '../test/support/processes.js';
import { startScanWorld } from '../test/support/scan-world.js';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '2' }, 'sample-seconds': { type: 'string', default: '10' } } });
const minutes = Number(values.minutes);
const sampleSeconds = Number(values['sample-seconds']);
const log = (text: string): void => void process.stderr.write(text + '\n');

const FAULTS: readonly (Fault | undefined)[] = [
  undefined,
  undefined,
  { kind: 'reset-mid-body' },
  { kind: 'status', status: 503 },
  { kind: 'status', status: 500 },
  { kind: 'status', status: 429, headers: { 'retry-after': '1' } },
  { kind: 'drip', intervalMs: 500 },
  { kind: 'truncate' },
  { kind: 'oversize', bytes: 2 * 1024 * 1024 },
  { kind: 'redirect', location: 'http://127.0.0.1:9/' },
];

async function processFigures(pid: number): Promise<{ rssMb: number; fds: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const fds = (await readdir(`/proc/${pid}/fd`)).length;
  return { rssMb: Math.round(rssKb / 1024), fds };
}

const world = await startScanWorld();
const samples: { seconds: number; rssMb: number; heapMb: number; fds: number; scans: number }[] = [];
let exitCode = 0;
try {
  world.nexus.addRepository({ name: 'docker-hosted', type: 'hosted' });
  for (let image = 0; image < 10; image++) {
    const gun = `127.0.0.1:18079/image${image}`;
    await world.cli.init(gun);
    for (let tag = 0; tag < 5; tag++) {
      const manifest = world.push('docker-hosted', `image${image}`, `t${tag}`);
      if (tag !== 4) {
        await world.cli.addHash(gun, `t${tag}`, manifest.sha256, manifest.size);
      }
    }
    await world.cli.publish(gun);
  }
  const nexusFaults = await startFaultProxy(world.nexus.url);
  const notaryFaults = await startFaultProxy(world.notaryProxy.url);
  const port = await freePort();
  const config = await world.writeConfig(
    'soak.yaml',
    `nexus:\n  url: ${nexusFaults.url}\n  repositories:\n    - name: docker-hosted\n      gunPrefix: 127.0.0.1:18079\nnotary:\n  url: ${notaryFaults.url}\ndatabase: ${world.dir}/soak.db\nschedule: "* * * * * *"\nlisten: 127.0.0.1:${port}\nrequestTimeoutSeconds: 2\n`
  );
  const daemon = await startDaemon(config, port);
  const pid = daemon.child.pid as number;
  const started = Date.now();
  const end = started + minutes * 60_000;
  let nextSample = started;
  let nextFault = started;
  const faultsUsed = new Map<string, number>();
  log(`soak: ${minutes} min, serve pid ${pid}, one scan per second, faults switching every 3 s`);
  log('seconds  rssMb  heapMb  fds  scans');
  while (Date.now() < end) {
    if (Date.now() >= nextFault) {
      const fault = FAULTS[Math.floor(Math.random() * FAULTS.length)];
      const target = Math.random() < 0.5 ? nexusFaults : notaryFaults;
      nexusFaults.setRule(undefined);
      notaryFaults.setRule(undefined);
      if (fault !== undefined) {
        // Hit one image (Notary) or the listing (Nexus), a third of the time.
        target.setRule((path) => (Math.random() < 0.33 && (path.includes('/components') || path.includes('/image3/')) ? fault : undefined));
      }
      const name = fault === undefined ? 'none' : `${target === nexusFaults ? 'nexus' : 'notary'}:${fault.kind}`;
      faultsUsed.set(name, (faultsUsed.get(name) ?? 0) + 1);
      nextFault += 3000;
    }
    if (Date.now() >= nextSample) {
      const { rssMb, fds } = await processFigures(pid);
      const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
      const heap = Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(metrics)?.[1] ?? 0);
      const scans = (await daemon.scans())[0]?.id ?? 0;
      const sample = { seconds: Math.round((Date.now() - started) / 1000), rssMb, heapMb: Math.round(heap / 1024 / 1024), fds, scans };
      samples.push(sample);
      log(`${String(sample.seconds).padStart(7)}  ${String(rssMb).padStart(5)}  ${String(sample.heapMb).padStart(6)}  ${String(fds).padStart(3)}  ${String(scans).padStart(5)}`);
      nextSample += sampleSeconds * 1000;
    }
    if (daemon.child.exitCode !== null) {
      throw new Error(`serve exited during the soak:\n${daemon.output().slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  nexusFaults.setRule(undefined);
  notaryFaults.setRule(undefined);
  const outcomes = new Map<string, number>();
  for (const scan of ((await (await fetch(`${daemon.url}/api/v1/scans?limit=1000`)).json()) as { scans: { outcome: string }[] }).scans) {
    outcomes.set(scan.outcome, (outcomes.get(scan.outcome) ?? 0) + 1);
  }
  daemon.child.kill('SIGTERM');
  const code = await daemon.exited;
  const first = samples[0];
  const last = samples[samples.length - 1];
  process.stdout.write(
    JSON.stringify({
      minutes,
      scans: last?.scans ?? 0,
      scanOutcomesLast1000: Object.fromEntries(outcomes),
      rssMbStart: first?.rssMb,
      rssMbEnd: last?.rssMb,
      rssMbMax: Math.max(...samples.map((s) => s.rssMb)),
      heapMbStart: first?.heapMb,
      heapMbEnd: last?.heapMb,
      fdsStart: first?.fds,
      fdsEnd: last?.fds,
      fdsMax: Math.max(...samples.map((s) => s.fds)),
      faults: Object.fromEntries(faultsUsed),
      exitCodeOnSigterm: code,
    }) + '\n'
  );
  await nexusFaults.stop();
  await notaryFaults.stop();
} catch (error) {
  log(String(error));
  exitCode = 1;
} finally {
  await world.stop();
}
process.exitCode = exitCode;
