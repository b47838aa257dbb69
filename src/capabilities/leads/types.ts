import type { Button, ChatMessage } from '../../chat/message.js';
import type { Lead, TaskInput } from '../../crm/index.js';
import type { Locale } from '../../i18n/index.js';
import type { VisibleOwners as Owners } from '../../identity/org.js';
import type { NotificationIntent } from '../../outbox/types.js';
import type { DayCandidate } from '../../rules/desk/day.js';
import type { RoutingDecision } from '../../rules/routing/index.js';
import type { Capability } from '../capability.js';

export const LEADS_QUEUE = 'leads';
export const ROUTE_JOB = 'route';
export const SCAN_JOB = 'scan';
export const STUCK_JOB = 'stuck';
/** Placeholder second key of `lead.reason` meaning "a top-level status was picked; show its reasons". */
export const PICK_REASON = '_';
/** At most this many candidate buttons (Telegram keyboards get unwieldy beyond). */
export const MAX_CANDIDATES = 10;
/** A claim outlives any routing run; it also keeps a second scan from touching the lead again soon after. */
export const CLAIM_MS = 10 * 60_000;
export const DAY_MS = 86_400_000;

export type RouteResult =
  | { status: 'assigned'; leadId: number; userId: number; decision: RoutingDecision }
  /** An earlier run changed the owner but failed before the task, comment or message: this run finished them. */
  | { status: 'resumed'; leadId: number; userId: number }
  | { status: 'manual'; leadId: number; to: number; decision: RoutingDecision }
  | { status: 'skipped'; leadId: number; reason: 'claimed' | 'not_waiting' | 'not_found' };

export type FollowUpStep = 'task' | 'comment' | 'message';
/** Does the rest of an owner change (see changeOwner). */
export type FinishFollowUp = () => Promise<void>;

/** What must follow a lead's owner change, kept in Redis until done (see changeOwner). */
export interface FollowUp {
  userId: number;
  /** tasks.task.add input with the deadline as ISO text; absent for a manual-assignment hand-over. */
  task?: Omit<TaskInput, 'deadline'> & { deadline: string };
  comment: string;
  intent: NotificationIntent;
  /** When the owner change was recorded. */
  at: string;
  done: FollowUpStep[];
}

/** Long enough for every retry of the routing job; the scan finishes what is older than the sweep age. */
export const FOLLOW_UP_TTL_SECONDS = 7 * 86_400;
export const FOLLOW_UP_SWEEP_AFTER_MS = 10 * 60_000;

/** What a button press produced: a short answer for the press and, when the message should change, its new text. */
export interface ActionOutcome {
  ok: boolean;
  toast?: Record<Locale, string>;
  message?: Record<Locale, ChatMessage>;
}

export interface LeadsCapability extends Capability {
  /** Routes one lead if it is still waiting (claims it first, so concurrent callers route it once). */
  routeLead(leadId: number): Promise<RouteResult>;
  /** One tick of the scheduled scan: every waiting lead changed since the last tick is routed. */
  scanWaiting(): Promise<RouteResult[]>;
  /** Finishes owner changes whose task, comment or message a failure left undone (the scan job runs it). */
  sweepFollowUps(): Promise<number>;
  /** Leads with an open task stuck in one status too long → their manager's supervisor, once per stay. */
  checkStuckLeads(): Promise<number[]>;
  takeLead(actorId: number, leadId: number): Promise<ActionOutcome>;
  /** The two-level reject menu: no status → the statuses; a status → its concrete reasons. */
  rejectMenu(leadId: number, statusId?: string): Promise<ActionOutcome>;
  rejectLead(actorId: number, leadId: number, statusId: string, reasonId: string): Promise<ActionOutcome>;
  /** Candidate buttons to hand the lead to someone else (supervisors above the owner, the account manager, admins). */
  reassignMenu(actorId: number, leadId: number): Promise<ActionOutcome>;
  assignByHand(actorId: number, leadId: number, userId: number): Promise<ActionOutcome>;
  /** May this person hand the lead (owned by `ownerId`) to someone else? */
  mayReassign(actorId: number, ownerId: number): Promise<boolean>;
  /** The deal desk's read side: My day rows and a lead's card. */
  readonly desk: LeadDesk;
}


export interface LeadCardView {
  id: number;
  title: string;
  open: boolean;
  status: { id: string; name: string };
  owner: { id: number | null; name: string };
  /** Name, phone, e-mail of the person behind the lead. */
  contact: string;
  comment: string;
  history: Array<{ at: string; stage: string }>;
  comments: Array<{ at: string; text: string }>;
  link: string;
  actions: Button[][];
}

export interface LeadDesk {
  dayCandidates(owners: Owners, now: Date): Promise<DayCandidate[]>;
  card(lead: Lead, locale: Locale): Promise<LeadCardView>;
  readLead(id: number): Promise<Lead | null>;
  /** Leads by title (Russian word forms) or by a phone in any format, only of `owners`. */
  search(query: string, owners: Owners): Promise<Array<{ type: 'lead'; id: number; title: string; subtitle: string }>>;
}

export const both = <T>(make: (locale: Locale) => T): Record<Locale, T> => ({ ru: make('ru'), en: make('en') });
