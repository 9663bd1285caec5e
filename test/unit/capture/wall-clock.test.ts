import { describe, expect, it } from 'vitest';
import { hasDaylightSaving, isValidTimeZone, subtractSeconds, wallClockAt } from '../../../src/capture/wall-clock.js';

describe('wallClockAt', () => {
  it('prints UTC wall-clock time in whole seconds, floored', () => {
    expect(wallClockAt(Date.UTC(2026, 9, 25, 1, 30, 59, 999), 'UTC')).toBe('2026-10-25 01:30:59');
    expect(wallClockAt(Date.UTC(2026, 0, 1, 0, 0, 0, 1), 'Etc/UTC')).toBe('2026-01-01 00:00:00');
    expect(wallClockAt(Date.UTC(2026, 11, 31, 23, 59, 59, 500), 'UTC')).toBe('2026-12-31 23:59:59');
  });

  it('prints Europe/Berlin local time across the end of daylight saving on 2026-10-25', () => {
    const at = (hour: number, minute: number) => wallClockAt(Date.UTC(2026, 9, 25, hour, minute), 'Europe/Berlin');
    expect(at(0, 0)).toBe('2026-10-25 02:00:00'); // CEST, UTC+2
    expect(at(0, 30)).toBe('2026-10-25 02:30:00'); // CEST
    expect(at(0, 59)).toBe('2026-10-25 02:59:00'); // CEST
    expect(at(1, 0)).toBe('2026-10-25 02:00:00'); // clocks go back: CET, UTC+1
    expect(at(1, 30)).toBe('2026-10-25 02:30:00'); // the same wall-clock time again, one hour later
    expect(at(2, 0)).toBe('2026-10-25 03:00:00');
    expect(at(23, 30)).toBe('2026-10-26 00:30:00');
  });

  it('prints Europe/Berlin local time across the start of daylight saving on 2026-03-29 (02:xx never happens)', () => {
    expect(wallClockAt(Date.UTC(2026, 2, 29, 0, 59, 59), 'Europe/Berlin')).toBe('2026-03-29 01:59:59');
    expect(wallClockAt(Date.UTC(2026, 2, 29, 1, 0, 0), 'Europe/Berlin')).toBe('2026-03-29 03:00:00');
  });

  it('prints midnight as 00, not 24, and floors fractions in other zones', () => {
    expect(wallClockAt(Date.UTC(2026, 0, 1, 23, 0, 0, 999), 'Europe/Berlin')).toBe('2026-01-02 00:00:00');
    expect(wallClockAt(Date.UTC(2026, 0, 1, 0, 0, 0), 'America/New_York')).toBe('2025-12-31 19:00:00');
    expect(wallClockAt(Date.UTC(2026, 0, 1, 0, 0, 0), 'Asia/Kolkata')).toBe('2026-01-01 05:30:00');
  });
});

describe('subtractSeconds', () => {
  it('subtracts naively on the wall-clock text, across day, month and year ends', () => {
    expect(subtractSeconds('2026-03-01 00:00:10', 20)).toBe('2026-02-28 23:59:50');
    expect(subtractSeconds('2024-03-01 00:00:00', 86_400)).toBe('2024-02-29 00:00:00');
    expect(subtractSeconds('2026-01-01 00:15:00', 900)).toBe('2026-01-01 00:00:00');
    expect(subtractSeconds('2026-01-01 00:00:00', 1)).toBe('2025-12-31 23:59:59');
    expect(subtractSeconds('2026-10-25 02:30:00', 3600)).toBe('2026-10-25 01:30:00');
  });

  it('drops the fraction and rounds fractional seconds up, so the result is never later than exact', () => {
    expect(subtractSeconds('2026-01-01 00:00:00.750', 0)).toBe('2026-01-01 00:00:00');
    expect(subtractSeconds('2026-01-01 00:00:10.123', 0.5)).toBe('2026-01-01 00:00:09');
    expect(subtractSeconds('2026-01-01T00:00:10', 10)).toBe('2026-01-01 00:00:00');
  });

  it('returns unparseable text unchanged', () => {
    expect(subtractSeconds('not a time', 5)).toBe('not a time');
  });
});

describe('hasDaylightSaving', () => {
  it('is true for zones that shift their offset during the year', () => {
    expect(hasDaylightSaving('Europe/Berlin')).toBe(true);
    expect(hasDaylightSaving('Europe/Berlin', 2026)).toBe(true);
    expect(hasDaylightSaving('America/New_York', 2026)).toBe(true);
    expect(hasDaylightSaving('Australia/Sydney', 2026)).toBe(true);
  });

  it('is false for fixed-offset zones', () => {
    expect(hasDaylightSaving('UTC')).toBe(false);
    expect(hasDaylightSaving('Etc/UTC', 2026)).toBe(false);
    expect(hasDaylightSaving('Asia/Tokyo', 2026)).toBe(false);
    expect(hasDaylightSaving('Asia/Kolkata', 2026)).toBe(false);
  });
});

describe('isValidTimeZone', () => {
  it('accepts IANA names and rejects others', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Europe/Atlantis')).toBe(false);
    expect(isValidTimeZone('CEST+2')).toBe(false);
  });
});
