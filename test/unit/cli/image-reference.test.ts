import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseImageReference, repositoryOfReference } from '../../../src/cli/image-reference.js';
import type { RepositoryConfig } from '../../../src/config/config.js';

const repository = (name: string, gunPrefix: string): RepositoryConfig => ({ name, gunPrefix, require: ['dct'] });

describe('repositoryOfReference', () => {
  const repositories = [repository('hosted', 'nexus.example.com:18079'), repository('team', 'nexus.example.com:18079/team'), repository('other', 'registry.example')];
  const of = (text: string) => {
    const reference = parseImageReference(text) ?? assert.fail(text);
    const found = repositoryOfReference(reference, repositories);
    return found === undefined ? undefined : [found.repository.name, found.image];
  };

  it('takes the longest configured gunPrefix the name starts with, and the image after it', () => {
    assert.deepEqual(of('nexus.example.com:18079/app:1'), ['hosted', 'app']);
    assert.deepEqual(of('nexus.example.com:18079/team/app:1'), ['team', 'app']);
    assert.deepEqual(of('nexus.example.com:18079/team/sub/app:1'), ['team', 'sub/app']);
    assert.deepEqual(of('registry.example/a/b:1'), ['other', 'a/b']);
  });

  it('finds none for another host or port, or a prefix that only shares characters', () => {
    assert.equal(of('nexus.example.com:18080/app:1'), undefined);
    assert.equal(of('nexus.example.com/app:1'), undefined);
    assert.equal(of('registry.example.org/app:1'), undefined);
  });

  it('leaves out a prefix when what follows is no image name', () => {
    // "a._b" passes as a GUN path (Nexus repository names may look so) but is no image name.
    assert.equal(repositoryOfReference(parseImageReference('registry.example/a._b:1') ?? assert.fail(), repositories), undefined);
  });
});
