import type { ActionHandler, ActionRegistrar, Interaction } from '../capabilities/chat.js';
import { type CallbackAction, type CallbackArgs, type DecodedCallback, decodeCallback } from '../chat/callback-codec.js';
import { asInteractive } from '../crm/priority.js';
import { t } from '../i18n/index.js';
import type { OwnerLookup } from '../identity/crm-source.js';
import type { Directory } from '../identity/directory.js';
import { type ActorRole, roleOnEntity } from '../identity/org.js';
import type { Logger } from '../infra/log.js';

export interface ActionRegistry extends ActionRegistrar {
  /** A press with raw button data (Telegram callback_data, Bitrix24 COMMAND_PARAMS). */
  dispatch(data: string, press: Interaction): Promise<void>;
  /** A press already decoded by the caller. */
  dispatchDecoded(decoded: DecodedCallback, press: Interaction): Promise<void>;
}

export class ActionRefusedError extends Error {
  constructor(readonly reason: string) {
    super(`action refused: ${reason}`);
    this.name = 'ActionRefusedError';
  }
}

/**
 * Every button press, from either messenger, goes through here: strict decode (malformed/unknown/old →
 * "outdated", nothing changes), and for entity actions the actor must be the responsible manager, a supervisor
 * above them, or an admin — checked against a fresh read of the entity. Refusals are logged and change nothing.
 */
export function createActionRegistry(deps: {
  directory: Directory;
  admins: readonly number[];
  ownerOf: OwnerLookup;
  log: Logger;
  onHandled?: (action: string, seconds: number) => void;
}): ActionRegistry {
  const handlers = new Map<CallbackAction, ActionHandler<CallbackAction>>();

  /** A press: its portal calls (the owner's fresh read, the action) take the interactive lane of the budget. */
  function dispatchDecoded(decoded: DecodedCallback, press: Interaction): Promise<void> {
    return asInteractive(() => handlePress(decoded, press));
  }

  async function handlePress(decoded: DecodedCallback, press: Interaction): Promise<void> {
    const started = performance.now();
    const handler = handlers.get(decoded.action);
    const { actor } = press;
    if (!handler) {
      deps.log.info({ reason: 'no_handler', action: decoded.action, actor: actor.b24UserId }, 'outdated button');
      await press.notify(t(press.locale, 'errors.outdated_button'));
      return;
    }
    const args = decoded.args as CallbackArgs<CallbackAction>;
    try {
      const entity = handler.entity?.(args);
      let role: ActorRole | undefined;
      if (entity) {
        const owner = await deps.ownerOf(entity);
        if (owner === null) {
          await press.notify(t(press.locale, 'errors.outdated_button'));
          return;
        }
        role = roleOnEntity(await deps.directory.org(), deps.admins, actor.b24UserId, owner) ?? undefined;
        if (!role || (handler.allow && !handler.allow(role))) {
          deps.log.warn({ action: decoded.action, actor: actor.b24UserId, channel: press.channel, entity, owner }, 'refused: not allowed on this entity');
          await press.notify(t(press.locale, 'errors.not_allowed'), { alert: true });
          return;
        }
      }
      await handler.handle({ press, actor, args, ...(role ? { role } : {}), ...(entity ? { entity } : {}) });
    } catch (error) {
      if (!(error instanceof ActionRefusedError)) throw error;
      deps.log.warn({ action: decoded.action, actor: actor.b24UserId, channel: press.channel, reason: error.reason }, 'action refused');
      await press.notify(t(press.locale, 'errors.not_allowed'), { alert: true });
    } finally {
      deps.onHandled?.(decoded.action, (performance.now() - started) / 1000);
    }
  }

  return {
    on(action, handler) {
      handlers.set(action, handler as unknown as ActionHandler<CallbackAction>);
    },
    dispatchDecoded,
    async dispatch(data, press) {
      const decoded = decodeCallback(data);
      if (!decoded.ok) {
        deps.log.info({ reason: decoded.reason, actor: press.actor.b24UserId, channel: press.channel }, 'outdated button');
        await press.notify(t(press.locale, 'errors.outdated_button'));
        return;
      }
      const { ok: _ok, ...callback } = decoded;
      await dispatchDecoded(callback as DecodedCallback, press);
    },
  };
}
