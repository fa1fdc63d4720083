/** The message of a file that is not valid YAML: where, the line with a caret, and a hint. */
import { isAlias, visit, type Document, type YAMLError } from 'yaml';

/**
 * "not valid YAML at line L, column C: <what>", then the line with a caret under
 * the column, then a hint when the mistake is a known one. The yaml library's
 * own message ends in a frame of its own (lines before, a caret); it is rebuilt
 * here compactly, with an inline password's value hidden.
 */
export function yamlErrorMessage(text: string, error: YAMLError | Error, offset?: number): string {
  const what = (error.message.split('\n')[0] ?? 'parse error').replace(/ at line \d+, column \d+:?$/, '');
  const position = 'linePos' in error && error.linePos !== undefined ? error.linePos[0] : offset === undefined ? undefined : linePosOf(text, offset);
  const lines = [position === undefined ? `not valid YAML: ${what}` : `not valid YAML at line ${position.line}, column ${position.col}: ${what}`];
  if (position !== undefined) {
    lines.push(...codeFrame(text, position.line, position.col));
  }
  const cron = unquotedCron(text);
  if (cron !== undefined) {
    lines.push(`    quote the cron expression: schedule: ${JSON.stringify(cron)}`);
  }
  return lines.join('\n');
}

/** 1-based line and column of a character offset, as the yaml library counts them. */
function linePosOf(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: (before[before.length - 1]?.length ?? 0) + 1 };
}

/** The offset of the first alias that names no anchor, if any. */
export function unresolvedAliasOffset(document: Document): number | undefined {
  let offset: number | undefined;
  visit(document, {
    Alias(_key, node) {
      if (offset === undefined && isAlias(node) && node.resolve(document) === undefined) {
        offset = node.range?.[0];
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return offset;
}

const FRAME_WIDTH = 100;

/**
 * The source line (numbered) and a caret under the column; with the line before
 * when the caret is at column 1, where the mistake (an unclosed quote or
 * bracket, an indent) is usually on the previous line.
 */
function codeFrame(text: string, line: number, col: number): string[] {
  const sourceLines = text.split('\n');
  const gutterWidth = String(line).length;
  const show = (number: number): string => {
    // A tab is shown as one visible character, so the caret stays under its column.
    let source = (sourceLines[number - 1] ?? '').replace(/\r$/, '').replace(/\t/g, '→');
    // A password written inline in the file must not reach the terminal or a log.
    const secret = /^(\s*(?:-\s+)?["']?password["']?\s*:)\s*\S/.exec(source);
    if (secret !== null) {
      source = `${secret[1]} (value hidden)`;
    }
    return source;
  };
  let source = show(line);
  let column = Math.min(col, source.length + 1);
  if (source.length > FRAME_WIDTH) {
    const start = Math.max(0, Math.min(column - 1 - FRAME_WIDTH / 2, source.length - FRAME_WIDTH));
    source = `${start > 0 ? '…' : ''}${source.slice(start, start + FRAME_WIDTH)}${start + FRAME_WIDTH < source.length ? '…' : ''}`;
    column = column - start + (start > 0 ? 1 : 0);
  }
  const frame: string[] = [];
  if (col === 1 && line > 1) {
    const previous = show(line - 1);
    frame.push(`    ${String(line - 1).padStart(gutterWidth)} | ${previous.length > FRAME_WIDTH ? `${previous.slice(0, FRAME_WIDTH)}…` : previous}`);
  }
  frame.push(`    ${String(line)} | ${source}`, `    ${' '.repeat(gutterWidth)} | ${' '.repeat(Math.max(0, column - 1))}^`);
  return frame;
}

/**
 * The cron expression of a top-level `schedule:` written unquoted starting with
 * `*`, which YAML reads as an alias (every-15-minutes, for one); undefined otherwise.
 */
function unquotedCron(text: string): string | undefined {
  const match = /^schedule[ \t]*:[ \t]+(\*[^\r\n]*?)(?:[ \t]+#[^\r\n]*)?[ \t]*\r?$/m.exec(text);
  return match?.[1];
}
