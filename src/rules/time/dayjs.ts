/**
 * The one configured dayjs: every module that needs time-zone arithmetic imports it from here, so the
 * plugins are registered exactly once and in the right order (timezone depends on utc).
 */
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone.js';
import utc from 'dayjs/plugin/utc.js';

dayjs.extend(utc);
dayjs.extend(timezone);

export type { Dayjs } from 'dayjs';
export { dayjs };
