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
});
