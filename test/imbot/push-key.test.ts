import { describe, expect, it } from 'vitest';
import { checkBitrixChatEvent } from '../../src/messengers/bitrix24/events.js';

const BOT = 5001;

/** A pushed keyboard press as the portal posts it (every scalar a string). */
function pushedPress(messageText: string, ts = '1795450000') {
  return {
    type: 'ONIMBOTV2COMMANDADD', ts,
    data: {
      bot: { id: String(BOT), code: 'dealpilot' },
      command: { id: '1', command: '/act', params: '1|lr|42', context: 'keyboard' },
      message: { id: '100001', text: messageText },
      chat: { dialogId: '10', type: 'private' },
      user: { id: '10', bot: '0', active: '1' },
    },
  };
}

function keyOf(raw: ReturnType<typeof pushedPress>): string {
  const checked = checkBitrixChatEvent(raw, BOT, 'webhook');
  if (!checked.ok) throw new Error('expected an accepted event');
  return checked.event.eventKey;
}

describe('the once-only key of a pushed press', () => {
  it('is the same for a replayed POST and for a double click on an unchanged message', () => {
    expect(keyOf(pushedPress('Лид #42'))).toBe(keyOf(pushedPress('Лид #42')));
  });

  it('differs when the message changed between two presses with the same data in one second (a menu\'s "Back")', () => {
    expect(keyOf(pushedPress('Лид #42'))).not.toBe(keyOf(pushedPress('Выберите причину отказа')));
  });

  it('differs a second later', () => {
    expect(keyOf(pushedPress('Лид #42', '1795450000'))).not.toBe(keyOf(pushedPress('Лид #42', '1795450001')));
  });
});
