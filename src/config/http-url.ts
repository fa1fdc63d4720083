/** The one check of a server URL, shared by the configuration file, `--notary` and the environment. */
import { err, ok, type Result } from '../lib/result.js';

export type HttpUrlProblem = 'not a URL' | 'not http or https';

/** An absolute http: or https: URL. */
export function parseHttpUrl(text: string): Result<URL, HttpUrlProblem> {
  const url = URL.parse(text);
  if (url === null) {
    return err('not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return err('not http or https');
  }
  return ok(url);
}
