import { BotApiError, parseFormattedText, parseHtml, parseMarkdownV2 } from '@dealpilot/sandbox/telegram';
import { describe, expect, it } from 'vitest';

function parseError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof BotApiError) return error.description;
    throw error;
  }
  throw new Error('expected a parse error');
}

describe('HTML parse mode', () => {
  it('turns nested tags into entities with UTF-16 offsets', () => {
    const { text, entities } = parseHtml('😀 <b>Жирный <i>курсив</i></b> <code>x</code>');
    expect(text).toBe('😀 Жирный курсив x');
    expect(entities).toEqual([
      { type: 'bold', offset: 3, length: 13 },
      { type: 'italic', offset: 10, length: 6 },
      { type: 'code', offset: 17, length: 1 },
    ]);
  });

  it('decodes the four named entities and numeric ones, keeping unknown ones literal', () => {
    expect(parseHtml('&lt;a&gt; &amp; &quot; &#65;&#x42; &nbsp; AT&T').text).toBe('<a> & " AB &nbsp; AT&T');
  });

  it('supports links, spoilers, expandable blockquotes and pre with a language', () => {
    const { entities } = parseHtml(
      '<a href="https://b24.example/deal/1?x=1&amp;y=2">d</a><span class="tg-spoiler">s</span>'
      + '<blockquote expandable>q</blockquote><pre><code class="language-ts">c</code></pre>',
    );
    expect(entities).toEqual([
      { type: 'text_link', offset: 0, length: 1, url: 'https://b24.example/deal/1?x=1&y=2' },
      { type: 'spoiler', offset: 1, length: 1 },
      { type: 'expandable_blockquote', offset: 2, length: 1 },
      { type: 'pre', offset: 3, length: 1, language: 'ts' },
    ]);
  });

  it('reports errors in Telegram\'s words with UTF-8 byte offsets', () => {
    const prefix = "Bad Request: can't parse entities: ";
    expect(parseError(() => parseHtml('Сумма <div>'))).toBe(`${prefix}Unsupported start tag "div" at byte offset 11`);
    expect(parseError(() => parseHtml('<b>x</i>'))).toBe(
      `${prefix}Unmatched end tag at byte offset 4, expected "</b>", found "</i>"`,
    );
    expect(parseError(() => parseHtml('x</b>'))).toBe(`${prefix}Unexpected end tag at byte offset 1`);
    expect(parseError(() => parseHtml('a <b'))).toBe(`${prefix}Unclosed start tag at byte offset 2`);
    expect(parseError(() => parseHtml('<i>x'))).toBe(`${prefix}Can't find end tag corresponding to start tag "i"`);
    expect(parseError(() => parseHtml('1 < 2'))).toBe(`${prefix}Unsupported start tag "" at byte offset 2`);
    expect(parseError(() => parseHtml('<span>x</span>'))).toBe(
      `${prefix}Tag "span" must have class "tg-spoiler" at byte offset 0`,
    );
  });
});

describe('MarkdownV2 parse mode', () => {
  it('parses bold, italic, underline, code and links, with escapes', () => {
    const { text, entities } = parseMarkdownV2('*Сделка* _42_ __u__ `a\\`b` [ссылка](https://x.example/a\\)b) 5\\.0');
    expect(text).toBe('Сделка 42 u a`b ссылка 5.0');
    expect(entities).toEqual([
      { type: 'bold', offset: 0, length: 6 },
      { type: 'italic', offset: 7, length: 2 },
      { type: 'underline', offset: 10, length: 1 },
      { type: 'code', offset: 12, length: 3 },
      { type: 'text_link', offset: 16, length: 6, url: 'https://x.example/a)b' },
    ]);
  });

  it('rejects unescaped reserved characters and unclosed entities', () => {
    expect(parseError(() => parseMarkdownV2('Итого: 5.0'))).toBe(
      "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'",
    );
    expect(parseError(() => parseMarkdownV2('*жирный'))).toBe(
      "Bad Request: can't parse entities: Can't find end of Bold entity at byte offset 0",
    );
  });
});

describe('parse_mode selection', () => {
  it('keeps explicit entities without a parse mode and rejects unknown modes', () => {
    const entities = [{ type: 'bold' as const, offset: 0, length: 1 }];
    expect(parseFormattedText('<b>', undefined, entities)).toEqual({ text: '<b>', entities });
    expect(parseFormattedText('*b*', 'Markdown').entities).toEqual([{ type: 'bold', offset: 0, length: 1 }]);
    expect(parseError(() => parseFormattedText('x', 'BBCode'))).toBe('Bad Request: unsupported parse_mode');
  });
});
