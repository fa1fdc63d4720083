/** Keys and certificates made with the openssl command, as an operator would. */
import { join } from 'node:path';

import { run } from './processes.js';

export interface KeyAndCertificate {
  readonly keyFile: string;
  readonly certFile: string;
}

/** A P-256 key (PKCS#8, unencrypted) and a self-signed certificate with CN `commonName`. */
export async function makeEcCertificate(dir: string, name: string, commonName: string, days = 365, digest = 'sha256', isCA = false): Promise<KeyAndCertificate> {
  const ecFile = join(dir, `${name}-ec.pem`);
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.crt`);
  await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', ecFile]);
  await run('openssl', ['pkcs8', '-topk8', '-nocrypt', '-in', ecFile, '-out', keyFile]);
  await run('openssl', [
    'req',
    '-new',
    '-x509',
    '-key',
    keyFile,
    '-out',
    certFile,
    '-days',
    String(days),
    '-subj',
    `/CN=${commonName.replace(/[/\\]/g, (c) => '\\' + c)}`,
    `-${digest}`,
    // A leaf, as notary's own root certificates are (tuf/utils/x509.go NewCertificate: IsCA false, codeSigning).
    ...(isCA
      ? ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']
      : ['-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'keyUsage=critical,digitalSignature', '-addext', 'extendedKeyUsage=codeSigning']),
  ]);
  return { keyFile, certFile };
}

/** A CA and a server certificate for 127.0.0.1 signed by it, for TLS tests. */
export async function makeServerCertificate(dir: string, name: string): Promise<{ caFile: string; certFile: string; keyFile: string }> {
  const ca = await makeEcCertificate(dir, `${name}-ca`, `${name} test CA`, 30, 'sha256', true);
  const keyFile = join(dir, `${name}-server.key`);
  const csrFile = join(dir, `${name}-server.csr`);
  const certFile = join(dir, `${name}-server.crt`);
  const extFile = join(dir, `${name}-server.ext`);
  const { writeFile } = await import('node:fs/promises');
  await writeFile(extFile, 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', keyFile]);
  await run('openssl', ['req', '-new', '-key', keyFile, '-out', csrFile, '-subj', '/CN=127.0.0.1']);
  await run('openssl', ['x509', '-req', '-in', csrFile, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-out', certFile, '-days', '30', '-extfile', extFile, '-sha256']);
  return { caFile: ca.certFile, certFile, keyFile };
}
