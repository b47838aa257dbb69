import { describe, expect, it } from 'vitest';
import { parseReportArgs } from '../../../src/rules/report/args.js';

// Wednesday 05.11.2025, 13:00 in Moscow (UTC+3).
const now = new Date('2025-11-05T10:00:00Z');
const tz = 'Europe/Moscow';

function ok(text: string, at = now, zone = tz) {
  const result = parseReportArgs(text, at, zone);
  if ('error' in result) throw new Error(`unexpected error ${result.error} for ${text}`);
  return { from: result.period.from.toISOString(), to: result.period.to.toISOString(), label: result.period.label,
    kind: result.period.kind, categoryId: result.categoryId };
}

describe('parseReportArgs', () => {
  it('reads today and yesterday as calendar days in the portal time zone', () => {
    expect(ok('/report today')).toEqual({ from: '2025-11-04T21:00:00.000Z', to: '2025-11-05T21:00:00.000Z',
      label: '05.11.2025', kind: 'today', categoryId: undefined });
    expect(ok('/report yesterday')).toMatchObject({ from: '2025-11-03T21:00:00.000Z', to: '2025-11-04T21:00:00.000Z', label: '04.11.2025' });
  });

  it('defaults to today', () => {
    expect(ok('/report')).toMatchObject({ kind: 'today', label: '05.11.2025' });
    expect(ok('')).toMatchObject({ kind: 'today' });
  });

  it('uses the day of the portal, not of UTC, around midnight', () => {
    const lateUtc = new Date('2025-11-05T22:30:00Z'); // 06.11 01:30 in Moscow, 05.11 17:30 in New York
    expect(ok('today', lateUtc)).toMatchObject({ label: '06.11.2025', from: '2025-11-05T21:00:00.000Z' });
    expect(ok('today', lateUtc, 'America/New_York')).toMatchObject({
      label: '05.11.2025', from: '2025-11-05T05:00:00.000Z', to: '2025-11-06T05:00:00.000Z',
    });
  });

  it('reads the current week (Monday to Sunday) and month, with a pipeline id', () => {
    expect(ok('/report week 1')).toEqual({ from: '2025-11-02T21:00:00.000Z', to: '2025-11-09T21:00:00.000Z',
      label: '03.11.2025–09.11.2025', kind: 'week', categoryId: 1 });
    expect(ok('/report month')).toMatchObject({ from: '2025-10-31T21:00:00.000Z', to: '2025-11-30T21:00:00.000Z',
      label: '01.11.2025–30.11.2025' });
    expect(ok('month', new Date('2025-12-15T10:00:00Z'))).toMatchObject({ to: '2025-12-31T21:00:00.000Z', label: '01.12.2025–31.12.2025' });
    expect(ok('week', new Date('2025-11-09T20:59:00Z'))).toMatchObject({ label: '03.11.2025–09.11.2025' }); // Sunday 23:59
  });

  it('accepts the command with a bot name, Russian words and the id first', () => {
    expect(ok('/report@DealPilotBot неделя 2')).toMatchObject({ kind: 'week', categoryId: 2 });
    expect(ok('/report 0 Вчера')).toMatchObject({ kind: 'yesterday', categoryId: 0 });
    expect(ok('МЕСЯЦ')).toMatchObject({ kind: 'month' });
  });

  it('reads date ranges with both days included', () => {
    expect(ok('/report 01.10.2025-15.10.2025')).toEqual({ from: '2025-09-30T21:00:00.000Z', to: '2025-10-15T21:00:00.000Z',
      label: '01.10.2025–15.10.2025', kind: 'range', categoryId: undefined });
    expect(ok('/report 01.10.2025 – 15.10.2025 3')).toMatchObject({ label: '01.10.2025–15.10.2025', categoryId: 3 });
    expect(ok('/report 1.2.2024-29.2.2024')).toMatchObject({ label: '01.02.2024–29.02.2024' });
    expect(ok('/report 07.11.2025')).toMatchObject({ label: '07.11.2025', from: '2025-11-06T21:00:00.000Z', to: '2025-11-07T21:00:00.000Z' });
  });

  it.each([
    ['/report 31.02.2025', 'bad_date', '31.02.2025'],
    ['/report 29.02.2025-01.03.2025', 'bad_date', '29.02.2025-01.03.2025'],
    ['/report 10.10.2025-01.10.2025', 'reversed_range', '10.10.2025-01.10.2025'],
    ['/report 01.01.2024-31.12.2025', 'range_too_long', '01.01.2024-31.12.2025'],
    ['/report fortnight', 'unknown_argument', 'fortnight'],
    ['/report 2025-11-01', 'unknown_argument', '2025-11-01'],
    ['/report week month', 'duplicate_argument', 'month'],
    ['/report week 1 2', 'duplicate_argument', '2'],
  ])('%s → %s', (text, error, argument) => {
    expect(parseReportArgs(text, now, tz)).toEqual({ error, argument });
  });
});
