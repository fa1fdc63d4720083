/**
 * The differential run: cases generated from a seed, each served by a
 * loopback static Notary server and judged by our verifier and by the real
 * notary client, several cases at once (one GUN per worker, so a case owns
 * its GUN while it is judged). Used by the CLI (npm run fuzz:differential)
 * and by the suite test.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

import { startStaticNotary, type StaticNotary } from '../support/static-notary.js';
import { makeTempDir } from '../support/temp.js';
import { buildCase } from './case-builder.js';
import { describeMutation, generateCaseSpec, type CaseSpec } from './case-spec.js';
import { firstLine, judge, verdictLine, type CaseVerdict, type Judgement } from './compare.js';
import { makeKeyPool, type KeyPool } from './key-pool.js';
import { askNotaryClient, OurVerifier, type ClientVerdict, type OurVerdict } from './oracles.js';
import { STRICTER_RULES } from './stricter-rules.js';

export interface DifferentialOptions {
  readonly seed: number;
  /** Cases `first` … `first + cases - 1`, unless `only` names them. */
  readonly cases: number;
  readonly first?: number;
  readonly only?: readonly number[];
  /** Cases judged at once (each runs two notary processes). */
  readonly workers?: number;
  /** Where failing cases are written; nothing is written without it. */
  readonly reproducerDir?: string;
  /** Also write every case, not only failing ones (for --case). */
  readonly writeAll?: boolean;
  readonly log?: (line: string) => void;
  /** Stops taking new cases; the cases in flight finish and everything is cleaned up. */
  readonly signal?: AbortSignal;
}

export interface CaseOutcome extends Judgement {
  readonly index: number;
  readonly gun: string;
  readonly mutations: readonly string[];
  readonly ours: OurVerdict;
  readonly client: ClientVerdict;
  readonly reproducer: string | undefined;
}

export interface DifferentialReport {
  readonly seed: number;
  readonly casesRun: number;
  readonly setupMs: number;
  readonly elapsedMs: number;
  readonly casesPerSecond: number;
  readonly counts: Readonly<Record<CaseVerdict, number>>;
  readonly ruleCounts: Readonly<Record<string, number>>;
  /** Cases where both sides honour at least one tag. */
  readonly bothHonouring: number;
  /** Mutation kind → verdict → cases that carried that mutation. */
  readonly byMutation: Readonly<Record<string, Partial<Record<CaseVerdict, number>>>>;
  /** Disagreements, unexplained cases and crashes. */
  readonly failures: readonly CaseOutcome[];
  /** Every outcome, when fewer than 50 cases ran (for --case). */
  readonly outcomes: readonly CaseOutcome[];
}

export const FAILING_VERDICTS: ReadonlySet<CaseVerdict> = new Set(['disagreement', 'unexplained', 'crash']);

const GUN_PREFIX = 'fuzz.example:5000/differential';

export function reproduceCommand(seed: number, index: number): string {
  return `npm run fuzz:differential -- --seed ${seed} --case ${index}`;
}

/** Writes a case's served bytes and both verdicts, for a reproducer. */
async function writeReproducer(dir: string, seed: number, spec: CaseSpec, gun: string, files: ReadonlyMap<string, Uint8Array>, outcome: Omit<CaseOutcome, 'reproducer'>): Promise<string> {
  const caseDir = join(dir, `seed-${seed}`, `case-${spec.index}`);
  for (const [role, bytes] of files) {
    const file = join(caseDir, 'tuf', `${role}.json`);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, bytes);
  }
  await writeFile(
    join(caseDir, 'case.json'),
    JSON.stringify(
      {
        seed,
        case: spec.index,
        gun,
        rebuild: reproduceCommand(seed, spec.index),
        replay: `npm run fuzz:differential -- --replay ${caseDir}`,
        verdict: outcome.verdict,
        differences: outcome.differences,
        rules: outcome.ruleIds,
        mutations: outcome.mutations,
        ours: outcome.ours,
        client: outcome.client,
        spec,
      },
      null,
      2
    ) + '\n'
  );
  return caseDir;
}

interface Judge {
  readonly server: StaticNotary;
  readonly verifier: OurVerifier;
  readonly workDir: string;
}

async function judgeServed(context: Judge, spec: CaseSpec, gun: string, files: ReadonlyMap<string, Uint8Array>): Promise<Omit<CaseOutcome, 'reproducer'>> {
  context.server.setCollection(gun, files);
  try {
    const [ours, client] = await Promise.all([context.verifier.ask(context.server.url, gun), askNotaryClient(context.server.url, gun, context.workDir)]);
    return { index: spec.index, gun, mutations: spec.mutations.map(describeMutation), ours, client, ...judge(spec, ours, client) };
  } finally {
    context.server.deleteCollection(gun);
  }
}

export async function runDifferential(options: DifferentialOptions): Promise<DifferentialReport> {
  const log = options.log ?? (() => undefined);
  const first = options.first ?? 0;
  const indexes = options.only ?? Array.from({ length: options.cases }, (_, i) => first + i);
  const workers = Math.max(1, Math.min(options.workers ?? 3, indexes.length));
  const guns = Array.from({ length: workers }, (_, slot) => `${GUN_PREFIX}/slot-${slot}`);
  const started = Date.now();
  const temp = await makeTempDir('fuzz');
  let server: StaticNotary | undefined;
  const verifier = new OurVerifier();
  try {
    const pool: KeyPool = await makeKeyPool(temp.path, guns);
    server = await startStaticNotary();
    const context: Judge = { server, verifier, workDir: temp.path };
    const setupMs = Date.now() - started;
    log(`setup: key pool and ${guns.length} root certificate pools in ${(setupMs / 1000).toFixed(1)} s; ${workers} workers`);

    const counts: Record<CaseVerdict, number> = { 'agree-accept': 0, 'agree-refuse': 0, disagreement: 0, stricter: 0, unexplained: 0, crash: 0 };
    const ruleCounts: Record<string, number> = Object.fromEntries(STRICTER_RULES.map((rule) => [rule.id, 0]));
    const failures: CaseOutcome[] = [];
    const outcomes: CaseOutcome[] = [];
    let bothHonouring = 0;
    const byMutation: Record<string, Partial<Record<CaseVerdict, number>>> = {};
    let next = 0;
    let done = 0;
    const runStarted = Date.now();
    let lastProgress = runStarted;

    let stopping = false;
    const aborted = (): boolean => options.signal?.aborted === true;
    const worker = async (gun: string): Promise<void> => {
      for (let position = next++; position < indexes.length && !stopping && !aborted(); position = next++) {
        const index = indexes[position] as number;
        const spec = generateCaseSpec(options.seed, index);
        let built;
        try {
          built = await buildCase(spec, gun, pool, new Date());
        } catch (error) {
          stopping = true;
          throw new Error(`building case ${index} failed (a fuzzer bug; ${reproduceCommand(options.seed, index)}): ${(error as Error).stack ?? String(error)}`);
        }
        const outcome = await judgeServed(context, spec, gun, built.files);
        if (aborted()) {
          // A terminal's Ctrl-C also reaches the notary processes: a case judged meanwhile proves nothing.
          break;
        }
        counts[outcome.verdict]++;
        for (const kind of new Set(spec.mutations.length === 0 ? ['(none)'] : spec.mutations.map((m) => m.kind))) {
          const row = (byMutation[kind] ??= {});
          row[outcome.verdict] = (row[outcome.verdict] ?? 0) + 1;
        }
        for (const id of outcome.ruleIds) {
          ruleCounts[id] = (ruleCounts[id] ?? 0) + 1;
        }
        if (outcome.ours.status === 'valid' && outcome.ours.targets.length > 0 && outcome.client.honoured.length > 0) {
          bothHonouring++;
        }
        const failing = FAILING_VERDICTS.has(outcome.verdict);
        const reproducer =
          options.reproducerDir !== undefined && (failing || options.writeAll === true)
            ? await writeReproducer(options.reproducerDir, options.seed, spec, gun, built.files, outcome)
            : undefined;
        const full = { ...outcome, reproducer };
        if (failing) {
          failures.push(full);
          log(`case ${index}: ${outcome.verdict.toUpperCase()} — ${outcome.differences[0] ?? ''} [${outcome.mutations.join('; ') || 'no mutation'}]`);
        }
        if (indexes.length < 50) {
          outcomes.push(full);
        }
        done++;
        if (Date.now() - lastProgress > 10_000) {
          lastProgress = Date.now();
          const rate = done / ((lastProgress - runStarted) / 1000);
          log(`${done}/${indexes.length} cases, ${rate.toFixed(1)} cases/s; disagreements ${counts.disagreement}, unexplained ${counts.unexplained}, crashes ${counts.crash}`);
        }
      }
    };
    // Every worker finishes (or fails) before the temp directory goes: a notary process may still be writing there.
    const settled = await Promise.allSettled(guns.map((gun) => worker(gun)));
    const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed !== undefined) {
      throw failed.reason;
    }
    const elapsedMs = Date.now() - runStarted;
    failures.sort((a, b) => a.index - b.index);
    outcomes.sort((a, b) => a.index - b.index);
    return {
      seed: options.seed,
      casesRun: done,
      setupMs,
      elapsedMs,
      casesPerSecond: done / Math.max(elapsedMs / 1000, 0.001),
      counts,
      ruleCounts,
      bothHonouring,
      byMutation,
      failures,
      outcomes,
    };
  } finally {
    await server?.stop();
    await verifier.close();
    await temp.remove();
  }
}

/** Serves a written reproducer again and asks both sides (exact bytes; certificates and expiry as written). */
export async function replayReproducer(caseDir: string): Promise<CaseOutcome & { readonly seed: number }> {
  const recorded = JSON.parse(await readFile(join(caseDir, 'case.json'), 'utf8')) as { seed: number; gun: string; spec: CaseSpec };
  const files = new Map<string, Uint8Array>();
  const tufDir = join(caseDir, 'tuf');
  for (const entry of await readdir(tufDir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.json')) {
      const path = join(entry.parentPath, entry.name);
      files.set(relative(tufDir, path).replace(/\.json$/, ''), await readFile(path));
    }
  }
  const temp = await makeTempDir('fuzz-replay');
  const server = await startStaticNotary();
  const verifier = new OurVerifier();
  try {
    const outcome = await judgeServed({ server, verifier, workDir: temp.path }, recorded.spec, recorded.gun, files);
    return { ...outcome, reproducer: caseDir, seed: recorded.seed };
  } finally {
    await server.stop();
    await verifier.close();
    await temp.remove();
  }
}

/** A human summary of a case, for the CLI. */
export function describeOutcome(outcome: CaseOutcome, seed: number): string {
  const lines = [
    `case ${outcome.index} (seed ${seed}): ${outcome.verdict}${outcome.ruleIds.length > 0 ? ` [${outcome.ruleIds.join(', ')}]` : ''}`,
    `  mutations: ${outcome.mutations.length === 0 ? 'none' : outcome.mutations.join('; ')}`,
    `  ours:   ${verdictLine(outcome.ours)}`,
    `          honours ${outcome.ours.targets.map((t) => `${t.tag}@${t.role}`).join(', ') || 'nothing'}`,
    `  client: ${outcome.client.ok ? 'lists' : `refuses (exit ${outcome.client.exitCode}): ${firstLine(outcome.client.stderr)}`}`,
  ];
  if (outcome.client.ok) {
    lines.push(`          ${outcome.client.rows.map((r) => `${r.name}@${r.role}`).join(', ') || 'no targets'}`);
  }
  lines.push(`          plain notary list: ${outcome.client.plain.ok ? `${outcome.client.plain.rows.length} row(s)` : `refuses: ${firstLine(outcome.client.plain.stderr)}`}`);
  for (const difference of outcome.differences) {
    lines.push(`  - ${difference}`);
  }
  lines.push(`  rebuild: ${reproduceCommand(seed, outcome.index)}`);
  if (outcome.reproducer !== undefined) {
    lines.push(`  bytes:   ${outcome.reproducer}`, `  replay:  npm run fuzz:differential -- --replay ${outcome.reproducer}`);
  }
  return lines.join('\n');
}
