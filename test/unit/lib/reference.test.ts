import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { isValidGun, isValidGunPrefix, isValidImageName, isValidTag } from '../../../src/lib/reference.js';

describe('the reference grammar', () => {
  it('image names: lower-case components joined by one separator kind', () => {
    for (const name of ['app', 'team/app', 'a.b/c_d/e__f/g--h', 'x'.repeat(255)]) {
      assert.equal(isValidImageName(name), true, name);
    }
    for (const name of ['App', 'a..b', 'a._b', '/a', 'a/', 'a//b', '../a', 'a?x', 'a#x', '', 'x'.repeat(256)]) {
      assert.equal(isValidImageName(name), false, name);
    }
  });

  it('tags', () => {
    assert.equal(isValidTag('v1.0-rc_1'), true);
    for (const tag of ['.x', '-x', 'a/b', 'a:b', '', 'x'.repeat(129)]) {
      assert.equal(isValidTag(tag), false, tag);
    }
  });

  it('GUNs: host[:port] then path components, which may mix separators as Nexus repository names do', () => {
    for (const gun of ['nexus.example:18079/team/app', 'nexus.example/docker.-hosted/app', 'my_registry:5000/app', '127.0.0.1:5000/a']) {
      assert.equal(isValidGun(gun), true, gun);
    }
    for (const gun of ['nexus.example', 'nexus.example/', 'nexus.example/App', 'h/../admin', 'h/./a', 'h/a?x', 'h/a#x', 'h/a%2f', '[::1]:5000/a', `h/${'a'.repeat(254)}`]) {
      assert.equal(isValidGun(gun), false, gun);
    }
  });

  it('GUN prefixes: host[:port of five digits at most], path components optional', () => {
    for (const prefix of ['nexus.example', 'nexus.example:18079', 'nexus.example/docker-path', '10.0.0.1:443/a/b']) {
      assert.equal(isValidGunPrefix(prefix), true, prefix);
    }
    for (const prefix of ['nexus.example:123456', 'my_registry:5000', 'h:x', 'h/', 'h/A', 'h/..', '-h', 'https://h']) {
      assert.equal(isValidGunPrefix(prefix), false, prefix);
    }
  });
});
