/** Plain-text output for people: tables and lines that are safe to print on a terminal. */

/** C0 controls, DEL and C1 controls (ECMA-48): ESC, CSI, OSC, BEL, CR, newline and the like. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Makes text from Nexus or Notary (names, tags, server messages) inert on a
 * terminal: every control character is written as a visible `\uXXXX`, so no
 * escape sequence can clear the screen, set the window title or forge a line.
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
