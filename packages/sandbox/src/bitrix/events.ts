/**
 * Outgoing CRM events, posted the way Bitrix24 does: `application/x-www-form-urlencoded`, PHP bracket keys
 * (`data[FIELDS][ID]=17`), `ts` in unix seconds and the outgoing-webhook `auth` block. Fire-and-forget: one
 * attempt, never retried, failures only logged.
 */
import http from 'node:http';
import https from 'node:https';
import type { SandboxLogger as Logger } from '../log.js';
import type { SandboxClock } from './clock.js';
import { buildPhpQuery } from './php-query.js';
import type { CrmEventName } from './store.js';

export interface SentEvent {
  event: CrmEventName;
  id: number;
  url: string;
  /** HTTP status of the receiver, or 0 when the POST failed. */
  status: number;
}

export interface EventAuth {
  domain: string;
  clientEndpoint: string;
  memberId: string;
}

export class EventSender {
  private target: { url: string; applicationToken: string } | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  readonly sent: SentEvent[] = [];
  private readonly handlerId = '1';

  constructor(private readonly auth: EventAuth, private readonly clock: SandboxClock, private readonly log: Logger) {}

  setHandler(url: string | null, applicationToken = ''): void {
    this.target = url ? { url, applicationToken } : null;
  }

  /** The form body of one event. */
  body(event: CrmEventName, id: number, applicationToken: string): string {
    return buildPhpQuery({
      event,
      event_handler_id: this.handlerId,
      data: { FIELDS: { ID: String(id) } },
      ts: String(Math.floor(this.clock.nowMs() / 1000)),
      auth: {
        domain: this.auth.domain,
        client_endpoint: this.auth.clientEndpoint,
        server_endpoint: 'https://oauth.bitrix.info/rest/',
        member_id: this.auth.memberId,
        application_token: applicationToken,
      },
    });
  }

  send(event: CrmEventName, id: number): void {
    const target = this.target;
    if (!target) return;
    const payload = this.body(event, id, target.applicationToken);
    const record: SentEvent = { event, id, url: target.url, status: 0 };
    this.sent.push(record);
    const done = postForm(target.url, payload, (err) => {
      this.log.warn({ event, id, err: err.message }, 'sandbox event POST failed (not retried)');
    }).then((status) => {
      record.status = status;
    });
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }

  /** Resolves when every event posted so far has been answered or failed. */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}

/**
 * One POST of a form body the way the Bitrix24 event engine sends it (also used for imbot.v2 webhook-mode
 * events, see imbot.ts). Resolves with the receiver's HTTP status, or 0 when the POST failed; never rejects.
 */
export function postForm(target: string, payload: string, onError?: (err: Error) => void): Promise<number> {
  return new Promise<number>((resolve) => {
    const url = new URL(target);
    const request = (url.protocol === 'https:' ? https : http).request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': Buffer.byteLength(payload),
        'user-agent': 'Bitrix24 Webhook Engine',
      },
      timeout: 10_000,
    }, (response) => {
      const status = response.statusCode ?? 0;
      response.resume();
      response.on('end', () => resolve(status));
      response.on('error', () => resolve(status));
    });
    request.on('timeout', () => request.destroy(new Error('event handler timed out')));
    request.on('error', (err) => {
      onError?.(err);
      resolve(0);
    });
    request.end(payload);
  });
}
