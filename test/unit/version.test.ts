import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { VERSION } from '../../src/version.js';

/** The repository root (this file runs as dist/test/unit/version.test.js). */
const ROOT = new URL('../../../', import.meta.url);

const read = (path: string): string => readFileSync(new URL(path, ROOT), 'utf8');

/** Keep a Changelog headings: `## [1.2.3] - 2026-11-30`, newest first; `## [Unreleased]` is not a release. */
const RELEASE_HEADING = /^## \[(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\] - (\d{4}-\d{2}-\d{2})$/;

function releases(): { version: string; date: string }[] {
  return read('CHANGELOG.md')
    .split('\n')
    .flatMap((line) => {
      const match = RELEASE_HEADING.exec(line);
      return match === null ? [] : [{ version: match[1] as string, date: match[2] as string }];
    });
}

/** Semver precedence of plain X.Y.Z versions (the changelog's releases carry no pre-release part). */
function compareVersions(a: string, b: string): number {
  const [x, y] = [a, b].map((version) => version.split('.').map(Number)) as [number[], number[]];
  for (let index = 0; index < 3; index++) {
    const difference = (x[index] ?? 0) - (y[index] ?? 0);
    if (difference !== 0) {
      return difference;
    }
  }
  return 0;
}

describe('VERSION', () => {
  it('matches package.json and package-lock.json', () => {
    const manifest = JSON.parse(read('package.json')) as { version: string };
    const lock = JSON.parse(read('package-lock.json')) as { version: string; packages: Record<string, { version?: string }> };

    assert.equal(VERSION, manifest.version);
    assert.equal(lock.version, manifest.version);
    assert.equal(lock.packages['']?.version, manifest.version);
  });

  it('is the newest release of CHANGELOG.md', () => {
    const [newest] = releases();

    assert.equal(newest?.version, VERSION);
  });
});

describe('CHANGELOG.md', () => {
  it('starts with an Unreleased section above the releases', () => {
    const lines = read('CHANGELOG.md').split('\n');
    const unreleased = lines.indexOf('## [Unreleased]');
    const firstRelease = lines.findIndex((line) => RELEASE_HEADING.test(line));

    assert.ok(unreleased >= 0 && unreleased < firstRelease);
  });

  it('lists releases newest first, each version once, dates never going forward down the file', () => {
    const list = releases();

    assert.ok(list.length > 1);
    for (const [index, release] of list.entries()) {
      const older = list[index + 1];
      if (older !== undefined) {
        assert.ok(compareVersions(release.version, older.version) > 0, `${release.version} above ${older.version}`);
        assert.ok(release.date >= older.date, `${release.version} dated ${release.date}, before ${older.version} (${older.date})`);
      }
      assert.ok(!Number.isNaN(Date.parse(`${release.date}T00:00:00Z`)), `${release.version}: ${release.date}`);
    }
  });
});
