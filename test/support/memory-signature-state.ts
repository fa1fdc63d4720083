/** The signature checker's state port in memory, for tests that need no database. */
import type { SignatureStatePort, StoredSignatureEvidence } from '../../src/scan/signature-checker.js';

export class MemorySignatureState implements SignatureStatePort {
  /** Keyed `repository/image@digest`, open for tests to read and rewrite. */
  readonly rows = new Map<string, StoredSignatureEvidence>();

  signatureEvidence(repository: string, image: string, digest: string): StoredSignatureEvidence | undefined {
    return this.rows.get(`${repository}/${image}@${digest}`);
  }

  saveSignatureEvidence(repository: string, image: string, digest: string, evidence: StoredSignatureEvidence): void {
    this.rows.set(`${repository}/${image}@${digest}`, evidence);
  }
}
