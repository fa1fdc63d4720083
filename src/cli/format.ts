/** Plain-text output for people: tables and lines that are safe to print on a terminal. */

/**
 * C0 controls, DEL and C1 controls (ECMA-48): ESC, CSI, OSC, BEL, CR, newline
 * and the like; and the invisible format characters that reorder or hide text
 * (zero-width marks, line and paragraph separators, the bidirectional
 * embeddings, overrides and isolates, the BOM): a tag or signer named with
 * U+202E would read backwards ("Trojan Source"). The status page escapes the
 * same set.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g;

/**
 * Makes text from Nexus or Notary (names, tags, server messages) inert on a
 * terminal: every control character is written as a visible `\uXXXX`, so no
 * escape sequence can clear the screen, set the window title or forge a line,
 * and no text can be made to read in another order than it is written.
 */
export function terminalSafe(text: string): string {
  return text.replace(CONTROL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** terminalSafe for text whose own line breaks are meant (multi-line messages). */
export function terminalSafeLines(text: string): string {
  return text.split('\n').map(terminalSafe).join('\n');
}

export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const safeRows = rows.map((row) => row.map(terminalSafe));
  const widths = headers.map((header, column) => Math.max(header.length, ...safeRows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...safeRows.map(line)].join('\n') + '\n';
}
