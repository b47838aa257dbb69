import type { UserPreferences } from '../identity/store.js';
import { calendarDateAt, type DeliveryWindow, isWorkingDay } from '../rules/time/index.js';
import type { HeldReason, OutboxSettings } from './types.js';

const ALL_DAYS = [1, 2, 3, 4, 5, 6, 7] as const;

/**
 * The recipient's delivery window: their own quiet hours when set, the rules file's defaults otherwise;
 * weekends and holidays off unless they turned that off — all read in the recipient's time zone (default: the
 * bot's).
 */
export function deliveryWindowFor(prefs: UserPreferences, settings: Pick<OutboxSettings, 'timezone' | 'workingHours'>, timezone?: string): DeliveryWindow {
  const hours = settings.workingHours;
  return {
    timezone: timezone ?? settings.timezone,
    quietStart: prefs.quietStart ?? hours.quietStart,
    quietEnd: prefs.quietEnd ?? hours.quietEnd,
    workingDays: prefs.weekendsOff ? hours.days : ALL_DAYS,
    holidays: prefs.weekendsOff ? hours.holidays : [],
  };
}

/** Why a message due at `at` waits: the recipient's quiet hours, or a weekend / holiday they keep free. */

export function heldReason(at: Date, window: DeliveryWindow): HeldReason {
  const day = calendarDateAt(at, window.timezone);
  return isWorkingDay(day, { days: window.workingDays, holidays: window.holidays }) ? 'quiet_hours' : 'day_off';
}
