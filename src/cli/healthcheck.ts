/**
 * `trust-auditor healthcheck`: where the daemon a configuration describes can
 * be asked `/healthz` from the same machine (or container). Pure.
 */
import { isIPv4, isIPv6 } from 'node:net';

import type { ListenAddress, WebConfig } from '../config/config.js';

/** The probe answers within this time or counts as unhealthy: below Docker's `HEALTHCHECK --timeout=5s`, so the reason is printed before Docker kills it. */
export const HEALTHCHECK_TIMEOUT_MS = 3_000;

export interface HealthcheckTarget {
  /** `http(s)://<loopback or the listen address>:<port>/healthz`. */
  readonly url: string;
  /**
   * With `web.tlsCertFile`: the file whose first certificate the daemon must
   * present. It is pinned instead of checked against a CA and a host name: the
   * certificate names the daemon's public name, not the loopback address the
   * probe connects to, and only the holder of `web.tlsKeyFile` can complete a
   * handshake with it.
   */
  readonly pinnedCertFile: string | undefined;
}

/**
 * The address to connect to for a listen address: a wildcard address
 * accepts connections on the IPv4 loopback, which never leaves the machine —
 * `0.0.0.0`, and `::` too, as Node listens there dual-stack; and 127.0.0.1
 * answers where ::1 may not (a container whose IPv6 is switched off keeps its
 * `::` socket but has no ::1). A specific address or name is used as it is
 * (the daemon accepts nothing elsewhere).
 */
export function probeHost(listenHost: string): string {
  if (listenHost === '' || (isIPv4(listenHost) && listenHost.split('.').every((part) => Number(part) === 0))) {
    return '127.0.0.1';
  }
  if (isIPv6(listenHost) && /^[0:]+$/.test(listenHost)) {
    return '127.0.0.1';
  }
  return listenHost;
}

/**
 * The probe for a configuration. No credentials are sent: the daemon exempts
 * /healthz from `web.username` (and from the Host check), as kubelets and
 * Docker probe without them (src/server/http-server.ts).
 */
export function healthcheckTarget(config: { readonly listen: ListenAddress; readonly web: Pick<WebConfig, 'tlsCertFile'> }): HealthcheckTarget {
  const host = probeHost(config.listen.host);
  const authority = isIPv6(host) ? `[${host}]:${config.listen.port}` : `${host}:${config.listen.port}`;
  const scheme = config.web.tlsCertFile === undefined ? 'http' : 'https';
  return { url: `${scheme}://${authority}/healthz`, pinnedCertFile: config.web.tlsCertFile };
}
