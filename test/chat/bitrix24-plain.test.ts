import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bbCodeToPlainText, renderBitrixBbCode } from '../../src/messengers/bitrix24/render.js';

describe('bbCodeToPlainText', () => {
  it('gives back any text without markup, including BB-code-looking CRM text made inert by the renderer', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }).filter((s) => !/[*_`]/.test(s)), (text) => {
      expect(bbCodeToPlainText(renderBitrixBbCode(text))).toBe(text);
    }), { numRuns: 500 });
    expect(bbCodeToPlainText(renderBitrixBbCode('[URL=http://x]click[/URL]\n>>quote'))).toBe('[URL=http://x]click[/URL]\n>>quote');
  });

  it('drops the tags of the neutral markup', () => {
    expect(bbCodeToPlainText(renderBitrixBbCode('**Сделка** _важно_ `42`'))).toBe('Сделка важно 42');
  });
});
