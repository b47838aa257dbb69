import { imbotOf } from '@dealpilot/sandbox/bitrix/imbot';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDeal } from '../deals/helpers.js';
import { MANAGER, type Scenario, startScenario } from '../scenarios/environment.js';
import { launchBrowser, phonePage, screenshot, textOf } from './browser.js';

/** The ways into the desk from chat: the card button under a nudge (Telegram) and /app and card buttons in Bitrix24 chat. */
describe.each(['telegram', 'bitrix24'] as const)('opening the desk from %s', (messenger) => {
  let s: Scenario;
  let browser: Browser;
  let dealId: number;

  beforeAll(async () => {
    [s, browser] = await Promise.all([startScenario(messenger, `desk-entry`, [MANAGER]), launchBrowser()]);
    dealId = addDeal(s.env, { title: 'Поставка кабеля', stageId: 'PREPARATION', daysAgo: 9 });
    await s.env.app.capabilities.deals.scan();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.env.stop();
  });

  /** The URL a person's press on the nudge's "open card" leads to, as that messenger gives it. */
  async function cardUrl(): Promise<string> {
    const nudge = await s.chat.waitFor(MANAGER, (m) => m.text.includes('Поставка кабеля') && m.buttons.includes('📋 Открыть карточку'));
    if (messenger === 'telegram') {
      // A web_app button: the Telegram client signs the launch data itself.
      return s.env.telegram.openWebApp(s.env.telegramUserFor(MANAGER), { messageId: nudge.messageId, buttonText: '📋 Открыть карточку' });
    }
    // Bitrix24 chat: the press answers with a link that carries a fresh single-use sign-in.
    await s.chat.press(MANAGER, nudge, '📋 Открыть карточку');
    const answer = await s.chat.waitFor(MANAGER, (m) => m.messageId > nudge.messageId && m.text.includes('15 минут'));
    const entry = imbotOf(s.env.bitrix.store).transcript(MANAGER).find((e) => e.messageId === answer.messageId)!;
    return entry.buttons.flat().find((b) => b.link)!.link!;
  }

  it('the card button under a nudge opens that deal\'s card, signed in as the person', async () => {
    const url = await cardUrl();
    expect(url.startsWith(s.env.app.desk!.url()!)).toBe(true);
    const { page, problems } = await phonePage(browser, new URL(url).origin);
    await page.goto(url);
    await page.waitForSelector('#card-title');
    expect(await textOf(page, '#card-title')).toBe(`#${dealId} Поставка кабеля`);
    await screenshot(page, `card-from-${messenger}`);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('/app answers with a way into My day', async () => {
    await s.chat.write(MANAGER, '/app');
    const answer = await s.chat.waitFor(MANAGER, (m) => m.buttons.includes('📋 Мой день'));
    if (messenger === 'bitrix24') {
      const link = imbotOf(s.env.bitrix.store).transcript(MANAGER).find((e) => e.messageId === answer.messageId)!.buttons.flat()[0]!.link!;
      expect(link).toMatch(/#link=[A-Za-z0-9_-]{43}$/);
      const { page } = await phonePage(browser, new URL(link).origin);
      await page.goto(link);
      await page.waitForSelector(`[data-entity="deal:${dealId}"]`);
      await page.close();
    } else {
      expect(answer.pressable).toEqual([]); // a web_app button, not a callback
    }
  });
});
