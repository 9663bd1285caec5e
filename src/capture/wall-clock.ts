/**
 * Converts between UTC instants and the wall-clock text a DATETIME column holds. Aimeos stamps
 * `mtime` with PHP's local time (UTC on Laravel defaults), so the capture block names that zone.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** `YYYY-MM-DD HH:MM:SS` of the instant in `zone` (whole seconds, floored). */
export function wallClockAt(epochMs: number, zone: string): string {
  const whole = Math.floor(epochMs / 1000) * 1000;
  if (zone === 'UTC' || zone === 'Etc/UTC') return new Date(whole).toISOString().replace('T', ' ').slice(0, 19);
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, formatter);
  }
  const parts = Object.fromEntries(formatter.formatToParts(new Date(whole)).map((part) => [part.type, part.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

/** Naive wall-clock arithmetic: `ts` minus `seconds`, same text format, fraction dropped. */
export function subtractSeconds(ts: string, seconds: number): string {
  const base = Date.parse(`${ts.slice(0, 19).replace(' ', 'T')}Z`);
  if (Number.isNaN(base)) return ts;
  return new Date(base - Math.ceil(seconds) * 1000).toISOString().replace('T', ' ').slice(0, 19);
}

/** Whether the zone changes its UTC offset during the year (DST), which repeats local hours. */
export function hasDaylightSaving(zone: string, year = new Date().getUTCFullYear()): boolean {
  const offsetAt = (month: number) => {
    const ms = Date.UTC(year, month, 1, 12);
    return Date.parse(`${wallClockAt(ms, zone).replace(' ', 'T')}Z`) - ms;
  };
  return offsetAt(0) !== offsetAt(6);
}
