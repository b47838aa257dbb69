export {
  addDays, type CalendarDate, calendarDate, calendarDateAt, compareDates, daysBetween, daysInMonth, fromDayjs,
  fromDayNumber, instantAt, isLeapYear, isoWeekday, isValidCalendarDate, parseIsoDate, sameDate, toDayNumber, toIso,
} from './calendar-date.js';
export { dateFieldToCalendarDate } from './date-field.js';
export { type Dayjs, dayjs } from './dayjs.js';
export {
  calendarDaysBetween, type DayCounting, type DayPoint, daysElapsed, isWorkingDay, type WorkingCalendar,
  workingDaysBetween,
} from './working-days.js';
export {
  addWorkingHours, type DeliveryWindow, isDeliveryAllowed, nextDeliveryTime, parseHhmm, type WorkingHours,
} from './working-hours.js';
