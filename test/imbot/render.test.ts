import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeCallback } from '../../src/chat/callback-codec.js';
import { actionButton, urlButton } from '../../src/chat/message.js';
import { BUTTON_COMMAND, escapeBbCode, renderBitrixBbCode, renderBitrixKeyboard } from '../../src/messengers/bitrix24/render.js';

const ZWSP = '\u200B';

describe('renderBitrixBbCode', () => {
  it('turns the neutral markup into BB-code', () => {
    expect(renderBitrixBbCode('**Лид 17** _срочно_ см. `D_10`')).toBe('[B]Лид 17[/B] [I]срочно[/I] см. [CODE]D_10[/CODE]');
    expect(renderBitrixBbCode('итог:\n```\nA  1\nB  2```')).toBe('итог:\n[CODE]A  1\nB  2[/CODE]');
  });

  it('leaves snake_case words and lone asterisks alone', () => {
    expect(renderBitrixBbCode('field UF_CRM_BIRTHDAY and 2*3')).toBe('field UF_CRM_BIRTHDAY and 2*3');
  });

  it('makes BB-code tags in CRM data inert, also inside code blocks', () => {
    const hostile = 'ООО [URL=https://evil.example]Ромашка[/URL] [send=/act 1|lt|5]жми[/send]';
    const out = renderBitrixBbCode(`**${hostile}**`);
    expect(out.startsWith('[B]')).toBe(true);
    expect(out).not.toMatch(/\[(URL|url|send)[=\]]/);
    expect(out.replaceAll(ZWSP, '')).toBe(`[B]${hostile}[/B]`);
    expect(renderBitrixBbCode('```[/CODE][B]x```')).toBe(`[CODE][${ZWSP}/CODE][${ZWSP}B]x[/CODE]`);
    expect(renderBitrixBbCode('>>цитата')).toBe(`>${ZWSP}>цитата`);
  });

  it('never lets a "[" from arbitrary text start a tag, and reads the same without the zero-width spaces', () => {
    fc.assert(fc.property(fc.string(), (text) => {
      const escaped = escapeBbCode(text);
      expect(escaped.replaceAll(ZWSP, '')).toBe(text.replaceAll(ZWSP, ''));
      for (let i = 0; i < escaped.length; i += 1) {
        if (escaped[i] === '[') expect(escaped[i + 1]).toBe(ZWSP);
      }
    }));
  });
});

describe('renderBitrixKeyboard', () => {
  it('puts action buttons on the hidden command with the codec string and rows between NEWLINE markers', () => {
    const take = encodeCallback('lead.take', 17);
    const reject = encodeCallback('lead.reject', 17);
    const keyboard = renderBitrixKeyboard({
      text: 'x',
      buttons: [[actionButton('Беру', take), actionButton('Отказ', reject)], [urlButton('Открыть', 'https://acme.bitrix24.ru/crm/lead/details/17/')]],
    }, 5001);
    expect(keyboard).toEqual({
      BOT_ID: 5001,
      BUTTONS: [
        { TEXT: 'Беру', COMMAND: BUTTON_COMMAND, COMMAND_PARAMS: '1|lt|17', BLOCK: 'Y', DISPLAY: 'LINE' },
        { TEXT: 'Отказ', COMMAND: BUTTON_COMMAND, COMMAND_PARAMS: '1|lr|17', BLOCK: 'Y', DISPLAY: 'LINE' },
        { TYPE: 'NEWLINE' },
        { TEXT: 'Открыть', LINK: 'https://acme.bitrix24.ru/crm/lead/details/17/', DISPLAY: 'LINE' },
      ],
    });
  });

  it('has no keyboard for a message without buttons or with only empty rows', () => {
    expect(renderBitrixKeyboard({ text: 'x' }, 1)).toBeUndefined();
    expect(renderBitrixKeyboard({ text: 'x', buttons: [[], []] }, 1)).toBeUndefined();
  });
});
