/**
 * How long a cron schedule may leave between two scans: the longest gap
 * between consecutive fire times over the next few hundred of them (within a
 * year). Exported as `trust_auditor_scan_interval_seconds`, so the staleness
 * and timestamp alert rules follow the configured schedule instead of a
 * hard-coded 15 minutes.
 *
 * node-cron matches every field (day of month AND day of week, local time);
 * fields given as tokens (`L`, `1#2`) are taken as matching every day, which can
 * only make the interval look shorter than it is.
 */
import { parse } from 'node-cron';

const MAX_FIRES = 500;
const MAX_DAYS = 400;
const DAY_SECONDS = 86_400;

export function scheduleIntervalSeconds(expression: string, from: Date): number {
  const fields = parse(expression);
  const matchesDay = (values: readonly (number | string)[], value: number): boolean => values.some((entry) => typeof entry === 'string' || entry === value);
  const fires: number[] = [];
  const start = new Date(from.getFullYear(), from.getMonth(), from.getDate());
  for (let day = 0; day < MAX_DAYS && fires.length < MAX_FIRES; day++) {
    const date = new Date(start.getFullYear(), start.getMonth(), start.getDate() + day);
    if (!fields.month.includes(date.getMonth() + 1) || !matchesDay(fields.dayOfMonth, date.getDate()) || !matchesDay(fields.dayOfWeek, date.getDay())) {
      continue;
    }
    for (const hour of fields.hour) {
      for (const minute of fields.minute) {
        for (const second of fields.second) {
          const fire = new Date(date.getFullYear(), date.getMonth(), date.getDate(), hour, minute, second).getTime();
          if (fire > from.getTime() && fires.length < MAX_FIRES) {
            fires.push(fire);
          }
        }
      }
    }
  }
  if (fires.length < 2) {
    return MAX_DAYS * DAY_SECONDS;
  }
  fires.sort((a, b) => a - b);
  let longest = 0;
  for (let i = 1; i < fires.length; i++) {
    longest = Math.max(longest, (fires[i] as number) - (fires[i - 1] as number));
  }
  return longest / 1000;
}
