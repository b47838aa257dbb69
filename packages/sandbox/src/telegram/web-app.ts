import { createHmac, randomBytes } from 'node:crypto';
import type { SandboxUser } from './world.js';

/**
 * What a Telegram client does when it opens a Mini App: it signs the launch data with the bot's token and passes
 * it in the URL fragment (`#tgWebAppData=…&tgWebAppVersion=…&tgWebAppPlatform=…`). Signing as the Bot API docs say
 * ("Validating data received via the Mini App"): secret_key = HMAC-SHA256(key "WebAppData", bot token); hash =
 * hex HMAC-SHA256(key secret_key, data-check-string), the data-check-string being every field but `hash`, sorted
 * by key, as `key=value` lines.
 */
export interface WebAppLaunch {
  /** When the data was signed (default: the sandbox's now). */
  authDate?: Date;
  /** `start_param` (a web_app link's `startapp`); the menu button and keyboard buttons carry none. */
  startParam?: string;
  /** Sign with another token (a forged launch). */
  token?: string;
}

export function signWebAppData(fields: Record<string, string>, token: string): string {
  const checkString = Object.keys(fields).sort().map((key) => `${key}=${fields[key]}`).join('\n');
  const secret = createHmac('sha256', 'WebAppData').update(token).digest();
  const hash = createHmac('sha256', secret).update(checkString).digest('hex');
  return new URLSearchParams({ ...fields, hash }).toString();
}

/** The signed initData a client builds for this person. */
export function webAppInitData(user: SandboxUser, token: string, nowMs: number, launch: WebAppLaunch = {}): string {
  const authDate = Math.floor((launch.authDate?.getTime() ?? nowMs) / 1000);
  const userJson = JSON.stringify({
    id: user.id, first_name: user.firstName, ...(user.lastName ? { last_name: user.lastName } : {}),
    ...(user.username ? { username: user.username } : {}), language_code: user.languageCode ?? 'ru', allows_write_to_pm: true,
  });
  const fields: Record<string, string> = {
    // Each launch gets its own query_id, as in Telegram: two launches in one second are two different initData.
    user: userJson, auth_date: String(authDate), query_id: `AAH${randomBytes(12).toString('base64url')}`,
    ...(launch.startParam ? { start_param: launch.startParam } : {}),
  };
  return signWebAppData(fields, launch.token ?? token);
}

/** The URL a Telegram client loads for a Mini App: the app's own URL plus the launch parameters in the fragment. */
export function webAppLaunchUrl(appUrl: string, initData: string): string {
  const url = new URL(appUrl);
  const params = new URLSearchParams({
    tgWebAppData: initData, tgWebAppVersion: '9.1', tgWebAppPlatform: 'web',
    tgWebAppThemeParams: JSON.stringify({ bg_color: '#ffffff', text_color: '#000000', hint_color: '#707579', link_color: '#3390ec', button_color: '#3390ec', button_text_color: '#ffffff', secondary_bg_color: '#f4f4f5' }),
  });
  url.hash = params.toString();
  return url.toString();
}
