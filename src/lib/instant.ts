/** RFC 3339 in UTC to the second, as in the contract's examples (`2026-12-10T21:46:18Z`). */
export function formatInstant(date: Date | null | undefined): string | null {
  if (date === null || date === undefined || Number.isNaN(date.getTime())) {
    return null;
  }
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
