/**
 * Ids of the demo portal (`seed: 'demo'`), by name, so tests and the example rules file refer to the same
 * people, departments, pipelines and stages. The example rules file (config/rules.example.yaml) matches these.
 */
export const DEMO = {
  departments: {
    company: 1,
    sales: 2,
    salesMoscow: 3,
    /** Has no head: escalation passes to the head of `sales`. */
    salesRegions: 4,
    hr: 5,
    accounting: 6,
  },
  users: {
    ceo: 1,
    salesDirector: 2,
    moscowHead: 3,
    accountManager: 4,
    moscowManagers: [10, 11, 12, 13, 14],
    regionManagers: [15, 16, 17, 18, 19],
    hrHead: 20,
    hrRecruiter: 21,
    /** ACTIVE false, department salesMoscow; PERSONAL_MOBILE is the same number as user 16's. */
    formerManager: 22,
    accountant: 25,
    /** "Входящие лиды": new leads wait here for distribution. */
    intake: 99,
    /** On vacation: im.user.list.get `absent` is a date. */
    onVacation: 13,
    /** timeman.status CLOSED. */
    dayClosed: 17,
    /** timeman.status PAUSED. */
    dayPaused: 18,
    /** PERSONAL_MOBILE equals user 22's (inactive) number, written in another format. */
    sharesMobileWithInactive: 16,
    /** Users 11 and 12 have the same WORK_PHONE (an ambiguous phone). */
    sharedWorkPhone: [11, 12],
  },
  pipelines: { sales: 0, holidays: 1, birthdayCheck: 2 },
  stages: {
    sales: {
      NEW: 'NEW', PREPARATION: 'PREPARATION', UC_CONTRACT: 'UC_CONTRACT', UC_REWORK: 'UC_REWORK',
      PREPAYMENT_INVOICE: 'PREPAYMENT_INVOICE', EXECUTING: 'EXECUTING', FINAL_INVOICE: 'FINAL_INVOICE', WON: 'WON', LOSE: 'LOSE',
    },
    holidays: {
      NEW: 'C1:NEW', PREPARATION: 'C1:PREPARATION', PREPAYMENT_INVOICE: 'C1:PREPAYMENT_INVOICE', EXECUTING: 'C1:EXECUTING',
      WON: 'C1:WON', LOSE: 'C1:LOSE',
    },
    birthdayCheck: { NEW: 'C2:NEW', WON: 'C2:WON', LOSE: 'C2:LOSE' },
  },
  leadStatuses: { NEW: 'NEW', IN_PROCESS: 'IN_PROCESS', PROCESSED: 'PROCESSED', JUNK: 'JUNK', CONVERTED: 'CONVERTED' },
  sources: ['CALL', 'WEB', 'EMAIL', 'ADVERTISING', 'PARTNER', 'RECOMMENDATION', 'OTHER'],
  fields: {
    lead: {
      direction: 'UF_CRM_DIRECTION', requestType: 'UF_CRM_REQUEST_TYPE', region: 'UF_CRM_REGION',
      rejectionStatus: 'UF_CRM_REJECT_STATUS', rejectionReason: 'UF_CRM_REJECT_REASON',
    },
    deal: {
      /** Money user field: "12000|RUB". */
      paidAmount: 'UF_CRM_PAID_AMOUNT', nonStandardConditions: 'UF_CRM_NONSTD_CONDITIONS',
      rejectionStatus: 'UF_CRM_REJECT_STATUS', rejectionReason: 'UF_CRM_REJECT_REASON',
      serviceType: 'UF_CRM_SERVICE_TYPE', deliveryDate: 'UF_CRM_DELIVERY_DATE',
    },
    contact: { childBirthdayDate: 'UF_CRM_CHILD_BIRTHDAY', childBirthdayText: 'UF_CRM_CHILD_BIRTHDAY_TEXT' },
  },
  /** Contacts by the form of their child's birthday (date field / text field). */
  contacts: {
    textDotted: 1,          // "14.05.2019"
    textShortYear: 2,       // "4.5.19"
    textSlashes: 3,         // "14/05/2019"
    textIso: 4,             // "2019-05-14"
    textRuMonthYear: 5,     // "14 мая 2019"
    textRuMonthNoYear: 6,   // "14 мая"
    textMonthFirst: 7,      // "май 14"
    textWithPrefix: 8,      // "ДР 14.05.2019"
    textWithLabel: 9,       // "день рождения: 14 мая"
    textEnglish: 10,        // "May 14, 2019"
    conflicting: 11,        // date 2019-05-14, text "15.05.2019"
    unparseableWord: 12,    // "скоро"
    impossibleDate: 13,     // "31.02.2019"
    leapDay: 14,            // date 2020-02-29, text "29.02.2020"
    empty: 15,              // both empty
    dateOnly: 16,           // date 2019-05-14, no text
    dateAndText: 17,        // date 2019-05-14, text "14.05.2019"
    dateIn28Days: 18,       // birthday (date field) 28 days after the seed's "now"
    textIn28Days: 19,       // birthday (text only, DD.MM.YYYY) 28 days after "now"
    dateIn27Days: 20,
    dateIn29Days: 21,
  },
  /** Rejection reason ids written to deals in LOSE (from the example rules file). */
  rejections: [
    ['price', 'too_expensive'], ['price', 'competitor'], ['no_need', 'postponed'], ['no_need', 'cancelled'],
    ['bad_lead', 'spam'], ['bad_lead', 'no_contact'],
  ],
} as const;
