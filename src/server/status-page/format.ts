/** Numbers, durations and instants as the status page writes them, relative to the one clock reading it was given. */
import type { TagStatus } from '../../notary/core/codes.js';
import { escapeAttr, escapeText } from './escape.js';

export function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** "3 days", "1 hour", "45 seconds": rounded to the unit a reader cares about at that distance. */
export function durationText(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  if (seconds < 90) {
    return plural(seconds, 'second');
  }
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) {
    return plural(minutes, 'minute');
  }
  const hours = Math.round(minutes / 60);
  if (hours < 48) {
    return plural(hours, 'hour');
  }
  const days = Math.round(hours / 24);
  return days < 730 ? plural(days, 'day') : plural(Math.floor(days / 365), 'year');
}

/** "3 days ago", "in 14 days", "just now". */
export function relativeTime(instant: Date, now: Date): string {
  const ms = instant.getTime() - now.getTime();
  if (Math.abs(ms) < 10_000) {
    return 'just now';
  }
  return ms < 0 ? `${durationText(ms)} ago` : `in ${durationText(ms)}`;
}

export function utc(date: Date): string {
  return date
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, ' UTC');
}

/** A relative time, with the absolute instant for machines (`datetime`) and people (`title`). */
export function timeTag(iso: string | null | undefined, now: Date, options: { id?: string; expiry?: boolean } = {}): string {
  if (iso === null || iso === undefined) {
    return '<span class="none">–</span>';
  }
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return escapeText(iso);
  }
  let text = relativeTime(date, now);
  if (options.expiry === true && date.getTime() <= now.getTime()) {
    text = `expired ${text}`;
  }
  const id = options.id === undefined ? '' : ` id="${escapeAttr(options.id)}"`;
  return `<time${id} datetime="${escapeAttr(date.toISOString())}" title="${escapeAttr(utc(date))}">${escapeText(text)}</time>`;
}

export function number(n: number): string {
  return n.toLocaleString('en-US');
}

export function statusLabel(status: TagStatus): string {
  return status.replace('_', ' ');
}
