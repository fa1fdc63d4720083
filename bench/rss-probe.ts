/**
 * Loaded with `node --import` into the process under measurement: on exit it
 * writes that process's peak RSS (KiB) to $BENCH_RSS_FILE. It changes nothing
 * else. On Linux the peak is VmHWM of /proc/self/status, the high-water mark
 * of this program's own memory: resourceUsage().maxRSS also counts the memory
 * of the bench process it was forked from (it read ~327 MB from the first
 * instruction of a scan that peaked at 198 MB), which had set a floor under
 * every figure measured before (docs/performance.md, "Where the memory went").
 */
import { readFileSync, writeFileSync } from 'node:fs';

function peakRssKib(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm?.[1] !== undefined) {
      return Number(hwm[1]);
    }
  } catch {
    // Not Linux: the portable figure, with the caveat above.
  }
  return process.resourceUsage().maxRSS;
}

const target = process.env['BENCH_RSS_FILE'];
if (target !== undefined) {
  process.on('exit', () => {
    writeFileSync(target, String(peakRssKib()));
  });
}
