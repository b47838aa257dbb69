import { Composer } from 'grammy';
import type { Logger } from '../log.js';
import { t } from '../i18n/index.js';
import type { Directory } from '../identity/directory.js';
import { roleOnEntity, type ActorRole } from '../identity/org.js';
import { decodeCallback, type CallbackAction, type CallbackArgs } from './callback-codec.js';
import type { Actor, BotContext } from './context.js';

/** A CRM entity a button acts on. */
export interface EntityRef {
  type: 'lead' | 'deal' | 'contact';
  id: number;
}

/** Re-reads who is responsible for an entity, at press time (null: it no longer exists). */
export type OwnerLookup = (entity: EntityRef) => Promise<number | null>;

export interface ActionContext<A extends CallbackAction> {
  ctx: BotContext;
  actor: Actor;
  args: CallbackArgs<A>;
  /** How the actor relates to the entity (absent for actions on no entity, e.g. settings). */
  role?: ActorRole;
  entity?: EntityRef;
}

export interface ActionHandler<A extends CallbackAction> {
  /** The entity the press acts on; authorization checks the actor against its responsible manager. */
  entity?: (args: CallbackArgs<A>) => EntityRef;
  /** Narrow further (e.g. only supervisors may reassign). */
  allow?: (role: ActorRole) => boolean;
  handle(action: ActionContext<A>): Promise<void>;
}

export interface ActionRegistry {
  on<A extends CallbackAction>(action: A, handler: ActionHandler<A>): void;
  composer(): Composer<BotContext>;
}

export class ActionRefusedError extends Error {
  constructor(readonly reason: string) {
    super(`action refused: ${reason}`);
    this.name = 'ActionRefusedError';
  }
}

/**
 * Every button press goes through here: strict decode (malformed/unknown/old → "outdated", nothing changes),
 * the actor must be linked and active, and for entity actions the actor must be the responsible manager, a
 * supervisor above them, or an admin — checked against a fresh read of the entity. Refusals are logged.
 */
export function createActionRegistry(deps: {
  directory: Directory;
  admins: readonly number[];
  ownerOf: OwnerLookup;
  log: Logger;
  onHandled?: (action: string, seconds: number) => void;
}): ActionRegistry {
  const handlers = new Map<CallbackAction, ActionHandler<CallbackAction>>();
  return {
    on(action, handler) {
      handlers.set(action, handler as unknown as ActionHandler<CallbackAction>);
    },
    composer() {
      const composer = new Composer<BotContext>();
      composer.on('callback_query:data', async (ctx) => {
        const started = performance.now();
        const decoded = decodeCallback(ctx.callbackQuery.data);
        const handler = decoded.ok ? handlers.get(decoded.action) : undefined;
        if (!decoded.ok || !handler) {
          deps.log.info({ reason: decoded.ok ? 'no_handler' : decoded.reason, telegramUserId: ctx.from.id }, 'outdated button');
          await ctx.answerCallbackQuery({ text: t(ctx.locale, 'errors.outdated_button') });
          return;
        }
        const actor = ctx.actor;
        if (!actor) {
          await ctx.answerCallbackQuery({ text: t(ctx.locale, 'help.unlinked'), show_alert: true });
          return;
        }
        const args = decoded.args as CallbackArgs<CallbackAction>;
        const entity = handler.entity?.(args);
        let role: ActorRole | undefined;
        if (entity) {
          const owner = await deps.ownerOf(entity);
          if (owner === null) {
            await ctx.answerCallbackQuery({ text: t(ctx.locale, 'errors.outdated_button') });
            return;
          }
          const org = await deps.directory.org();
          role = roleOnEntity(org, deps.admins, actor.b24UserId, owner) ?? undefined;
          if (!role || (handler.allow && !handler.allow(role))) {
            deps.log.warn({ action: decoded.action, actor: actor.b24UserId, entity, owner }, 'refused: not allowed on this entity');
            await ctx.answerCallbackQuery({ text: t(ctx.locale, 'errors.not_allowed'), show_alert: true });
            return;
          }
        }
        try {
          await handler.handle({ ctx, actor, args, ...(role ? { role } : {}), ...(entity ? { entity } : {}) });
        } catch (error) {
          if (error instanceof ActionRefusedError) {
            deps.log.warn({ action: decoded.action, actor: actor.b24UserId, reason: error.reason }, 'action refused');
            await ctx.answerCallbackQuery({ text: t(ctx.locale, 'errors.not_allowed'), show_alert: true });
            return;
          }
          throw error;
        } finally {
          deps.onHandled?.(decoded.action, (performance.now() - started) / 1000);
        }
      });
      return composer;
    },
  };
}
