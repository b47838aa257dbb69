import type { MessageEntity } from '@grammyjs/types';
import { badRequest, cantParseEntities, Descriptions } from './errors.js';

/** Plain text plus entities, as Telegram stores a message after parsing `parse_mode`. */
export interface FormattedText {
  text: string;
  entities: MessageEntity[];
}

/**
 * Applies `parse_mode` (HTML, MarkdownV2, Markdown) the way the Bot API does; without a parse mode the
 * explicit `entities` array is kept. Errors use Telegram's "can't parse entities: …" wording with byte offsets.
 */
export function parseFormattedText(
  source: string,
  parseMode: string | undefined,
  explicitEntities?: MessageEntity[],
): FormattedText {
  if (parseMode === undefined || parseMode === '') return { text: source, entities: explicitEntities ?? [] };
  switch (parseMode.toLowerCase()) {
    case 'html':
      return parseHtml(source);
    case 'markdownv2':
      return parseMarkdownV2(source);
    case 'markdown':
      return parseLegacyMarkdown(source);
    default:
      throw badRequest(Descriptions.unsupportedParseMode);
  }
}

function byteOffset(source: string, index: number): number {
  return Buffer.byteLength(source.slice(0, index), 'utf8');
}

function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r';
}

function sortEntities(entities: MessageEntity[]): MessageEntity[] {
  return entities
    .filter((e) => e.length > 0)
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
}

// ---------------------------------------------------------------------------------------------------------
// HTML (https://core.telegram.org/bots/api#html-style)

const HTML_TAGS = new Set([
  'a', 'b', 'strong', 'i', 'em', 's', 'strike', 'del', 'u', 'ins', 'tg-spoiler', 'tg-emoji', 'span', 'pre',
  'code', 'blockquote',
]);

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

/** Decodes `&lt;`, `&gt;`, `&amp;`, `&quot;` and numeric entities; anything else stays literal, as on Telegram. */
function decodeHtmlEntity(source: string, at: number): { text: string; length: number } | undefined {
  const match = /^&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|([a-zA-Z]{2,8}));/.exec(source.slice(at, at + 12));
  if (!match) return undefined;
  const [whole, hex, dec, name] = match;
  if (name !== undefined) {
    const text = NAMED_ENTITIES[name];
    return text === undefined ? undefined : { text, length: whole.length };
  }
  const code = hex !== undefined ? parseInt(hex, 16) : parseInt(dec ?? '', 10);
  if (!Number.isFinite(code) || code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
  return { text: String.fromCodePoint(code), length: whole.length };
}

function decodeHtmlEntities(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; ) {
    const decoded = value[i] === '&' ? decodeHtmlEntity(value, i) : undefined;
    if (decoded) {
      out += decoded.text;
      i += decoded.length;
    } else {
      out += value[i];
      i += 1;
    }
  }
  return out;
}

interface OpenTag {
  name: string;
  attributes: Map<string, string>;
  start: number;
  language?: string;
}

function htmlEntityFor(tag: OpenTag, end: number): MessageEntity | undefined {
  const offset = tag.start;
  const length = end - tag.start;
  switch (tag.name) {
    case 'b':
    case 'strong':
      return { type: 'bold', offset, length };
    case 'i':
    case 'em':
      return { type: 'italic', offset, length };
    case 'u':
    case 'ins':
      return { type: 'underline', offset, length };
    case 's':
    case 'strike':
    case 'del':
      return { type: 'strikethrough', offset, length };
    case 'tg-spoiler':
    case 'span':
      return { type: 'spoiler', offset, length };
    case 'code':
      return { type: 'code', offset, length };
    case 'pre':
      return tag.language ? { type: 'pre', offset, length, language: tag.language } : { type: 'pre', offset, length };
    case 'blockquote':
      return { type: tag.attributes.has('expandable') ? 'expandable_blockquote' : 'blockquote', offset, length };
    case 'a': {
      const url = tag.attributes.get('href');
      return url ? { type: 'text_link', offset, length, url } : undefined;
    }
    case 'tg-emoji': {
      const id = tag.attributes.get('emoji-id');
      return id ? { type: 'custom_emoji', offset, length, custom_emoji_id: id } : undefined;
    }
    default:
      return undefined;
  }
}

/** Parses Telegram's HTML subset; mirrors TDLib's checks and error texts for tags, attributes and nesting. */
export function parseHtml(source: string): FormattedText {
  let out = '';
  const stack: OpenTag[] = [];
  const entities: MessageEntity[] = [];
  const n = source.length;
  const unclosedStart = (begin: number) => cantParseEntities(`Unclosed start tag at byte offset ${byteOffset(source, begin)}`);
  let i = 0;
  while (i < n) {
    const ch = source[i];
    if (ch === '&') {
      const decoded = decodeHtmlEntity(source, i);
      out += decoded ? decoded.text : '&';
      i += decoded ? decoded.length : 1;
      continue;
    }
    if (ch !== '<') {
      out += ch;
      i += 1;
      continue;
    }
    const begin = i;
    if (source[i + 1] !== '/') {
      i += 1;
      const nameStart = i;
      while (i < n && !isSpace(source[i]) && source[i] !== '>') i += 1;
      if (i >= n) throw unclosedStart(begin);
      const name = source.slice(nameStart, i).toLowerCase();
      if (!HTML_TAGS.has(name)) {
        throw cantParseEntities(`Unsupported start tag "${name}" at byte offset ${byteOffset(source, begin)}`);
      }
      const attributes = new Map<string, string>();
      for (;;) {
        while (i < n && isSpace(source[i])) i += 1;
        if (i >= n) throw unclosedStart(begin);
        if (source[i] === '>') break;
        const attrStart = i;
        while (i < n && !isSpace(source[i]) && source[i] !== '=' && source[i] !== '>') i += 1;
        const attrName = source.slice(attrStart, i).toLowerCase();
        while (i < n && isSpace(source[i])) i += 1;
        if (i >= n) throw unclosedStart(begin);
        if (source[i] !== '=') {
          if (name === 'blockquote' && attrName === 'expandable') {
            attributes.set(attrName, '');
            continue;
          }
          throw cantParseEntities(
            `Expected equal sign in declaration of an attribute of the tag "${name}" at byte offset ${byteOffset(source, begin)}`,
          );
        }
        i += 1;
        while (i < n && isSpace(source[i])) i += 1;
        if (i >= n) throw unclosedStart(begin);
        let value: string;
        const quote = source[i];
        if (quote === '"' || quote === "'") {
          i += 1;
          const valueStart = i;
          while (i < n && source[i] !== quote) i += 1;
          if (i >= n) throw unclosedStart(begin);
          value = decodeHtmlEntities(source.slice(valueStart, i));
          i += 1;
        } else {
          const valueStart = i;
          while (i < n && /[A-Za-z0-9.-]/.test(source[i] ?? '')) i += 1;
          if (i >= n) throw unclosedStart(begin);
          if (!isSpace(source[i]) && source[i] !== '>') {
            throw cantParseEntities(`Unexpected end of name token at byte offset ${byteOffset(source, i)}`);
          }
          value = source.slice(valueStart, i);
        }
        attributes.set(attrName, value);
      }
      i += 1; // '>'
      if (name === 'span' && attributes.get('class') !== 'tg-spoiler') {
        throw cantParseEntities(`Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(source, begin)}`);
      }
      stack.push({ name, attributes, start: out.length });
      continue;
    }
    if (stack.length === 0) {
      throw cantParseEntities(`Unexpected end tag at byte offset ${byteOffset(source, begin)}`);
    }
    i += 2;
    const nameStart = i;
    while (i < n && !isSpace(source[i]) && source[i] !== '>') i += 1;
    const endName = source.slice(nameStart, i).toLowerCase();
    while (i < n && isSpace(source[i])) i += 1;
    if (i >= n || source[i] !== '>') {
      throw cantParseEntities(`Unclosed end tag at byte offset ${byteOffset(source, begin)}`);
    }
    i += 1;
    const open = stack.pop() as OpenTag;
    if (endName !== '' && endName !== open.name) {
      throw cantParseEntities(
        `Unmatched end tag at byte offset ${byteOffset(source, begin)}, expected "</${open.name}>", found "</${endName}>"`,
      );
    }
    // <pre><code class="language-x">…</code></pre> is one pre entity carrying the language.
    const parent = stack[stack.length - 1];
    const languageClass = open.attributes.get('class');
    if (open.name === 'code' && parent?.name === 'pre' && languageClass?.startsWith('language-')) {
      parent.language = languageClass.slice('language-'.length);
      continue;
    }
    const entity = htmlEntityFor(open, out.length);
    if (entity) entities.push(entity);
  }
  const unclosed = stack[stack.length - 1];
  if (unclosed) throw cantParseEntities(`Can't find end tag corresponding to start tag "${unclosed.name}"`);
  return { text: out, entities: sortEntities(entities) };
}

// ---------------------------------------------------------------------------------------------------------
// MarkdownV2 (https://core.telegram.org/bots/api#markdownv2-style)

const MARKDOWN_V2_RESERVED = new Set('_*[]()~`>#+-=|{}.!'.split(''));

type MarkdownKind = 'bold' | 'italic' | 'underline' | 'strikethrough' | 'spoiler' | 'code' | 'pre' | 'text_link';

const KIND_NAMES: Record<MarkdownKind, string> = {
  bold: 'Bold', italic: 'Italic', underline: 'Underline', strikethrough: 'Strikethrough', spoiler: 'Spoiler',
  code: 'Code', pre: 'Pre', text_link: 'TextUrl',
};

interface OpenMarker {
  kind: MarkdownKind;
  start: number;
  sourceIndex: number;
  language?: string;
}

/** MarkdownV2: reserved characters must be escaped outside entities, and every entity must be closed. */
export function parseMarkdownV2(source: string): FormattedText {
  let out = '';
  const stack: OpenMarker[] = [];
  const entities: MessageEntity[] = [];
  const n = source.length;
  let quoteStart: number | undefined;
  let i = 0;
  const top = () => stack[stack.length - 1];
  const toggle = (kind: MarkdownKind, width: number) => {
    const open = top();
    if (open?.kind === kind) {
      stack.pop();
      entities.push({ type: kind, offset: open.start, length: out.length - open.start } as MessageEntity);
    } else {
      stack.push({ kind, start: out.length, sourceIndex: i });
    }
    i += width;
  };
  while (i < n) {
    const ch = source[i] as string;
    const atLineStart = i === 0 || source[i - 1] === '\n';
    if (ch === '\\' && i + 1 < n) {
      const next = source.codePointAt(i + 1) ?? 0;
      if (next > 0 && next <= 126) {
        out += source[i + 1];
        i += 2;
        continue;
      }
    }
    const inCode = top()?.kind === 'code' || top()?.kind === 'pre';
    if (inCode) {
      if (ch === '`') {
        const open = top() as OpenMarker;
        if (open.kind === 'pre' && source.startsWith('```', i)) {
          stack.pop();
          entities.push(open.language
            ? { type: 'pre', offset: open.start, length: out.length - open.start, language: open.language }
            : { type: 'pre', offset: open.start, length: out.length - open.start });
          i += 3;
          continue;
        }
        if (open.kind === 'code') {
          toggle('code', 1);
          continue;
        }
      }
      out += ch;
      i += 1;
      continue;
    }
    if (ch === '\n' && quoteStart !== undefined && source[i + 1] !== '>') {
      entities.push({ type: 'blockquote', offset: quoteStart, length: out.length - quoteStart });
      quoteStart = undefined;
    }
    if (!MARKDOWN_V2_RESERVED.has(ch)) {
      out += ch;
      i += 1;
      continue;
    }
    if (ch === '>' && atLineStart) {
      quoteStart ??= out.length;
      i += 1;
      continue;
    }
    if (ch === '*') toggle('bold', 1);
    else if (ch === '_' && source[i + 1] === '_' && top()?.kind !== 'italic') toggle('underline', 2);
    else if (ch === '_') toggle('italic', 1);
    else if (ch === '~') toggle('strikethrough', 1);
    else if (ch === '|' && source[i + 1] === '|') toggle('spoiler', 2);
    else if (ch === '`' && source.startsWith('```', i)) {
      const lineEnd = source.indexOf('\n', i + 3);
      const firstLine = lineEnd === -1 ? '' : source.slice(i + 3, lineEnd);
      const language = /^[^\s`]+$/.test(firstLine) ? firstLine : undefined;
      stack.push({ kind: 'pre', start: out.length, sourceIndex: i, ...(language ? { language } : {}) });
      i = language ? lineEnd + 1 : i + 3;
    } else if (ch === '`') toggle('code', 1);
    else if (ch === '[') {
      stack.push({ kind: 'text_link', start: out.length, sourceIndex: i });
      i += 1;
    } else if (ch === ']' && top()?.kind === 'text_link') {
      const open = stack.pop() as OpenMarker;
      if (source[i + 1] !== '(') {
        throw cantParseEntities(`Can't find end of a URL at byte offset ${byteOffset(source, i + 1)}`);
      }
      let url = '';
      let j = i + 2;
      while (j < n && source[j] !== ')') {
        if (source[j] === '\\' && j + 1 < n) j += 1;
        url += source[j];
        j += 1;
      }
      if (j >= n) throw cantParseEntities(`Can't find end of a URL at byte offset ${byteOffset(source, i + 2)}`);
      entities.push({ type: 'text_link', offset: open.start, length: out.length - open.start, url });
      i = j + 1;
    } else {
      throw cantParseEntities(`Character '${ch}' is reserved and must be escaped with the preceding '\\'`);
    }
  }
  const unclosed = top();
  if (unclosed) {
    throw cantParseEntities(
      `Can't find end of ${KIND_NAMES[unclosed.kind]} entity at byte offset ${byteOffset(source, unclosed.sourceIndex)}`,
    );
  }
  if (quoteStart !== undefined) entities.push({ type: 'blockquote', offset: quoteStart, length: out.length - quoteStart });
  return { text: out, entities: sortEntities(entities) };
}

// ---------------------------------------------------------------------------------------------------------
// Legacy Markdown (https://core.telegram.org/bots/api#markdown-style)

/** Legacy Markdown: *bold*, _italic_, `code`, ```pre```, [text](url); no nesting. */
export function parseLegacyMarkdown(source: string): FormattedText {
  let out = '';
  const entities: MessageEntity[] = [];
  const n = source.length;
  let i = 0;
  while (i < n) {
    const ch = source[i] as string;
    if (ch === '\\' && i + 1 < n && '_*`['.includes(source[i + 1] as string)) {
      out += source[i + 1];
      i += 2;
      continue;
    }
    const marker = source.startsWith('```', i) ? '```' : '*_`'.includes(ch) ? ch : ch === '[' ? '[' : undefined;
    if (!marker) {
      out += ch;
      i += 1;
      continue;
    }
    const begin = i;
    const notClosed = () =>
      cantParseEntities(`Can't find end of the entity starting at byte offset ${byteOffset(source, begin)}`);
    if (marker === '[') {
      const close = source.indexOf(']', i + 1);
      if (close === -1 || source[close + 1] !== '(') throw notClosed();
      const urlEnd = source.indexOf(')', close + 2);
      if (urlEnd === -1) throw notClosed();
      const text = source.slice(i + 1, close);
      entities.push({ type: 'text_link', offset: out.length, length: text.length, url: source.slice(close + 2, urlEnd) });
      out += text;
      i = urlEnd + 1;
      continue;
    }
    const end = source.indexOf(marker, i + marker.length);
    if (end === -1) throw notClosed();
    const inner = source.slice(i + marker.length, end);
    const type = marker === '*' ? 'bold' : marker === '_' ? 'italic' : marker === '`' ? 'code' : 'pre';
    entities.push({ type, offset: out.length, length: inner.length } as MessageEntity);
    out += inner;
    i = end + marker.length;
  }
  return { text: out, entities: sortEntities(entities) };
}
