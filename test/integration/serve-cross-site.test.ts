/**
 * The daemon's endpoints against a web page and a rebound DNS name: a page on
 * another origin, in a real Chromium, cannot start a scan; a state-changing
 * request must be JSON, same-origin, and not too soon after the last scan;
 * and only known Host names are answered.
 */
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';

import { startDaemon, triggerScan, type Daemon } from '../support/daemon.js';
import { dumpDom } from '../support/chromium.js';
import { freePort } from '../support/processes.js';
import { startScanWorld, type ScanWorld } from '../support/scan-world.js';

const PREFIX = '127.0.0.1:18079';

/** A request with exactly these headers (fetch would not let a test set Host). */
function raw(port: number, method: string, path: string, headers: Record<string, string>, body = ''): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('serve against cross-site requests and rebound names', () => {
  let world: ScanWorld;
  let open: Daemon | undefined;
  let limited: Daemon | undefined;
  let openPort: number;
  let limitedPort: number;
  let page: Server | undefined;

  const configFor = (name: string, port: number, web: string): Promise<string> =>
    world.writeConfig(
      `${name}.yaml`,
      `nexus:\n  url: ${world.nexus.url}\n  repositories:\n    - name: docker-hosted\n      gunPrefix: ${PREFIX}\nnotary:\n  url: ${world.notaryProxy.url}\ndatabase: ${world.dir}/${name}.db\nschedule: "0 0 1 1 *"\nlisten: 127.0.0.1:${port}\nweb:\n${web}`
    );

  before(async () => {
    world = await startScanWorld();
    world.nexus.addRepository({ name: 'docker-hosted', type: 'hosted' });
    world.push('docker-hosted', 'app', 'v1');
    openPort = await freePort();
    limitedPort = await freePort();
    open = await startDaemon(await configFor('open', openPort, '  minScanIntervalSeconds: 0\n'), openPort);
    limited = await startDaemon(await configFor('limited', limitedPort, '  minScanIntervalSeconds: 3600\n  hosts: [auditor.internal]\n'), limitedPort);
  });

  after(async () => {
    open?.child.kill('SIGKILL');
    limited?.child.kill('SIGKILL');
    page?.closeAllConnections();
    page?.close();
    await world?.stop();
  });

  it('a page on another origin, in a real Chromium, starts no scan however it posts', async () => {
    const scansBefore = (await (open as Daemon).scans()).length;
    const target = `http://127.0.0.1:${openPort}/api/v1/scans`;
    // Every way a page can POST without the daemon's consent: no-cors fetches
    // (text/plain, form-encoded), a CORS JSON fetch (needs a preflight), and a form.
    const html = `<!doctype html><html><body>
<iframe name="sink"></iframe>
<form id="f" method="POST" action="${target}" target="sink" enctype="text/plain"><input name='{"a":"' value='"}'></form>
<script>
for (let i = 0; i < 20; i++) {
  fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors', body: '{}' }).catch(() => {});
  fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' }).catch(() => {});
  fetch(${JSON.stringify(target)}, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).catch(() => {});
}
document.getElementById('f').submit();
document.body.dataset.done = 'yes';
</script></body></html>`;
    page = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
    const pagePort = await freePort();
    await new Promise<void>((resolve) => (page as Server).listen(pagePort, '127.0.0.1', resolve));

    // `localhost` is another site than `127.0.0.1`: the requests are cross-site.
    const dom = await dumpDom(`http://localhost:${pagePort}/`, `${world.dir}/chromium-cross-site`, ['--virtual-time-budget=5000']);

    assert.match(dom, /data-done="yes"/, 'the page ran its script');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal((await (open as Daemon).scans()).length, scansBefore);
  });

  it('refuses a state-changing request that is not JSON, is marked cross-site, or comes from another origin', async () => {
    const post = (headers: Record<string, string>) => raw(openPort, 'POST', '/api/v1/scans', { host: `127.0.0.1:${openPort}`, ...headers }, '{}');

    assert.equal((await post({})).status, 415);
    assert.equal((await post({ 'content-type': 'text/plain' })).status, 415);
    assert.equal((await post({ 'content-type': 'application/x-www-form-urlencoded' })).status, 415);
    assert.equal((await post({ 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' })).status, 403);
    assert.equal((await post({ 'content-type': 'application/json', 'sec-fetch-site': 'same-site' })).status, 403);
    assert.equal((await post({ 'content-type': 'application/json', origin: 'https://evil.example' })).status, 403);
    assert.equal((await post({ 'content-type': 'application/json', origin: 'null' })).status, 403);
  });

  it('answers only known Host names (IP addresses, localhost, web.hosts), but the probes to any', async () => {
    const get = (path: string, host: string) => raw(limitedPort, 'GET', path, { host });

    assert.equal((await get('/metrics', `127.0.0.1:${limitedPort}`)).status, 200);
    assert.equal((await get('/metrics', `localhost:${limitedPort}`)).status, 200);
    assert.equal((await get('/metrics', 'auditor.internal')).status, 200);
    assert.equal((await get('/metrics', 'evil.example')).status, 421);
    assert.equal((await get('/', 'evil.example:9817')).status, 421);
    assert.equal((await get('/api/v1/tags', 'rebound.attacker.example')).status, 421);
    assert.equal((await get('/healthz', 'evil.example')).status, 200);
    const rebound = await raw(limitedPort, 'POST', '/api/v1/scans', { host: 'evil.example', 'content-type': 'application/json' }, '{}');
    assert.equal(rebound.status, 421);
  });

  it('answers 429 with Retry-After to a scan requested within the interval of the last one', async () => {
    const same = { host: `127.0.0.1:${limitedPort}`, origin: `http://127.0.0.1:${limitedPort}`, 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' };

    const response = await raw(limitedPort, 'POST', '/api/v1/scans', same, '{}');

    assert.equal(response.status, 429);
    assert.ok(Number(response.headers['retry-after']) > 3500);
    assert.equal((await triggerScan(`http://127.0.0.1:${openPort}`)).status, 202);
  });
});
