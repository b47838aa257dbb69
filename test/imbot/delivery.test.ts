import { DEMO } from '@dealpilot/sandbox/bitrix/demo-ids';
import { imbotOf } from '@dealpilot/sandbox/bitrix/imbot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SandboxEnvironment, startSandboxEnvironment } from '../../src/demo/environment.js';
import type { NotificationIntent } from '../../src/outbox/index.js';
import { waitFor } from '../support/eventually.js';
import { testRedisUrl, uniquePrefix } from '../support/redis.js';

const UNLINKED = DEMO.users.moscowManagers[2]!;
const BLOCKED = DEMO.users.moscowManagers[3]!;
const HEAD = DEMO.users.moscowHead;
const FORMER = DEMO.users.formerManager;

function intent(recipient: number, n: number): NotificationIntent {
  return {
    recipient, kind: 'test.note', entity: { type: 'deal', id: n }, key: `test.note:${recipient}:${n}`,
    message: {
      ru: { text: `**Сделка** #${n}`, buttons: [[{ kind: 'action', text: 'Готово', data: `1|dp|${n}` }]] },
      en: { text: `**Deal** #${n}`, buttons: [[{ kind: 'action', text: 'Done', data: `1|dp|${n}` }]] },
    },
  };
}

describe('outbox delivery through the Bitrix24 chat bot', () => {
  let env: SandboxEnvironment;
  const chat = (userId: number) => imbotOf(env.bitrix.store).transcript(userId).filter((e) => e.from === 'bot');
  beforeAll(async () => {
    env = await startSandboxEnvironment({
      redisUrl: testRedisUrl(), redisPrefix: uniquePrefix('b24del'), telegramLimits: { perChatIntervalMs: 0 },
      bitrixRateLimit: { enabled: false }, extraEnv: { B24_RATE_PER_SECOND: '50', B24_RATE_BURST: '200' }, bitrixChat: true,
    });
    for (const person of [UNLINKED, BLOCKED, HEAD, FORMER]) {
      await env.app.store.setPreferences(person, { quietStart: '00:00', quietEnd: '00:00', weekendsOff: false });
    }
  });
  afterAll(() => env?.stop());

  it('a person without Telegram gets the message with its buttons in Bitrix24 chat, not as a notification', async () => {
    await env.app.outbox.enqueue(intent(UNLINKED, 1));
    const message = await waitFor(() => chat(UNLINKED).find((e) => e.text.includes('#1')), 'the Bitrix24 chat message');
    expect(message.text).toBe('[B]Сделка[/B] #1');
    expect(message.buttons.flat().map((b) => [b.text, b.params])).toEqual([['Готово', '1|dp|1']]);
    expect(env.bitrix.store.listNotifications(UNLINKED)).toHaveLength(0);
    // Later actions edit the same message: the outbox kept its reference.
    // The reference is recorded right after the send returns: wait for it rather than race it.
    const ref = await waitFor(() => env.app.outbox.findRef('test.note', { type: 'deal', id: 1 }, UNLINKED), 'the message reference');
    expect(ref).toMatchObject({ channel: 'bitrix24', chatId: String(UNLINKED), messageId: String(message.messageId) });
  });

  it('Telegram blocked: the message goes to Bitrix24 chat, the link is marked unreachable and the supervisor told once', async () => {
    const tg = env.telegramUserFor(BLOCKED);
    await env.app.store.link(BLOCKED, tg, String(tg));
    env.telegram.block(tg);
    await env.app.outbox.enqueue(intent(BLOCKED, 2));
    await waitFor(() => chat(BLOCKED).find((e) => e.text.includes('#2')), 'the fallback chat message');
    expect((await env.app.store.byBitrixUser(BLOCKED))?.unreachable).toBe(true);
    const notice = await waitFor(() => chat(HEAD).find((e) => e.text.includes(String(BLOCKED))), 'the supervisor notice');
    expect(notice).toBeDefined();
    // The next message goes straight to Bitrix24 chat.
    await env.app.outbox.enqueue(intent(BLOCKED, 3));
    await waitFor(() => chat(BLOCKED).find((e) => e.text.includes('#3')), 'the second message');
    expect(env.telegram.transcript(tg).filter((e) => e.direction === 'bot')).toHaveLength(0);
    expect(chat(HEAD).filter((e) => e.text.includes(String(BLOCKED)))).toHaveLength(1);
  });

  it('when the chat refuses the person (deactivated), a system notification carries the text instead', async () => {
    await env.app.store.setPreferences(FORMER, { channel: 'bitrix24' });
    await env.app.outbox.enqueue(intent(FORMER, 4));
    const note = await waitFor(() => env.bitrix.store.listNotifications(FORMER).find((n) => n.message.includes('#4')), 'the notification');
    expect(note.message).toContain('Сделка #4');
    expect(chat(FORMER)).toHaveLength(0);
  });

  it('a notification whose answer was lost is retried under the same TAG: the person sees it once', async () => {
    await env.app.store.setPreferences(FORMER, { channel: 'bitrix24' });
    env.bitrix.faults.loseAnswerNext('im.notify.system.add', 1);
    await env.app.outbox.enqueue(intent(FORMER, 5));
    const sends = () => env.bitrix.callLog.filter((c) => c.method === 'im.notify.system.add' && JSON.stringify(c.params).includes('#5'));
    await waitFor(() => (sends().some((c) => c.status === 200) ? true : undefined), 'the retried notification', 15_000);
    expect(sends().map((c) => c.status)).toEqual([504, 200]); // the lost one and its retry
    const shown = env.bitrix.store.listNotifications(FORMER).filter((n) => n.message.includes('#5'));
    expect(shown).toHaveLength(1);
    expect(shown[0]!.tag).toMatch(/^dp:[0-9a-f]{12}$/);
  });

  it('the scheduled poll job answers a command written in Bitrix24 chat (no linking, nobody calls poll by hand)', async () => {
    imbotOf(env.bitrix.store).personWrites(HEAD, '/help');
    const help = await waitFor(() => chat(HEAD).find((e) => e.text.includes('/report')), 'the /help answer');
    expect(help.text).toContain('Как руководитель');
    // No Telegram-only lines in Bitrix24 chat.
    expect(help.text).not.toContain('/unlink');
  });
});
