import { Composer, type Middleware } from 'grammy';
import { type Locale, t } from '../../i18n/index.js';
import type { Directory } from '../../identity/directory.js';
import type { IdentityStore } from '../../identity/store.js';
import type { Logger } from '../../infra/log.js';
import { answerPress, type BotContext } from './context.js';

export interface IdentityDeps {
  store: IdentityStore;
  directory: Directory;
  admins: readonly number[];
  log: Logger;
}

/**
 * Loads the linked, still-active Bitrix24 user into ctx.actor and the user's language into ctx.locale.
 * A user deactivated in Bitrix24 is treated as unlinked from the next directory refresh on.
 */
export function actorMiddleware(deps: IdentityDeps): Middleware<BotContext> {
  return async (ctx, next) => {
    const from = ctx.from;
    if (from) {
      const link = await deps.store.byTelegram(from.id);
      if (link) {
        const user = await deps.directory.user(link.b24UserId);
        if (user?.active) {
          ctx.actor = { b24UserId: user.id, name: user.name };
          ctx.locale = (await deps.store.getPreferences(user.id)).locale;
        }
      }
    }
    await next();
  };
}

/** Unlinked users may only use /start, /help and share their contact. */
export function accessGuard(): Middleware<BotContext> {
  const open = new Set(['/start', '/help']);
  return async (ctx, next) => {
    if (ctx.actor) return next();
    const text = ctx.message?.text ?? '';
    const command = text.startsWith('/') ? text.split(/[\s@]/)[0] : undefined;
    if ((command && open.has(command)) || ctx.message?.contact) return next();
    if (ctx.callbackQuery) {
      await answerPress(ctx, { text: t(ctx.locale, 'help.unlinked'), show_alert: true });
      return;
    }
    if (ctx.message) await ctx.reply(t(ctx.locale, 'help.unlinked'));
  };
}

async function tellDisplaced(ctx: BotContext, chatIds: string[], locale: Locale, log: Logger): Promise<void> {
  for (const chatId of chatIds) {
    try {
      await ctx.api.sendMessage(chatId, t(locale, 'link.moved_away'));
    } catch (error) {
      log.warn({ err: error }, 'could not tell the previously linked chat');
    }
  }
}

export function linkingFeature(deps: IdentityDeps): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const removeKeyboard = { reply_markup: { remove_keyboard: true as const } };

  async function completeLink(ctx: BotContext, b24UserId: number): Promise<void> {
    const user = await deps.directory.user(b24UserId);
    if (!user?.active) {
      await ctx.reply(t(ctx.locale, 'link.phone_inactive'), removeKeyboard);
      return;
    }
    const { displacedChatIds } = await deps.store.link(user.id, ctx.from!.id, String(ctx.chat!.id));
    deps.log.info({ b24UserId: user.id, telegramUserId: ctx.from!.id }, 'chat linked');
    ctx.actor = { b24UserId: user.id, name: user.name };
    await ctx.reply(t(ctx.locale, 'start.linked', { name: user.name }), removeKeyboard);
    await tellDisplaced(ctx, displacedChatIds, ctx.locale, deps.log);
  }

  composer.command('start', async (ctx, next) => {
    const payload = ctx.match.trim();
    if (payload) {
      const b24UserId = await deps.store.consumeLinkCode(payload);
      if (b24UserId === null) {
        await ctx.reply(t(ctx.locale, 'link.code_invalid'));
        return;
      }
      await completeLink(ctx, b24UserId);
      return;
    }
    if (ctx.actor) {
      await ctx.reply(t(ctx.locale, 'start.already_linked', { name: ctx.actor.name }));
      return;
    }
    await next();
  });

  composer.on('message:contact', async (ctx) => {
    const contact = ctx.message.contact;
    // Only the sender's own contact proves the phone is theirs; a forwarded card proves nothing.
    if (contact.user_id !== ctx.from.id) {
      deps.log.warn({ telegramUserId: ctx.from.id }, 'refused a contact that is not the sender\'s own');
      await ctx.reply(t(ctx.locale, 'link.not_own_contact'));
      return;
    }
    const match = await deps.directory.findByPhone(contact.phone_number);
    if (!match.ok) {
      const key = ({ invalid: 'link.phone_invalid', none: 'link.phone_none', ambiguous: 'link.phone_ambiguous',
        inactive: 'link.phone_inactive' } as const)[match.reason];
      await ctx.reply(t(ctx.locale, key), removeKeyboard);
      return;
    }
    await completeLink(ctx, match.user.id);
  });

  composer.command('unlink', async (ctx) => {
    const unlinked = await deps.store.unlinkTelegram(ctx.from!.id);
    await ctx.reply(t(ctx.locale, unlinked === null ? 'link.not_linked' : 'link.unlinked'));
  });

  return composer;
}
