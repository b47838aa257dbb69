import type { Button, ChatMessage, MessageRef } from '../../chat/message.js';
import type { Contact, Deal } from '../../crm/index.js';
import type { Locale } from '../../i18n/index.js';
import type { ActorRole, VisibleOwners as Owners } from '../../identity/org.js';
import type { DayCandidate } from '../../rules/desk/day.js';
import type { Capability } from '../capability.js';
import type { Actor } from '../chat.js';
import type { DealsState } from './state.js';

/** What a press produces, in the actor's language: a short answer and, when it changed, the new message. */
export interface ActionOutcome {
  toast: string;
  alert?: boolean;
  /** Replaces the pressed message; absent = leave it as it is. */
  message?: ChatMessage;
}

/** The answer to a free-text message: null when the chat was not waiting for one (let others handle it). */
export type TextOutcome = { reply: ChatMessage } | null;

export interface ScanSummary {
  nudges: number;
  escalations: number;
  payments: number;
  unpaidResults: number;
  approvalsSent: number;
}

export interface DealsCapability extends Capability {
  /** One pass of every deal trigger (stuck, payment, unpaid results, contract approval). */
  scan(options?: { now?: Date }): Promise<ScanSummary>;
  move(dealId: number, target: string, actor: Actor, locale: Locale, conversation: string): Promise<ActionOutcome>;
  chooseField(dealId: number, target: string, optionId: string, actor: Actor, locale: Locale, conversation: string): Promise<ActionOutcome>;
  reject(dealId: number, actor: Actor, locale: Locale): Promise<ActionOutcome>;
  reason(dealId: number, statusId: string, reasonId: string, actor: Actor, locale: Locale): Promise<ActionOutcome>;
  snooze(dealId: number, days: number, actor: Actor, locale: Locale): Promise<ActionOutcome>;
  expect(dealId: number, date: string, actor: Actor, locale: Locale): Promise<ActionOutcome>;
  paid(dealId: number, actor: Actor, locale: Locale, conversation: string): Promise<ActionOutcome>;
  sendForApproval(dealId: number, actor: Actor, locale: Locale): Promise<ActionOutcome>;
  approve(dealId: number, round: number, actor: Actor, locale: Locale): Promise<ActionOutcome>;
  /** `pressed`: the approval message, edited once the comment arrives. */
  decline(dealId: number, round: number, actor: Actor, locale: Locale, conversation: string, pressed: MessageRef | null): Promise<ActionOutcome>;
  /** A free-text message in a chat: a decline comment or a required field value, when one is awaited. */
  answerText(conversation: string, actor: Actor, text: string, locale: Locale): Promise<TextOutcome>;
  readonly state: DealsState;
  /** The deal desk's read side: My day rows, cards, search. */
  readonly desk: DealDesk;
}


export interface DealCardView {
  id: number;
  title: string;
  open: boolean;
  stage: { id: string; name: string };
  pipeline: { id: number; name: string; stages: Array<{ id: string; name: string; current: boolean }> };
  daysInStage: number | null;
  stuckDays: number | null;
  amount: string;
  paid: string;
  remaining: string;
  owner: { id: number | null; name: string };
  client: { id: number; name: string; phones: string[] } | null;
  history: Array<{ at: string; stage: string }>;
  comments: Array<{ at: string; text: string }>;
  link: string;
  /** The same buttons a chat message about this deal offers (action data goes through the action registry). */
  actions: Button[][];
}

export interface SearchHit {
  type: 'deal' | 'contact';
  id: number;
  title: string;
  subtitle: string;
}

export interface ContactCardView {
  id: number;
  name: string;
  phones: string[];
  emails: string[];
  owner: { id: number | null; name: string };
  /** The child's birthday as the fields hold it (the date field, else the text read as a date, else the text). */
  childBirthday: string | null;
  /** The client's deals the viewer may see, newest first. */
  deals: Array<{ id: number; title: string; stage: string; amount: string; open: boolean }>;
  link: string;
}

export interface BoardView {
  pipelines: Array<{ id: number; name: string }>;
  pipeline: { id: number; name: string };
  /** The pipeline's open stages in order, each with its deals (longest in stage first). */
  stages: Array<{ id: string; name: string; count: number; amount: string; deals: Array<{ id: number; title: string; owner: string; amount: string; days: number; stuck: boolean }> }>;
  /** Per manager: open deals, stuck ones, their sum. */
  managers: Array<{ id: number; name: string; open: number; stuck: number; amount: string }>;
}

/** The deal desk's read side of deals: the rows of "My day", a deal's card and search. Writes stay in the actions. */
export interface DealDesk {
  /** Open deals of these owners as "My day" candidates. */
  dayCandidates(owners: Owners, now: Date): Promise<DayCandidate[]>;
  /** `viewerRole`: how the viewer relates to the deal; an approver (not its manager) gets the pending round's buttons. */
  card(deal: Deal, locale: Locale, now: Date, viewerRole: ActorRole): Promise<DealCardView>;
  search(query: string, owners: Owners, locale: Locale): Promise<SearchHit[]>;
  /** A department's open deals in one pipeline, by stage and by manager, stuck ones marked. */
  board(owners: Owners, pipelineId: number, locale: Locale, now: Date): Promise<BoardView>;
  contactCard(contact: Contact, locale: Locale, owners: Owners, now: Date): Promise<ContactCardView>;
  readContact(id: number): Promise<Contact | null>;
  /** A fresh read; null when the deal is gone. */
  readDeal(id: number): Promise<Deal | null>;
  /** What a conversation waits to be typed, as a form input: a date, a number or text; null when nothing. */
  awaitedAnswer(conversation: string): Promise<'date' | 'number' | 'text' | null>;
}
