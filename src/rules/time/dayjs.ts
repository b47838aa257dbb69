/**
 * The one configured dayjs: every module that needs time-zone arithmetic imports it from here, so the
 * plugins are registered exactly once and in the right order (timezone depends on utc).
 */
import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc.js';
import timezone from 'dayjs/plugin/timezone.js';

dayjs.extend(utc);
dayjs.extend(timezone);

export { dayjs };
export type { Dayjs } from 'dayjs';
