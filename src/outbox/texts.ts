import type { Locale } from '../i18n/index.js';

/**
 * The outbox's own texts (ru default, en). Kept here rather than in src/i18n because only the outbox renders
 * them, in workers, for recipients with no chat context.
 */
interface OutboxTexts {
  digestHeader(p: { count: number }): string;
  digestPage(p: { page: number; pages: number }): string;
  unreachableNotice(p: { userId: number }): string;
}

const ru: OutboxTexts = {
  digestHeader: ({ count }) => `📋 **Уведомлений: ${count}**`,
  digestPage: ({ page, pages }) => ` · стр. ${page}/${pages}`,
  unreachableNotice: ({ userId }) =>
    `⚠️ Сотрудник Битрикс24 #${userId} заблокировал бота в Telegram. Его уведомления теперь приходят ` +
    'системными уведомлениями Битрикс24; попросите его снова открыть бота и нажать /start.',
};

const en: OutboxTexts = {
  digestHeader: ({ count }) => `📋 **Notifications: ${count}**`,
  digestPage: ({ page, pages }) => ` · page ${page}/${pages}`,
  unreachableNotice: ({ userId }) =>
    `⚠️ Bitrix24 user #${userId} blocked the bot in Telegram. Their notifications now arrive as Bitrix24 ` +
    'system notifications; ask them to open the bot again and press /start.',
};

export const outboxTexts: Record<Locale, OutboxTexts> = { ru, en };
