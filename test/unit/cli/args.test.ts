import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseCommandLine } from '../../../src/cli/args.js';
import { UsageError } from '../../../src/lib/errors.js';

describe('parseCommandLine', () => {
  it('parses the contract forms', () => {
    assert.deepEqual(parseCommandLine(['scan', '--config', 'c.yaml', '--json', '--at', '2027-01-01T00:00:00Z']), {
      name: 'scan',
      configFile: 'c.yaml',
      json: true,
      at: new Date('2027-01-01T00:00:00Z'),
    });
    assert.deepEqual(parseCommandLine(['inspect', 'host:5000/app', '--notary', 'https://n']), {
      name: 'inspect',
      gun: 'host:5000/app',
      notaryUrl: 'https://n',
      configFile: undefined,
      json: false,
      at: undefined,
    });
    assert.deepEqual(parseCommandLine(['serve', '--config', 'c.yaml']), { name: 'serve', configFile: 'c.yaml' });
    assert.equal(parseCommandLine(['--help']).name, 'help');
    assert.equal(parseCommandLine([]).name, 'help');
  });

  it('refuses what the contract does not allow', () => {
    for (const argv of [
      ['scan'],
      ['scan', '--config', 'c', '--notary', 'x'],
      ['serve', '--config', 'c', '--json'],
      ['inspect', 'a/b', '--notary', 'x', '--config', 'y'],
      ['inspect', 'a/b', 'c/d'],
      ['inspect', 'a/b', '--at', 'soon'],
      ['scan', '--config'],
      ['nope'],
    ]) {
      assert.throws(() => parseCommandLine(argv), UsageError, argv.join(' '));
    }
  });

  it('says what is wrong with the command line in its own words, naming the command and --help', () => {
    const message = (argv: string[]): string => {
      try {
        parseCommandLine(argv);
      } catch (error) {
        assert.ok(error instanceof UsageError, argv.join(' '));
        return error.message;
      }
      assert.fail(`${argv.join(' ')} was accepted`);
    };

    assert.equal(message(['scan', '--config', 'c.yaml', '--foo']), 'unknown option --foo for scan; see trust-auditor --help');
    assert.equal(message(['--foo', 'serve', '--config', 'c.yaml']), 'unknown option --foo for serve; see trust-auditor --help');
    assert.equal(message(['--foo']), 'unknown option --foo; see trust-auditor --help');
    assert.equal(message(['inspect', 'a/b', '-x']), 'unknown option -x for inspect; see trust-auditor --help');
    assert.equal(message(['scan', '--confg', 'c.yaml']), 'unknown option --confg for scan (did you mean --config?); see trust-auditor --help');
    assert.equal(message(['scan', '--config']), '--config needs a value for scan: --config FILE; see trust-auditor --help');
    assert.equal(message(['inspect', 'a/b', '--at']), '--at needs a value for inspect: --at ISO8601; see trust-auditor --help');
    assert.equal(
      message(['scan', '--config', '--json']),
      '--config needs a value for scan: --config FILE (--json is an option; write --config=--json if it is the value); see trust-auditor --help'
    );
    assert.equal(message(['scan', '--config', 'c', '--json=yes']), '--json takes no value for scan (got --json=yes); see trust-auditor --help');
    assert.equal(message(['scan', '--config', 'c.yaml', 'extra']), 'unexpected argument "extra" for scan (it takes only options); see trust-auditor --help');
    assert.equal(message(['serve', 'c.yaml']), 'unexpected argument "c.yaml" for serve (it takes only options); see trust-auditor --help');
    assert.equal(message(['inspect', 'a/b', 'c/d']), 'inspect takes exactly one GUN (got "a/b", "c/d"), e.g. trust-auditor inspect nexus.example.com:18079/app; see trust-auditor --help');
    assert.equal(message(['nope']), 'unknown command "nope" (commands: scan, inspect, serve, healthcheck, config check); see trust-auditor --help');
    for (const argv of [
      ['scan', '--foo'],
      ['scan', '--config'],
      ['scan', '--json=1'],
    ]) {
      assert.doesNotMatch(message(argv), /Unknown option|positional argument|argument missing|does not take an argument/, argv.join(' '));
    }
  });
});

describe('inspect --cosign|--notation', () => {
  const DIGEST = `sha256:${'a'.repeat(64)}`;
  const message = (argv: string[]): string => {
    try {
      parseCommandLine(argv);
    } catch (error) {
      assert.ok(error instanceof UsageError, argv.join(' '));
      return error.message;
    }
    assert.fail(`${argv.join(' ')} was accepted`);
  };

  it('parses a tag or a digest reference, the system, --config, --json and --at', () => {
    assert.deepEqual(parseCommandLine(['inspect', 'nexus.example.com:18079/app:1.0', '--cosign', '--config', 'c.yaml']), {
      name: 'inspect-signatures',
      system: 'cosign',
      reference: { text: 'nexus.example.com:18079/app:1.0', name: 'nexus.example.com:18079/app', tag: '1.0', digest: undefined },
      configFile: 'c.yaml',
      json: false,
      at: undefined,
    });
    assert.deepEqual(parseCommandLine(['inspect', `host/team/app@${DIGEST}`, '--notation', '--config', 'c.yaml', '--json', '--at', '2027-01-01']), {
      name: 'inspect-signatures',
      system: 'notation',
      reference: { text: `host/team/app@${DIGEST}`, name: 'host/team/app', tag: undefined, digest: DIGEST },
      configFile: 'c.yaml',
      json: true,
      at: new Date('2027-01-01T00:00:00Z'),
    });
  });

  it('refuses --cosign with --notation, either without --config or with --notary', () => {
    assert.equal(message(['inspect', 'h/app:1', '--cosign', '--notation', '--config', 'c']), 'inspect takes --cosign or --notation, not both; see trust-auditor --help');
    assert.equal(message(['inspect', 'h/app:1', '--cosign']), 'inspect --cosign needs --config FILE (the repository, its signature policy and Nexus come from it); see trust-auditor --help');
    assert.equal(
      message(['inspect', 'h/app:1', '--notation', '--notary', 'https://n', '--config', 'c']),
      'inspect --notation does not take --notary (the signatures are read from Nexus); see trust-auditor --help'
    );
    assert.match(message(['inspect', '--cosign', '--config', 'c']), /^inspect --cosign takes exactly one image reference \(got none\)/);
    assert.match(message(['inspect', 'h/a:1', 'h/b:1', '--cosign', '--config', 'c']), /^inspect --cosign takes exactly one image reference \(got "h\/a:1", "h\/b:1"\)/);
    assert.equal(message(['scan', '--config', 'c', '--cosign']), 'scan does not take --cosign; see trust-auditor --help');
    assert.equal(message(['serve', '--config', 'c', '--notation']), 'serve does not take --notation; see trust-auditor --help');
    assert.equal(message(['inspect', 'h/app:1', '--cosign=yes', '--config', 'c']), '--cosign takes no value for inspect (got --cosign=yes); see trust-auditor --help');
  });

  it('refuses a reference that is not <gunPrefix>/<image>:<tag> or <gunPrefix>/<image>@sha256:<hex>', () => {
    for (const reference of [
      'app:1.0', // no prefix: a GUN has a host and a path
      'nexus.example.com:18079/app', // no tag (the port is no tag)
      'nexus.example.com/app', // no tag
      'nexus.example.com/app:', // empty tag
      'nexus.example.com/app:-x', // a tag starts with a word character
      `nexus.example.com/app:1.0@${DIGEST}`, // a tag and a digest
      'nexus.example.com/app@sha256:abc', // a short digest
      `nexus.example.com/app@sha512:${'a'.repeat(128)}`, // not sha256
      `nexus.example.com/app@${DIGEST.toUpperCase()}`, // digests are lower-case hex
      'nexus.example.com/../app:1', // a path that climbs
      'nexus.example.com/App:1', // upper case in the path
      'nexus.example.com/app:1\u001b[2J', // a control character
    ]) {
      assert.equal(
        message(['inspect', reference, '--cosign', '--config', 'c']),
        `${JSON.stringify(reference)} is not an image reference: expected <gunPrefix>/<image>:<tag> or <gunPrefix>/<image>@sha256:<64 hex>; see trust-auditor --help`,
        reference
      );
    }
  });
});
