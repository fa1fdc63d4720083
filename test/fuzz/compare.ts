/**
 * Judges one case from the two verdicts:
 *   - disagreement: we honour something the client does not (a tag it does
 *     not list under targets/releases or targets, or lists with another
 *     digest, length or role; or a valid collection it refuses outright);
 *   - stricter: the client honours something we refuse, explained by a rule
 *     of stricter-rules.ts;
 *   - unexplained: the same without a rule;
 *   - crash: our verification threw instead of answering;
 *   - agree-accept / agree-refuse.
 */
import type { CaseSpec } from './case-spec.js';
import type { ClientVerdict, Honoured, OurVerdict } from './oracles.js';
import { explainingRules } from './stricter-rules.js';

export type CaseVerdict = 'agree-accept' | 'agree-refuse' | 'disagreement' | 'stricter' | 'unexplained' | 'crash';

export interface Judgement {
  readonly verdict: CaseVerdict;
  /** One line per tag (or collection) that differs. */
  readonly differences: readonly string[];
  readonly ruleIds: readonly string[];
}

export function verdictLine(ours: OurVerdict): string {
  return `${ours.status} ${ours.reasonCode ?? '-'}: ${ours.reason ?? ''}`;
}

function describe(target: Honoured | undefined): string {
  return target === undefined ? 'not honoured' : `${target.digest.slice(0, 12)}… ${target.length} bytes from ${target.role}`;
}

export function judge(spec: CaseSpec, ours: OurVerdict, client: ClientVerdict): Judgement {
  if (ours.status === 'threw') {
    return { verdict: 'crash', differences: [`our verification threw: ${ours.reason ?? ''}`], ruleIds: [] };
  }
  const oursHonoured = new Map(ours.status === 'valid' ? ours.targets.map((t) => [t.tag, t]) : []);
  const theirs = new Map(client.ok ? client.honoured.map((t) => [t.tag, t]) : []);

  const ourExtra: string[] = [];
  if (ours.status === 'valid' && !client.ok) {
    ourExtra.push(`collection: we say valid, the client refuses it (${firstLine(client.stderr)})`);
  }
  for (const [tag, target] of oursHonoured) {
    const other = theirs.get(tag);
    if (other === undefined || other.digest !== target.digest || other.length !== target.length || other.role !== target.role) {
      const listedElsewhere = client.rows.find((row) => row.name === tag);
      const note = other === undefined && listedElsewhere !== undefined ? ` (the client lists it under ${listedElsewhere.role}, which docker does not honour)` : '';
      ourExtra.push(`tag ${JSON.stringify(tag)}: we honour ${describe(target)}, the client ${describe(other)}${note}`);
    }
  }
  if (ourExtra.length > 0) {
    return { verdict: 'disagreement', differences: ourExtra, ruleIds: [] };
  }

  const theirExtra: string[] = [];
  if (client.ok && ours.status !== 'valid') {
    theirExtra.push(`collection: the client accepts it (${client.honoured.length} tag(s) honoured), we say ${verdictLine(ours)}`);
  }
  for (const [tag, target] of theirs) {
    if (!oursHonoured.has(tag) && ours.status === 'valid') {
      theirExtra.push(`tag ${JSON.stringify(tag)}: the client honours ${describe(target)}, we do not`);
    }
  }
  if (theirExtra.length > 0) {
    const rules = explainingRules({ spec, ours, client, line: verdictLine(ours) });
    return { verdict: rules.length > 0 ? 'stricter' : 'unexplained', differences: theirExtra, ruleIds: rules.map((rule) => rule.id) };
  }
  return { verdict: client.ok ? 'agree-accept' : 'agree-refuse', differences: [], ruleIds: [] };
}

export function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.length > 200 ? line.slice(0, 200) + '…' : line;
}
