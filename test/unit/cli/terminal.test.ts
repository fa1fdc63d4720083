import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { renderTable, terminalSafe, terminalSafeLines } from '../../../src/cli/format.js';

// Every byte that can start or end a terminal escape, or forge a line.
const HOSTILE = 'app\u001b[2J\u001b]0;owned\u0007\r\nx\u009b31m\u007f';

describe('human output on a terminal', () => {
  it('writes every C0, DEL and C1 control as a visible escape', () => {
    assert.equal(terminalSafe(HOSTILE), 'app\\u001b[2J\\u001b]0;owned\\u0007\\u000d\\u000ax\\u009b31m\\u007f');
    assert.doesNotMatch(terminalSafe(HOSTILE), /[\u0000-\u001f\u007f-\u009f]/);
  });

  it('writes the invisible characters that reorder or hide text as visible escapes (bidi overrides and isolates, zero-width marks)', () => {
    assert.equal(terminalSafe('signer \u202egpj.exe\u202c'), 'signer \\u202egpj.exe\\u202c');
    assert.equal(terminalSafe('a\u2066b\u2069c\u200bd\u061ce\ufeff'), 'a\\u2066b\\u2069c\\u200bd\\u061ce\\ufeff');
  });

  it('leaves ordinary text, including non-ASCII names, as it is', () => {
    assert.equal(terminalSafe('docker-hosted/app:1.2 – signed (é)'), 'docker-hosted/app:1.2 – signed (é)');
  });

  it('cannot forge a table row: one cell stays on one line', () => {
    const table = renderTable(['IMAGE', 'STATUS'], [[`evil\ndocker-hosted app 9.9`, 'unsigned']]);

    assert.equal(table.split('\n').length, 3);
    assert.match(table, /^evil\\u000adocker-hosted app 9\.9 {2}unsigned$/m);
  });

  it('keeps the line breaks of multi-line messages, and escapes the rest', () => {
    assert.equal(terminalSafeLines('invalid configuration:\n  notary.url: \u001b[31mred'), 'invalid configuration:\n  notary.url: \\u001b[31mred');
  });
});
