/** HTTP Basic credentials and the header that carries them (RFC 7617). */

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/**
 * `Basic base64(username:password)`, the user-id and password in UTF-8
 * (RFC 7617 §2.1 charset="UTF-8", what Nexus, distribution and notary decode).
 */
export function basicAuthorization(credentials: Credentials): string {
  return 'Basic ' + Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64');
}
