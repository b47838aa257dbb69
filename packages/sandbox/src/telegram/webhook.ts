import type { Update } from '@grammyjs/types';
import type { SandboxLogger as Logger } from '../log.js';
import type { TelegramSandboxLimits } from './limits.js';
import type { RawParams } from './request-body.js';
import type { SandboxWorld } from './world.js';

/**
 * Delivers queued updates to the webhook one at a time, in order (so per-chat order holds). A non-2xx answer
 * or a network error keeps the update queued and retries with a doubling, capped delay; after
 * `webhookMaxAttempts` the update is dropped. A JSON body with `method` is executed (a "webhook reply").
 */
export class WebhookDelivery {
  private running = false;
  private closed = false;
  private inFlight: AbortController | undefined;
  private wakeUp: (() => void) | undefined;
  private attempts = new Map<number, number>();

  constructor(
    private readonly world: SandboxWorld,
    private readonly limits: () => TelegramSandboxLimits,
    private readonly executeReply: (method: string, params: RawParams) => Promise<void>,
    private readonly log: Logger,
  ) {}

  /** Starts the loop if it is idle; wakes it if it is waiting out a backoff after a webhook change. */
  kick(): void {
    this.wakeUp?.();
    if (this.running || this.closed) return;
    this.running = true;
    void this.loop().finally(() => {
      this.running = false;
      // An update queued while the loop was finishing must not wait for the next one.
      if (!this.closed && this.world.webhook && this.world.pendingUpdates().length > 0) this.kick();
    });
  }

  close(): void {
    this.closed = true;
    this.inFlight?.abort();
    this.wakeUp?.();
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      const hook = this.world.webhook;
      const update = this.world.pendingUpdates()[0];
      if (!hook || !update) return;
      const delivered = await this.deliver(hook.url, hook.secretToken, update);
      if (this.closed) return;
      if (delivered) {
        this.world.confirmUpdate(update.update_id);
        this.attempts.delete(update.update_id);
        this.world.counters.webhookDeliveries += 1;
        continue;
      }
      const attempt = (this.attempts.get(update.update_id) ?? 0) + 1;
      this.attempts.set(update.update_id, attempt);
      this.world.counters.webhookFailures += 1;
      const { webhookMaxAttempts, webhookRetryBaseMs, webhookMaxBackoffMs } = this.limits();
      if (attempt >= webhookMaxAttempts) {
        this.world.confirmUpdate(update.update_id);
        this.attempts.delete(update.update_id);
        this.world.counters.webhookDropped += 1;
        this.log.warn({ updateId: update.update_id, attempt }, 'telegram sandbox: webhook update dropped');
        continue;
      }
      await this.sleep(Math.min(webhookMaxBackoffMs, webhookRetryBaseMs * 2 ** (attempt - 1)));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        done();
      };
    });
  }

  private async deliver(url: string, secretToken: string | undefined, update: Update): Promise<boolean> {
    const controller = new AbortController();
    this.inFlight = controller;
    const timer = setTimeout(() => controller.abort(), this.limits().webhookTimeoutMs);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(secretToken !== undefined ? { 'X-Telegram-Bot-Api-Secret-Token': secretToken } : {}),
        },
        body: JSON.stringify(update),
        signal: controller.signal,
      });
      const body = await response.text();
      if (response.status < 200 || response.status >= 300) {
        this.recordError(`Wrong response from the webhook: ${response.status} ${response.statusText}`.trim());
        return false;
      }
      await this.runWebhookReply(body);
      return true;
    } catch (error) {
      const aborted = controller.signal.aborted;
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      this.recordError(aborted ? 'Read timeout expired' : cause === 'ECONNREFUSED' ? 'Connection refused' : 'Connection failed');
      return false;
    } finally {
      clearTimeout(timer);
      this.inFlight = undefined;
    }
  }

  private recordError(message: string): void {
    const hook = this.world.webhook;
    if (!hook) return;
    hook.lastErrorDate = Math.floor(Date.now() / 1000);
    hook.lastErrorMessage = message;
  }

  private async runWebhookReply(body: string): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return;
    }
    if (!parsed || typeof parsed !== 'object') return;
    const { method, ...params } = parsed as Record<string, unknown>;
    if (typeof method !== 'string') return;
    try {
      await this.executeReply(method, params);
    } catch (error) {
      // Telegram gives no feedback on a failed webhook reply either.
      this.log.debug({ method, err: error }, 'telegram sandbox: webhook reply failed');
    }
  }
}
