export { dayjs, type Dayjs } from './dayjs.js';
export {
  type CalendarDate, isLeapYear, daysInMonth, isValidCalendarDate, calendarDate, toDayNumber, fromDayNumber,
  compareDates, sameDate, addDays, daysBetween, isoWeekday, toIso, parseIsoDate, fromDayjs, calendarDateAt, instantAt,
} from './calendar-date.js';
export {
  type WorkingCalendar, type DayPoint, type DayCounting, isWorkingDay, calendarDaysBetween, workingDaysBetween, daysElapsed,
} from './working-days.js';
export {
  type DeliveryWindow, type WorkingHours, parseHhmm, nextDeliveryTime, isDeliveryAllowed, addWorkingHours,
} from './working-hours.js';
export { dateFieldToCalendarDate } from './date-field.js';
