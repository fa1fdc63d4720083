import assert from 'node:assert/strict';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';

import { firstCertificate, probeHealth } from '../../../../src/lib/http/health-probe.js';

async function withServer(listener: RequestListener, use: (url: string) => Promise<void>): Promise<void> {
  const server: Server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('probeHealth', () => {
  it('is healthy on 200 and sends no credentials', async () => {
    let authorization: string | undefined = 'unset';
    await withServer(
      (req, res) => {
        authorization = req.headers.authorization;
        res.end('ok\n');
      },
      async (url) => {
        assert.deepEqual(await probeHealth({ url, pinnedCertificate: undefined, timeoutMs: 2000 }), { healthy: true, status: 200 });
      }
    );
    assert.equal(authorization, undefined);
  });

  it('is unhealthy on any other status, a refused connection or silence, with the reason', async () => {
    await withServer(
      (_req, res) => {
        res.writeHead(503);
        res.end('down\n');
      },
      async (url) => {
        assert.deepEqual(await probeHealth({ url, pinnedCertificate: undefined, timeoutMs: 2000 }), { healthy: false, reason: `${url} answered HTTP 503` });
      }
    );
    let closedUrl = '';
    await withServer(
      () => undefined,
      async (url) => {
        closedUrl = url;
        const silent = await probeHealth({ url, pinnedCertificate: undefined, timeoutMs: 200 });
        assert.deepEqual(silent, { healthy: false, reason: `${url} did not answer within 200 ms` });
      }
    );
    const refused = await probeHealth({ url: closedUrl, pinnedCertificate: undefined, timeoutMs: 2000 });
    assert.equal(refused.healthy, false);
    assert.match(refused.healthy ? '' : refused.reason, /ECONNREFUSED/);
  });

  it('reads a long body no further than its bound', async () => {
    await withServer(
      (_req, res) => {
        res.write(Buffer.alloc(64 * 1024));
        // Never ends: the probe decides on the status once the bound is passed.
      },
      async (url) => {
        assert.deepEqual(await probeHealth({ url, pinnedCertificate: undefined, timeoutMs: 2000 }), { healthy: true, status: 200 });
      }
    );
  });

  it('refuses a pinned file without a certificate before connecting', async () => {
    assert.equal(firstCertificate('no certificate here'), undefined);
    assert.equal(firstCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), undefined);
    assert.deepEqual(await probeHealth({ url: 'https://127.0.0.1:1/healthz', pinnedCertificate: 'nothing', timeoutMs: 100 }), {
      healthy: false,
      reason: 'the pinned certificate file holds no PEM certificate',
    });
  });
});
