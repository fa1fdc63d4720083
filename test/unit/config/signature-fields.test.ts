/** The `signatures` section of contract v1.2 and the repositories' signaturePolicy and require. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseConfig, type ConfigIssue } from '../../../src/config/parse-config.js';

const inputs = { env: {}, readSecretFile: (): string => '' };

/** The contract's v1.2 example, with `extra` appended to the repository and `policies` replacing the policy. */
function config(options: { repository?: string; policies?: string } = {}): string {
  return `
signatures:
  policies:
${
  options.policies ??
  `    release:
      cosign:
        keys: [/etc/trust-auditor/cosign.pub]
        identities:
          - {issuer: https://token.actions.githubusercontent.com, subject: "https://github.com/org/app/.github/workflows/release.yml@refs/heads/main"}
        trustedRoot: /etc/trust-auditor/trusted_root.json
        requireTlog: false
      notation:
        trustPolicy: /etc/notation/trustpolicy.json
        trustStore: /etc/notation/trust-store`
}
nexus:
  url: https://nexus.example.com
  repositories:
    - name: docker-hosted
      gunPrefix: nexus.example.com:18079
${options.repository ?? '      signaturePolicy: release\n      require: [dct]'}
notary:
  url: https://notary.example.com
`;
}

function issues(text: string): ConfigIssue[] {
  const result = parseConfig(text, inputs);
  assert.ok(!result.ok, 'the configuration should be refused');
  return result.error;
}

function issueAt(text: string, key: string): string {
  const found = issues(text).find((issue) => issue.key === key);
  return found?.message ?? assert.fail(`no issue at ${key}: ${JSON.stringify(issues(text))}`);
}

describe('signatures (contract v1.2)', () => {
  it('reads the contract example', () => {
    const result = parseConfig(config(), inputs);
    assert.ok(result.ok, JSON.stringify(!result.ok && result.error));
    const { signatures, nexus } = result.value;
    assert.deepEqual(signatures?.policies[0]?.cosign, {
      keys: ['/etc/trust-auditor/cosign.pub'],
      identities: [{ issuer: 'https://token.actions.githubusercontent.com', subject: 'https://github.com/org/app/.github/workflows/release.yml@refs/heads/main', subjectRegExp: undefined }],
      trustedRoot: '/etc/trust-auditor/trusted_root.json',
      requireTlog: false,
    });
    assert.deepEqual(signatures?.policies[0]?.notation, { trustPolicy: '/etc/notation/trustpolicy.json', trustStore: '/etc/notation/trust-store' });
    assert.deepEqual(nexus?.repositories?.[0], { name: 'docker-hosted', gunPrefix: 'nexus.example.com:18079', signaturePolicy: 'release', require: ['dct'] });
  });

  it('leaves signatures out when absent, and require defaults to [dct]', () => {
    const result = parseConfig(config({ repository: '', policies: '    release:\n      cosign:\n        keys: [/k.pub]' }).replace(/signatures:[\s\S]*?nexus:/, 'nexus:'), inputs);
    assert.ok(result.ok, JSON.stringify(!result.ok && result.error));
    assert.equal(result.value.signatures, undefined);
    assert.deepEqual(result.value.nexus?.repositories?.[0]?.require, ['dct']);
  });

  it('refuses a policy named outside the metric-label grammar', () => {
    assert.match(issueAt(config({ policies: '    Release Policy:\n      cosign:\n        keys: [/k.pub]' }), 'signatures.policies.Release Policy'), /metric label/);
  });

  it('refuses unknown keys at every level', () => {
    assert.match(issueAt(config({ policies: '    release:\n      cosign:\n        keys: [/k.pub]\n        key: /k.pub' }), 'signatures.policies.release.cosign.key'), /not a known key/);
    assert.match(issueAt(config({ policies: '    release:\n      sigstore:\n        keys: [/k.pub]' }), 'signatures.policies.release.sigstore'), /not a known key/);
    assert.match(
      issueAt(
        config({ policies: '    release:\n      cosign:\n        identities: [{issuer: i, subject: s, email: e}]\n        trustedRoot: /r.json' }),
        'signatures.policies.release.cosign.identities[0].email'
      ),
      /not a known key/
    );
  });

  it('asks for who may sign, and for the trusted root of keyless identities', () => {
    assert.match(issueAt(config({ policies: '    release:\n      cosign:\n        requireTlog: true' }), 'signatures.policies.release.cosign'), /keys or identities/);
    assert.match(
      issueAt(config({ policies: '    release:\n      cosign:\n        identities: [{issuer: i, subject: s}]' }), 'signatures.policies.release.cosign.trustedRoot'),
      /trusted root/
    );
  });

  it('needs exactly one of subject and subjectRegExp, and a regular expression that compiles', () => {
    const both = '    release:\n      cosign:\n        identities: [{issuer: i, subject: s, subjectRegExp: "s.*"}]\n        trustedRoot: /r.json';
    assert.match(issueAt(config({ policies: both }), 'signatures.policies.release.cosign.identities[0]'), /exactly one of subject/);
    const broken = '    release:\n      cosign:\n        identities: [{issuer: i, subjectRegExp: "(unclosed"}]\n        trustedRoot: /r.json';
    assert.match(issueAt(config({ policies: broken }), 'signatures.policies.release.cosign.identities[0].subjectRegExp'), /not a valid regular expression/);
  });

  it('needs both of notation’s files', () => {
    assert.match(issueAt(config({ policies: '    release:\n      notation:\n        trustPolicy: /p.json' }), 'signatures.policies.release.notation.trustStore'), /trust store directory/);
  });

  it('refuses a signaturePolicy that names no policy', () => {
    assert.match(issueAt(config({ repository: '      signaturePolicy: nightly' }), 'nexus.repositories[0].signaturePolicy'), /names no policy .*known: release/);
  });

  it('refuses a require list with unknown, repeated or unconfigured systems', () => {
    assert.match(
      issueAt(config({ repository: '      signaturePolicy: release\n      require: [dct, sigstore]' }), 'nexus.repositories[0].require'),
      /distinct systems out of dct, cosign, notation/
    );
    assert.match(issueAt(config({ repository: '      signaturePolicy: release\n      require: [dct, dct]' }), 'nexus.repositories[0].require'), /distinct/);
    assert.match(issueAt(config({ repository: '      require: [cosign]' }), 'nexus.repositories[0].require'), /requires cosign, but the repository has no signaturePolicy/);
    const cosignOnly = '    release:\n      cosign:\n        keys: [/k.pub]';
    assert.match(issueAt(config({ policies: cosignOnly, repository: '      signaturePolicy: release\n      require: [notation]' }), 'nexus.repositories[0].require'), /requires notation/);
  });
});
