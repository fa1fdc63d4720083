/**
 * Users, authentication and repository permissions of the fake Nexus (docs/nexus-and-registry.md
 * §1.1, §1.2, §1.3, §2.4): who a request comes from (Basic credentials, a DockerToken, or nobody)
 * and what that principal may browse or administer.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

import type { RepositoryRecord } from './model.js';
import type { FakeNexusOptions, FakeNexusUser } from './types.js';

/** §1.1, §2.4: the challenge with forceBasicAuth and on the REST API. */
export const BASIC_CHALLENGE = 'BASIC realm="Sonatype Nexus Repository Manager"';

export type Principal =
  | { readonly kind: 'anonymous'; readonly viaToken: boolean }
  | { readonly kind: 'user'; readonly name: string; readonly admin: boolean; readonly repositories: readonly string[] | undefined }
  | { readonly kind: 'invalid' };

const NO_CREDENTIALS: Principal = { kind: 'anonymous', viaToken: false };

function userPrincipal(name: string, user: FakeNexusUser): Principal {
  return { kind: 'user', name, admin: user.admin === true, repositories: user.repositories };
}

function basicCredentials(header: string): { name: string; password: string } | undefined {
  const encoded = /^Basic\s+(\S+)\s*$/i.exec(header)?.[1];
  if (encoded === undefined) {
    return undefined;
  }
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { name: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export class Security {
  readonly #options: FakeNexusOptions;
  /** DockerToken.<uuid> -> who it was issued to (§2.4: opaque, no expiry). */
  readonly #tokens = new Map<string, Principal>();

  constructor(options: FakeNexusOptions) {
    this.#options = options;
  }

  /** Anonymous access is on when no users are configured, or explicitly with users. */
  get anonymousAllowed(): boolean {
    return this.#options.users === undefined || this.#options.anonymous === true;
  }

  principalOf(req: IncomingMessage): Principal {
    const header = req.headers.authorization;
    if (header === undefined) {
      return NO_CREDENTIALS;
    }
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    if (bearer !== undefined) {
      return this.#tokens.get(bearer) ?? { kind: 'invalid' };
    }
    return this.checkBasic(header) ?? { kind: 'invalid' };
  }

  checkBasic(header: string): Principal | undefined {
    const credentials = basicCredentials(header);
    const user = credentials === undefined ? undefined : this.#options.users?.[credentials.name];
    return credentials !== undefined && user !== undefined && user.password === credentials.password ? userPrincipal(credentials.name, user) : undefined;
  }

  issueToken(principal: Principal): string {
    const token = `DockerToken.${randomUUID()}`;
    this.#tokens.set(token, principal);
    return token;
  }

  /** Browse/read privilege (nx-repository-view-*); the anonymous role may browse everything. */
  canBrowse(principal: Principal, repo: RepositoryRecord): boolean {
    switch (principal.kind) {
      case 'anonymous':
        return this.anonymousAllowed || principal.viaToken;
      case 'user':
        return principal.admin || principal.repositories === undefined || principal.repositories.includes(repo.name);
      case 'invalid':
        return false;
    }
  }

  isAdmin(principal: Principal): boolean {
    return principal.kind === 'user' && principal.admin;
  }
}
