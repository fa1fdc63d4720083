import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { VERSION } from '../../src/version.js';

describe('VERSION', () => {
  it('matches package.json', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

    assert.equal(VERSION, manifest.version);
  });
});
