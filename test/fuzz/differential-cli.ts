/**
 * npm run fuzz:differential -- [--cases N] [--seed S] [--first K] [--case K]
 *                              [--workers W] [--out DIR] [--replay DIR]
 *
 * Differential testing of our verifier against the real notary client.
 * Exit status: 0 no disagreement, no unexplained case, no crash; 1 otherwise;
 * 2 usage error.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { STRICTER_RULES } from './stricter-rules.js';
import { describeOutcome, FAILING_VERDICTS, replayReproducer, reproduceCommand, runDifferential } from './differential.js';

const USAGE = 'usage: npm run fuzz:differential -- [--cases N] [--seed S] [--first K] [--case K] [--workers W] [--out DIR] [--replay DIR]';

function integer(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) {
    return fallback;
  }
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`--${name} must be a non-negative integer, not ${JSON.stringify(text)}`);
  }
  return value;
}

async function main(): Promise<number> {
  let values;
  try {
    values = parseArgs({
      options: {
        cases: { type: 'string' },
        seed: { type: 'string' },
        first: { type: 'string' },
        case: { type: 'string', multiple: true },
        workers: { type: 'string' },
        out: { type: 'string' },
        replay: { type: 'string' },
        help: { type: 'boolean' },
      },
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help === true) {
    console.log(USAGE);
    return 0;
  }
  if (values.replay !== undefined) {
    const outcome = await replayReproducer(values.replay);
    console.log(`replayed the bytes written for case ${outcome.index} of seed ${outcome.seed}\n`);
    console.log(describeOutcome(outcome, outcome.seed));
    return FAILING_VERDICTS.has(outcome.verdict) ? 1 : 0;
  }
  let seed: number;
  let cases: number;
  let first: number;
  let workers: number;
  let only: number[] | undefined;
  try {
    // Any seed the user does not give is drawn and printed, so the run can be repeated.
    seed = integer('seed', values.seed, Math.floor(Math.random() * 2 ** 31));
    cases = integer('cases', values.cases, 200);
    first = integer('first', values.first, 0);
    workers = integer('workers', values.workers, 3);
    only = values.case?.map((text) => integer('case', text, 0));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const out = values.out ?? join(tmpdir(), 'trust-auditor-fuzz');
  const what = only === undefined ? `cases ${first}…${first + cases - 1}` : `case ${only.join(', ')}`;
  console.log(`differential fuzzing against the notary client: seed ${seed}, ${what}`);
  console.log(`one case again: ${reproduceCommand(seed, only?.[0] ?? first)}`);

  // Ctrl-C: finish the cases in flight, clean up, report; a second Ctrl-C exits at once.
  const stop = new AbortController();
  process.once('SIGINT', () => {
    console.log('\nstopping after the cases in flight (Ctrl-C again to exit now)');
    stop.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  const report = await runDifferential({
    signal: stop.signal,
    seed,
    cases,
    first,
    ...(only === undefined ? {} : { only }),
    workers,
    reproducerDir: out,
    writeAll: only !== undefined,
    log: (line) => console.log(line),
  });

  if (only !== undefined) {
    for (const outcome of report.outcomes) {
      console.log('\n' + describeOutcome(outcome, seed));
    }
  }
  console.log(
    `\n${report.casesRun} cases in ${(report.elapsedMs / 1000).toFixed(1)} s (+${(report.setupMs / 1000).toFixed(1)} s set-up): ` +
      `${report.casesPerSecond.toFixed(1)} cases/s with ${workers} workers`
  );
  const c = report.counts;
  console.log(
    `agree-accept ${c['agree-accept']}  agree-refuse ${c['agree-refuse']}  stricter ${c.stricter}  ` +
      `disagreement ${c.disagreement}  unexplained ${c.unexplained}  crash ${c.crash}  (both honour tags: ${report.bothHonouring})`
  );
  console.log('\nverdicts by mutation (a case counts once per mutation kind it carries):');
  const columns = ['agree-accept', 'agree-refuse', 'stricter', 'disagreement', 'unexplained', 'crash'] as const;
  console.log(`  ${'mutation'.padEnd(28)}${columns.map((column) => column.padStart(13)).join('')}`);
  for (const [kind, row] of Object.entries(report.byMutation).sort(([a], [b]) => a.localeCompare(b))) {
    console.log(`  ${kind.padEnd(28)}${columns.map((column) => String(row[column] ?? 0).padStart(13)).join('')}`);
  }
  console.log('\nstricter by rule:');
  for (const rule of STRICTER_RULES) {
    console.log(`  ${String(report.ruleCounts[rule.id] ?? 0).padStart(6)}  ${rule.id}`);
  }
  if (report.failures.length > 0 && only === undefined) {
    console.log(`\n${report.failures.length} failing case(s):`);
    for (const failure of report.failures.slice(0, 40)) {
      console.log('\n' + describeOutcome(failure, seed));
    }
    if (report.failures.length > 40) {
      console.log(`\n… and ${report.failures.length - 40} more under ${join(out, `seed-${seed}`)}`);
    }
  }
  return report.failures.length === 0 ? 0 : 1;
}

// `node --test dist/test/` (npm test) also loads every module under a test/ directory
// (its default pattern **/test/**/*.js), marking it with NODE_TEST_CONTEXT: this
// file must not start a fuzzing run then; the suite has differential.test.ts.
if (process.env['NODE_TEST_CONTEXT'] === undefined) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exitCode = 2;
    }
  );
}
