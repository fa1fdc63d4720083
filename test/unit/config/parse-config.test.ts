import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseConfig } from '../../../src/config/parse-config.js';
import { configInputs } from '../../support/config-inputs.js';

const FULL = `
nexus:
  url: https://nexus.example.com
  username: auditor
  password: \${NEXUS_PASSWORD}
  caFile: /etc/ca.crt
  repositories:
    - name: docker-hosted
      gunPrefix: nexus.example.com:18079
notary:
  url: https://notary.example.com:4443
database: /var/lib/trust-auditor/audit.db
schedule: "*/5 * * * *"
listen: 127.0.0.1:9999
expiryWarningDays: 14
`;

describe('parseConfig', () => {
  it('reads the contract example with ${ENV} expansion', () => {
    const result = parseConfig(FULL, configInputs({ NEXUS_PASSWORD: 'pa$$word' }));

    assert.ok(result.ok, JSON.stringify(!result.ok && result.error));
    const config = result.value;
    assert.equal(config.nexus?.password, 'pa$$word');
    assert.deepEqual(config.nexus?.repositories, [{ name: 'docker-hosted', gunPrefix: 'nexus.example.com:18079', signaturePolicy: undefined, require: ['dct'] }]);
    assert.equal(config.notary?.url.href, 'https://notary.example.com:4443/');
    assert.deepEqual(config.listen, { host: '127.0.0.1', port: 9999 });
    assert.equal(config.expiryWarningDays, 14);
    assert.equal(config.schedule, '*/5 * * * *');
  });

  it('applies defaults and takes the Notary URL from DOCKER_CONTENT_TRUST_SERVER', () => {
    const result = parseConfig('nexus:\n  url: http://nexus:8081\n', configInputs({ DOCKER_CONTENT_TRUST_SERVER: 'https://notary:4443' }));

    assert.ok(result.ok);
    assert.equal(result.value.notary?.url.href, 'https://notary:4443/');
    assert.equal(result.value.database, './trust-auditor.db');
    assert.deepEqual(result.value.listen, { host: '0.0.0.0', port: 9817 });
    assert.equal(result.value.nexus?.repositories, undefined);
  });

  it('reads passwordFile without its trailing newline', () => {
    const result = parseConfig('nexus:\n  url: http://n\n  passwordFile: /run/secrets/nexus\n', configInputs({}, { '/run/secrets/nexus': 'hunter2\n' }));

    assert.ok(result.ok);
    assert.equal(result.value.nexus?.password, 'hunter2');
  });

  it('reports every problem at once, each with its key', () => {
    const text = `
nexus:
  url: ftp://nexus
  pasword: x
  repositories:
    - name: a
    - name: a
      gunPrefix: "bad prefix"
notary:
  url: \${MISSING_VAR}
schedule: every minute
listen: nowhere
expiryWarningDays: -1
extra: 1
`;
    const result = parseConfig(text, configInputs());

    assert.equal(result.ok, false);
    const issues = result.ok ? [] : result.error;
    const keys = issues.map((issue) => issue.key).sort();
    assert.match(issues.find((issue) => issue.key === 'notary.url')?.message ?? '', /MISSING_VAR/);
    assert.deepEqual(keys, [
      'expiryWarningDays',
      'extra',
      'listen',
      'nexus.pasword',
      'nexus.repositories[0].gunPrefix',
      'nexus.repositories[1].gunPrefix',
      'nexus.repositories[1].name',
      'nexus.url',
      'notary.url',
      'schedule',
    ]);
  });

  it('names a top-level key without a leading dot (was ".database")', () => {
    const result = parseConfig('database: ""\nschedule: 5\n', configInputs());

    assert.ok(!result.ok);
    assert.deepEqual(
      result.error.map((issue) => `${issue.key}: ${issue.message}`),
      ['database: must be a non-empty string', 'schedule: must be a non-empty string']
    );
  });

  it('checks every number against its range with one message per key', () => {
    const result = parseConfig(
      'nexus:\n  url: http://n\n  registrySample: 100001\nexpiryWarningDays: 1.5\nweb:\n  minScanIntervalSeconds: -1\nrequestTimeoutSeconds: 0.01\n',
      configInputs()
    );

    assert.ok(!result.ok);
    assert.deepEqual(Object.fromEntries(result.error.map((issue) => [issue.key, issue.message])), {
      'nexus.registrySample': 'must be a whole number of tags from 0 to 100000',
      expiryWarningDays: 'must be a whole number of days from 0 to 3650',
      'web.minScanIntervalSeconds': 'must be a whole number of seconds from 0 to 86400',
      requestTimeoutSeconds: 'must be a number of seconds from 0.1 to 600',
    });
    const edges = parseConfig('requestTimeoutSeconds: 0.1\nexpiryWarningDays: 3650\nweb:\n  minScanIntervalSeconds: 0\n', configInputs());
    assert.ok(edges.ok);
    assert.equal(edges.value.requestTimeoutSeconds, 0.1);
  });

  it('lists the known keys of a section in the order the file documents them', () => {
    const result = parseConfig('web:\n  user: a\n', configInputs());

    assert.ok(!result.ok);
    assert.deepEqual(result.error, [
      { key: 'web.user', message: 'is not a known key (known here: username, password, passwordFile, tlsCertFile, tlsKeyFile, hosts, minScanIntervalSeconds, runbookUrl, externalUrl)' },
    ]);
  });

  it('names the unreadable passwordFile without printing any secret', () => {
    const result = parseConfig('nexus:\n  url: http://n\n  passwordFile: /nope\n', configInputs());

    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : (result.error[0]?.message ?? ''), /cannot be read: ENOENT/);
  });

  it('does not let a variable change the structure of the document', () => {
    const result = parseConfig('nexus:\n  url: http://n\n  password: ${P}\n', configInputs({ P: 'x\nschedule: bogus' }));

    assert.ok(result.ok);
    assert.equal(result.value.nexus?.password, 'x\nschedule: bogus');
  });

  it('rejects YAML that is not a mapping, and duplicate keys', () => {
    assert.equal(parseConfig('- a\n- b\n', configInputs()).ok, false);
    assert.equal(parseConfig('database: a\ndatabase: b\n', configInputs()).ok, false);
  });

  it('shows where YAML is broken: position, the line and a caret under the column', () => {
    const result = parseConfig('nexus:\n  url: http://nexus:8081\n  username: auditor: x\n', configInputs());

    assert.ok(!result.ok);
    assert.equal(result.error.length, 1);
    const [issue] = result.error;
    assert.equal(issue?.key, '(file)');
    const lines = issue?.message.split('\n') ?? [];
    assert.equal(lines[0], 'not valid YAML at line 3, column 13: Nested mappings are not allowed in compact mappings');
    assert.doesNotMatch(lines[0] ?? '', /:$/, 'the position is followed by what is wrong');
    const frame = lines.slice(1).join('\n');
    assert.match(frame, /^ +3 \| {3}username: auditor: x$/m);
    const column = Number(/column (\d+)/.exec(lines[0] ?? '')?.[1]);
    const caret = lines.find((line) => /^ +\| +\^$/.test(line)) ?? '';
    assert.equal(caret.indexOf('^') - caret.indexOf('|') - 2, column - 1, 'the caret sits under the column');
  });

  it('starts the frame at the line before when the error is at column 1 (an unclosed bracket)', () => {
    const result = parseConfig('nexus:\n  url: [x\nschedule: "0 * * * *"\n', configInputs());

    assert.ok(!result.ok);
    const message = result.error[0]?.message ?? '';
    assert.match(message, /^not valid YAML at line 3, column 1: Flow sequence/);
    assert.match(message, /\n +2 \|   url: \[x\n +3 \| schedule: "0 \* \* \* \*"\n +\| \^$/);
  });

  it('shows a tab in the frame as a visible character with the caret under it', () => {
    const result = parseConfig('nexus:\n\turl: http://nexus:8081\n', configInputs());

    assert.ok(!result.ok);
    assert.match(result.error[0]?.message ?? '', /^not valid YAML at line 2, column 1: Tabs are not allowed as indentation\n +1 \| nexus:\n +2 \| →url: http:\/\/nexus:8081\n +\| \^$/);
  });

  it('says to quote a cron expression written unquoted (YAML reads * as an alias)', () => {
    for (const [text, cron] of [
      ['nexus:\n  url: http://nexus:8081\nschedule: */15 * * * *\n', '*/15 * * * *'],
      ['schedule: * * * * *   # every minute\n', '* * * * *'],
      ['schedule: */15\n', '*/15'],
    ] as const) {
      const result = parseConfig(text, configInputs());

      assert.ok(!result.ok, text);
      assert.equal(result.error.length, 1, text);
      const message = result.error[0]?.message ?? '';
      assert.match(message, /^not valid YAML at line \d+, column \d+: /, text);
      assert.match(message, /\| schedule: \*/, text);
      assert.ok(message.endsWith(`quote the cron expression: schedule: "${cron}"`), message);
    }
    const ok = parseConfig('schedule: "*/15 * * * *"\n', configInputs());
    assert.ok(ok.ok);
  });

  it('never shows an inline password in the frame of a YAML error', () => {
    const result = parseConfig('nexus:\n  url: http://nexus:8081\n  password: hunter2: x\n', configInputs());

    assert.ok(!result.ok);
    const message = result.error[0]?.message ?? '';
    assert.match(message, /line 3/);
    assert.match(message, /\| {3}password: \(value hidden\)/);
    assert.doesNotMatch(message, /hunter2/);
  });

  it('quotes a value as the file wrote it, never the secret a variable expanded to', () => {
    const result = parseConfig('notary:\n  url: "${NOTARY_PW}"\nschedule: "${CRON}"\n', configInputs({ NOTARY_PW: 'NOTARY-PW-456', CRON: 'SECRET-CRON-789' }));

    assert.ok(!result.ok);
    const messages = result.error.map((issue) => `${issue.key}: ${issue.message}`).join('\n');
    assert.doesNotMatch(messages, /NOTARY-PW-456|SECRET-CRON-789/);
    assert.match(messages, /notary\.url: "\$\{NOTARY_PW\}" is not a URL/);
    assert.match(messages, /schedule: "\$\{CRON\}" is not a valid cron expression/);
  });

  it('reads notary.tokenRealmHosts as a list of hosts, and refuses anything else', () => {
    const good = parseConfig('notary:\n  url: https://notary.example.com\n  tokenRealmHosts: [auth.example.com, "auth2.example.com:8443"]\n', configInputs());
    const bad = parseConfig('notary:\n  url: https://notary.example.com\n  tokenRealmHosts: ["https://auth.example.com/token"]\n', configInputs());

    assert.ok(good.ok);
    assert.deepEqual(good.value.notary?.tokenRealmHosts, ['auth.example.com', 'auth2.example.com:8443']);
    assert.ok(!bad.ok);
    assert.deepEqual(
      bad.error.map((issue) => issue.key),
      ['notary.tokenRealmHosts']
    );
  });
});
