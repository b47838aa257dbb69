import type { BitrixSandbox } from '@dealpilot/sandbox/bitrix';

export const NOW = new Date('2026-03-02T09:00:00+03:00');

export interface RawResponse {
  status: number;
  body: Record<string, any>;
}

/** POST JSON the way the SDK does (telemetry query string included). */
export async function rest(sandbox: Pick<BitrixSandbox, 'webhookUrl'>, method: string, params: unknown = {}): Promise<RawResponse> {
  const response = await fetch(`${sandbox.webhookUrl}${method}?bx24_request_id=abc&bx24_sdk_ver=2.2.0&bx24_sdk_type=b24-js-sdk`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(params),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

export async function raw(url: string, init?: RequestInit): Promise<RawResponse> {
  const response = await fetch(url, init);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}
