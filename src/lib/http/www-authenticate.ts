/**
 * Parses a `WWW-Authenticate` header (RFC 7235 §4.1) into its scheme and
 * parameters, as the registry token flow needs them
 * (https://distribution.github.io/distribution/spec/auth/token/).
 */
export interface Challenge {
  /** Lower-cased: `bearer` or `basic`. */
  readonly scheme: string;
  readonly params: ReadonlyMap<string, string>;
}

const PARAM = /\s*([A-Za-z0-9_!#$%&'*+.^`|~-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*(?:,|$)/y;

export function parseChallenge(header: string): Challenge | undefined {
  const match = /^\s*([A-Za-z][A-Za-z0-9_-]*)(?:\s+|$)/.exec(header);
  if (match === null) {
    return undefined;
  }
  const params = new Map<string, string>();
  PARAM.lastIndex = match[0].length;
  while (PARAM.lastIndex < header.length) {
    const start = PARAM.lastIndex;
    const param = PARAM.exec(header);
    if (param === null || PARAM.lastIndex === start) {
      break;
    }
    const value = param[2] !== undefined ? param[2].replace(/\\(.)/g, '$1') : (param[3] ?? '');
    params.set((param[1] as string).toLowerCase(), value);
  }
  return { scheme: (match[1] as string).toLowerCase(), params };
}
