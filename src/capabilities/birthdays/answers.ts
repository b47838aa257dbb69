import type { Locale } from '../../i18n/index.js';
import { parseBirthdayText } from '../../rules/birthday/index.js';
import type { Actor } from '../chat.js';
import type { BirthdayActions } from './actions.js';
import type { BirthdayContext } from './context.js';
import { birthdayTexts } from './texts.js';
import { fullDate } from './types.js';

/**
 * The date a person types after pressing "type the date" on a manual check.
 */
export type BirthdayAnswers = ReturnType<typeof createBirthdayAnswers>;

export function createBirthdayAnswers(ctx: BirthdayContext, actions: BirthdayActions) {
  const { redis, key, today, say } = ctx;
  const { resolveCheck, loadSnapshot, replaceCheckMessage } = actions;

  async function submitTypedDate(conversation: string, actor: Actor, text: string, locale: Locale) {
    const awaitKey = key('await', conversation);
    const pending = await redis.get(awaitKey);
    if (!pending || !/^\d+$/.test(pending)) return null;
    const checkDealId = Number(pending);
    const t = birthdayTexts[locale];
    const parsed = parseBirthdayText(text, { today: today() });
    if (!parsed.ok) return { ...say(false, t.typedInvalid), checkDealId };
    const date = fullDate(parsed.date);
    if (!date) return { ...say(false, t.typedNeedsYear), checkDealId };
    const snapshot = await loadSnapshot(checkDealId);
    const outcome = await resolveCheck(checkDealId, { kind: 'typed', date }, actor, locale);
    // A wrong date keeps the question open; anything else (saved, closed meanwhile, changed) ends it.
    if (outcome.ok || outcome.message.text !== t.typedInvalid) await redis.del(awaitKey);
    if (outcome.ok && snapshot) await replaceCheckMessage(checkDealId, snapshot.recipient, outcome.message);
    return { ...outcome, checkDealId };
  }


  return { submitTypedDate };
}
