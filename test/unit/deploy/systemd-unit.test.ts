/**
 * deploy/systemd: the unit passes `systemd-analyze verify` (the real one: the
 * test fails when it is missing; scripts/install-debian-packages.sh installs
 * it), its user is made by its sysusers file, and it keeps the promises the
 * README and the runbooks make about it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

import { SHUTDOWN_GRACE_MS } from '../../../src/cli/commands/serve.js';
import { makeTempDir } from '../../support/temp.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const UNIT_FILE = `${ROOT}deploy/systemd/trust-auditor.service`;
const SYSUSERS_FILE = `${ROOT}deploy/systemd/trust-auditor.sysusers`;
const unitText = readFileSync(UNIT_FILE, 'utf8');

/** The settings of one section, in order (a key may repeat). */
function settings(section: string): [string, string][] {
  const found: [string, string][] = [];
  let current = '';
  for (const line of unitText.split('\n')) {
    const header = /^\[(.+)\]$/.exec(line.trim());
    if (header !== null) {
      current = header[1] as string;
    } else if (current === section && /^[A-Za-z]+=/.test(line)) {
      const at = line.indexOf('=');
      found.push([line.slice(0, at), line.slice(at + 1)]);
    }
  }
  return found;
}

const service = new Map(settings('Service'));

function runStatus(command: string, args: readonly string[]): Promise<{ code: number | string; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, [...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : ((error as NodeJS.ErrnoException).code ?? 1), stdout, stderr });
    });
  });
}

describe('deploy/systemd/trust-auditor.service', () => {
  let dir: { path: string; remove(): Promise<void> };

  before(async () => {
    dir = await makeTempDir('systemd-unit');
  });

  after(async () => {
    await dir?.remove();
  });

  it('passes systemd-analyze verify without a warning', async () => {
    // verify checks that ExecStart's program exists: the copy names this
    // test's own node instead of /usr/bin/node, and nothing else changes.
    const unit = join(dir.path, 'trust-auditor.service');
    const execStart = service.get('ExecStart') ?? '';
    assert.match(execStart, /^\/usr\/bin\/node /);
    await writeFile(unit, unitText.replace(`ExecStart=/usr/bin/node `, `ExecStart=${process.execPath} `));
    const result = await runStatus('systemd-analyze', ['verify', '--man=no', unit]);
    assert.equal(result.code, 0, `systemd-analyze verify: ${String(result.code)}\n${result.stderr}`);
    assert.equal(result.stderr.trim(), '', 'systemd-analyze prints no warning (an unknown key or a bad value is only a warning)');
  });

  it('verify would catch a mistake in it', async () => {
    const unit = join(dir.path, 'broken.service');
    await writeFile(unit, unitText.replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `).replace('Restart=on-failure', 'Restart=sometimes'));
    const result = await runStatus('systemd-analyze', ['verify', '--man=no', unit]);
    assert.match(result.stderr, /restart specifier/);
  });

  it('runs as the user its sysusers file makes', async () => {
    assert.equal(service.get('User'), 'trust-auditor');
    assert.equal(service.get('Group'), 'trust-auditor');
    const root = join(dir.path, 'root');
    await mkdir(join(root, 'etc'), { recursive: true });
    const result = await runStatus('systemd-sysusers', [`--root=${root}`, SYSUSERS_FILE]);
    assert.equal(result.code, 0, result.stderr);
    const passwd = readFileSync(join(root, 'etc/passwd'), 'utf8');
    assert.match(passwd, /^trust-auditor:x:\d+:\d+:[^:]*:\/var\/lib\/trust-auditor:/m);
    assert.match(readFileSync(join(root, 'etc/group'), 'utf8'), /^trust-auditor:x:\d+:/m);
  });

  it('starts serve with node directly, from the layout a build has', () => {
    const execStart = service.get('ExecStart') ?? '';
    const match = /^\/usr\/bin\/node \/opt\/trust-auditor\/(\S+) serve --config \/etc\/trust-auditor\/config\.yaml$/.exec(execStart);
    assert.ok(match !== null, execStart);
    assert.ok(existsSync(`${ROOT}${match[1]}`), `${match[1]} is what npm run build makes`);
    assert.equal(service.get('Type'), 'exec');
  });

  it('keeps its state in StateDirectory, restarts on failure and waits longer than the daemon’s shutdown', () => {
    assert.equal(service.get('StateDirectory'), 'trust-auditor');
    assert.equal(service.get('WorkingDirectory'), '/var/lib/trust-auditor');
    assert.equal(service.get('Restart'), 'on-failure');
    const stop = /^(\d+)s$/.exec(service.get('TimeoutStopSec') ?? '');
    assert.ok(stop !== null && Number(stop[1]) * 1000 > SHUTDOWN_GRACE_MS + 2000, 'above the 10 s the daemon may take');
    assert.match(service.get('LoadCredential') ?? '', /^secret:\/etc\/trust-auditor\/credentials$/);
  });

  it('is hardened, but leaves V8 its executable memory', () => {
    const expected: Record<string, string> = {
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      PrivateDevices: 'yes',
      ProtectKernelTunables: 'yes',
      ProtectKernelModules: 'yes',
      ProtectKernelLogs: 'yes',
      ProtectControlGroups: 'yes',
      RestrictAddressFamilies: 'AF_INET AF_INET6 AF_UNIX',
      SystemCallFilter: '@system-service',
      CapabilityBoundingSet: '',
    };
    for (const [key, value] of Object.entries(expected)) {
      assert.equal(service.get(key), value, key);
    }
    assert.equal(service.has('MemoryDenyWriteExecute'), false, 'V8’s JIT needs memory that is written, then executed');
    assert.match(unitText, /# MemoryDenyWriteExecute= stays off: V8's JIT/);
  });

  it('is the unit the runbooks name, and the runbooks use commands that exist under it and in the image', () => {
    const runbooks = readFileSync(`${ROOT}docs/runbooks.md`, 'utf8');
    for (const match of runbooks.matchAll(/systemctl (?:restart|status) ([\w@.-]+)|journalctl -u ([\w@.-]+)/g)) {
      assert.equal(match[1] ?? match[2], 'trust-auditor', match[0]);
    }
    const commands = [...runbooks.matchAll(/```sh\n([\s\S]*?)```/g)].map((block) => block[1] as string).join('');
    assert.match(commands, /trust-auditor inspect/);
    assert.doesNotMatch(commands, /npx trust-auditor/, 'npx needs a checkout with npm; the image and the unit have `trust-auditor`');
    for (const line of runbooks.split('\n').filter((text) => /\bsqlite3\b/.test(text) && !/^\s*#/.test(text))) {
      assert.doesNotMatch(line, /sqlite3 \/var\/lib\/trust-auditor\/audit\.db/, `a path that neither the unit nor the image uses: ${line}`);
    }
  });
});
