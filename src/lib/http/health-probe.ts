/**
 * One GET of a liveness endpoint (`trust-auditor healthcheck`), bounded in
 * time and size, with an optional pinned server certificate. It never throws:
 * every way the probe can fail is a reason.
 */
import { X509Certificate } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';

export type HealthProbeResult = { readonly healthy: true; readonly status: number } | { readonly healthy: false; readonly reason: string };

export interface HealthProbeRequest {
  readonly url: string;
  /** PEM text whose first certificate the server must present (https only). */
  readonly pinnedCertificate: string | undefined;
  readonly timeoutMs: number;
}

/** /healthz answers `ok\n`; anything longer is read no further. */
const MAX_BODY_BYTES = 4096;

/** The DER of the first certificate of a PEM text, or undefined when there is none. */
export function firstCertificate(pem: string): Buffer | undefined {
  const block = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(pem);
  if (block === null) {
    return undefined;
  }
  try {
    return new X509Certificate(block[0]).raw;
  } catch {
    return undefined;
  }
}

export function probeHealth(probe: HealthProbeRequest): Promise<HealthProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: HealthProbeResult): void => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        req.destroy();
        resolve(result);
      }
    };
    const url = new URL(probe.url);
    const pinned = probe.pinnedCertificate === undefined ? undefined : firstCertificate(probe.pinnedCertificate);
    if (probe.pinnedCertificate !== undefined && pinned === undefined) {
      resolve({ healthy: false, reason: 'the pinned certificate file holds no PEM certificate' });
      return;
    }
    const onResponse = (res: IncomingMessage): void => {
      if (pinned !== undefined) {
        // The chain and the name are not checked (rejectUnauthorized is off):
        // the exact certificate is, and TLS has the server prove it holds its
        // key, so nothing else can pass for the daemon.
        const presented = (res.socket as TLSSocket).getPeerCertificate().raw as Buffer | undefined;
        if (presented === undefined || !presented.equals(pinned)) {
          finish({ healthy: false, reason: `${probe.url} presented another certificate than web.tlsCertFile (a new certificate on disk is served after a restart)` });
          return;
        }
      }
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > MAX_BODY_BYTES) {
          finish(res.statusCode === 200 ? { healthy: true, status: 200 } : { healthy: false, reason: `${probe.url} answered HTTP ${res.statusCode ?? 0}` });
        }
      });
      res.on('end', () => {
        finish(res.statusCode === 200 ? { healthy: true, status: 200 } : { healthy: false, reason: `${probe.url} answered HTTP ${res.statusCode ?? 0}` });
      });
      res.on('error', (error) => finish({ healthy: false, reason: `${probe.url}: ${error.message}` }));
    };
    const options = { method: 'GET', headers: { accept: 'text/plain' }, agent: false } as const;
    const req = url.protocol === 'https:' ? httpsRequest(url, { ...options, rejectUnauthorized: false }, onResponse) : httpRequest(url, options, onResponse);
    const timer = setTimeout(() => finish({ healthy: false, reason: `${probe.url} did not answer within ${probe.timeoutMs} ms` }), probe.timeoutMs);
    req.on('error', (error) => finish({ healthy: false, reason: `${probe.url}: ${error.message}` }));
    req.end();
  });
}
