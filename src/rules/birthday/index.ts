export { type BirthDate, birthdayInYear, nextBirthday, ageOn } from './birth-date.js';
export {
  BIRTHDAY_FORMATS, YEARLESS_FORMATS, DEFAULT_MAX_CHILD_AGE_YEARS, type BirthdayFormat, type ParseFailureReason,
  type ParseResult, type ParseContext, parseBirthdayText, formatBirthday,
} from './parse.js';
export {
  type ManualCheckReason, type NormalisationDecision, type NormalisationInput, decideBirthdayNormalisation,
} from './normalise.js';
export {
  DEFAULT_MAX_CATCH_UP_DAYS, DEFAULT_BIRTHDAY_LEAD_DAYS, type ChildBirthday, type DueBirthday, type CheckWindow,
  type BirthdaysDueInput, birthdayCheckWindow, birthdaysDue,
} from './reminders.js';
