/**
 * Loaded with `node --import` into the process under measurement: on exit it
 * writes that process's peak RSS (resourceUsage().maxRSS, KiB) to
 * $BENCH_RSS_FILE. It changes nothing else.
 */
import { writeFileSync } from 'node:fs';

const target = process.env['BENCH_RSS_FILE'];
if (target !== undefined) {
  process.on('exit', () => {
    writeFileSync(target, String(process.resourceUsage().maxRSS));
  });
}
