import type { TelegramSandbox } from '@dealpilot/sandbox/telegram';

export interface ApiAnswer {
  status: number;
  body: {
    ok: boolean;
    result?: any;
    description?: string;
    error_code?: number;
    parameters?: { retry_after?: number };
  };
}

/** A raw Bot API call with a JSON body, as a client that is not grammY would make it. */
export async function api(
  sandbox: TelegramSandbox,
  method: string,
  params: Record<string, unknown> = {},
  token = sandbox.token,
): Promise<ApiAnswer> {
  const response = await fetch(`${sandbox.apiRoot}/bot${token}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(params),
  });
  return { status: response.status, body: (await response.json()) as ApiAnswer['body'] };
}
