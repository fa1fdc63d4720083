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
    assert.equal(message(['nope']), 'unknown command "nope" (commands: scan, inspect, serve); see trust-auditor --help');
    for (const argv of [
      ['scan', '--foo'],
      ['scan', '--config'],
      ['scan', '--json=1'],
    ]) {
      assert.doesNotMatch(message(argv), /Unknown option|positional argument|argument missing|does not take an argument/, argv.join(' '));
    }
  });
});
