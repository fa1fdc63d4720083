/**
 * The one SHA-256 in hex: TUF role hashes as notary stores them, Docker
 * manifest digests (`sha256:<hex>`), key ids. Only node:crypto, so that the
 * pure core may use it too (docs/architecture.md §1, layer 2).
 */
import { createHash } from 'node:crypto';

/** Lower-case hex SHA-256 of the bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
