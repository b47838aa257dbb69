export { ageOn, type BirthDate, birthdayInYear, nextBirthday } from './birth-date.js';
export {
  decideBirthdayNormalisation, type ManualCheckReason, type NormalisationDecision, type NormalisationInput,
} from './normalise.js';
export {
  BIRTHDAY_FORMATS, type BirthdayFormat, DEFAULT_MAX_CHILD_AGE_YEARS, formatBirthday, type ParseContext,
  type ParseFailureReason, type ParseResult, parseBirthdayText, YEARLESS_FORMATS,
} from './parse.js';
export {
  type BirthdaysDueInput, birthdayCheckWindow, birthdaysDue, type CheckWindow, type ChildBirthday,
  DEFAULT_BIRTHDAY_LEAD_DAYS, DEFAULT_MAX_CATCH_UP_DAYS, type DueBirthday,
} from './reminders.js';
