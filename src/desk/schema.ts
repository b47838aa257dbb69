/**
 * The deal desk's API contract, shared by the server (src/desk/api.ts validates what comes in) and the page
 * (web/desk parses what comes back). zod/mini keeps the page's bundle small.
 */
import * as z from 'zod/mini';

export const signInRequest = z.union([
  z.object({ telegramInitData: z.string().check(z.minLength(1), z.maxLength(4096)) }),
  z.object({ linkToken: z.string().check(z.minLength(1), z.maxLength(128)) }),
]);

export const pressRequest = z.object({ data: z.string().check(z.minLength(1), z.maxLength(64)) });
export const answerRequest = z.object({ text: z.string().check(z.minLength(1), z.maxLength(2000)) });
/** Search text: 1–100 characters (a phone, a name, a title, an id). */
export const searchQuery = z.string().check(z.minLength(1), z.maxLength(100));
export const entityId = z.string().check(z.regex(/^\d{1,10}$/));

export const button = z.union([
  z.object({ kind: z.literal('action'), text: z.string(), data: z.string() }),
  z.object({ kind: z.literal('url'), text: z.string(), url: z.string() }),
]);
const message = z.object({ text: z.string(), buttons: z.optional(z.array(z.array(button))) });

export const signInResponse = z.object({
  session: z.string(), locale: z.enum(['ru', 'en']), name: z.string(), role: z.enum(['manager', 'head', 'admin']),
});

export const dayResponse = z.object({
  items: z.array(z.object({
    type: z.enum(['deal', 'lead']), id: z.number(), title: z.string(), reason: z.enum(['overdue', 'payment', 'approval', 'new_lead', 'open']),
    stage: z.string(), daysInStage: z.number(), overdueDays: z.optional(z.number()), amount: z.string(), owner: z.string(),
  })),
  total: z.number(),
});

export const dealCardResponse = z.object({
  id: z.number(), title: z.string(), open: z.boolean(),
  stage: z.object({ id: z.string(), name: z.string() }),
  pipeline: z.object({ id: z.number(), name: z.string(), stages: z.array(z.object({ id: z.string(), name: z.string(), current: z.boolean() })) }),
  daysInStage: z.nullable(z.number()), stuckDays: z.nullable(z.number()),
  amount: z.string(), paid: z.string(), remaining: z.string(),
  owner: z.object({ id: z.nullable(z.number()), name: z.string() }),
  client: z.nullable(z.object({ id: z.number(), name: z.string(), phones: z.array(z.string()) })),
  history: z.array(z.object({ at: z.string(), stage: z.string() })),
  comments: z.array(z.object({ at: z.string(), text: z.string() })),
  link: z.string(),
  actions: z.array(z.array(button)),
});

export const leadCardResponse = z.object({
  id: z.number(), title: z.string(), open: z.boolean(),
  status: z.object({ id: z.string(), name: z.string() }),
  owner: z.object({ id: z.nullable(z.number()), name: z.string() }),
  contact: z.string(), comment: z.string(),
  history: z.array(z.object({ at: z.string(), stage: z.string() })),
  comments: z.array(z.object({ at: z.string(), text: z.string() })),
  link: z.string(),
  actions: z.array(z.array(button)),
});

export const contactCardResponse = z.object({
  id: z.number(), name: z.string(), phones: z.array(z.string()), emails: z.array(z.string()),
  owner: z.object({ id: z.nullable(z.number()), name: z.string() }),
  childBirthday: z.nullable(z.string()),
  deals: z.array(z.object({ id: z.number(), title: z.string(), stage: z.string(), amount: z.string(), open: z.boolean() })),
  link: z.string(),
});

export const boardResponse = z.object({
  pipelines: z.array(z.object({ id: z.number(), name: z.string() })),
  pipeline: z.object({ id: z.number(), name: z.string() }),
  stages: z.array(z.object({
    id: z.string(), name: z.string(), count: z.number(), amount: z.string(),
    deals: z.array(z.object({ id: z.number(), title: z.string(), owner: z.string(), amount: z.string(), days: z.number(), stuck: z.boolean() })),
  })),
  managers: z.array(z.object({ id: z.number(), name: z.string(), open: z.number(), stuck: z.number(), amount: z.string() })),
});

export const reportPeriod = z.enum(['today', 'yesterday', 'week', 'month']);
const reportRow = z.object({
  name: z.string(), moved: z.number(), movedSum: z.string(), notMoved: z.number(), notMovedSum: z.string(), lost: z.number(), lostSum: z.string(),
});
export const reportResponse = z.object({
  period: reportPeriod, label: z.string(),
  managers: z.array(reportRow), totals: reportRow,
  funnels: z.array(z.object({ pipeline: z.string(), stages: z.array(z.object({ name: z.string(), passes: z.number(), deals: z.number() })) })),
});

export const searchResponse = z.object({
  hits: z.array(z.object({ type: z.enum(['deal', 'contact', 'lead']), id: z.number(), title: z.string(), subtitle: z.string() })),
});

/** What a press or a typed answer produced, as the chat would have shown it. */
export const outcomeResponse = z.object({
  notices: z.array(z.object({ text: z.string(), alert: z.boolean() })),
  /** The pressed message as it now reads (its buttons are the next choices, e.g. a field's options). */
  edited: z.nullable(message),
  replies: z.array(z.object({ message, expectReply: z.boolean() })),
  /** A typed answer is awaited now (a field value, a decline comment): the page shows a form with this input. */
  awaitingAnswer: z.nullable(z.enum(['date', 'number', 'text'])),
});

export const errorResponse = z.object({ error: z.string() });

export type SignInResponse = z.infer<typeof signInResponse>;
export type DayResponse = z.infer<typeof dayResponse>;
export type DealCardResponse = z.infer<typeof dealCardResponse>;
export type SearchResponse = z.infer<typeof searchResponse>;
export type LeadCardResponse = z.infer<typeof leadCardResponse>;
export type ContactCardResponse = z.infer<typeof contactCardResponse>;
export type BoardResponse = z.infer<typeof boardResponse>;
export type ReportResponse = z.infer<typeof reportResponse>;
export type OutcomeResponse = z.infer<typeof outcomeResponse>;
