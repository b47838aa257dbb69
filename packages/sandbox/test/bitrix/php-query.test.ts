import { buildPhpQuery, parsePhpQuery } from '@dealpilot/sandbox/bitrix/php-query';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('PHP bracket query strings', () => {
  it('parses prefixed filter keys, list appends and batch commands', () => {
    const parsed = parsePhpQuery('filter[>ID]=5&filter[@STAGE_ID][]=NEW&filter[@STAGE_ID][]=WON&select[]=ID&select[]=TITLE'
      + '&cmd[a]=crm.deal.get%3Fid%3D1&start=-1&title=a+b%20c');
    expect(parsed).toEqual({
      filter: { '>ID': '5', '@STAGE_ID': ['NEW', 'WON'] },
      select: ['ID', 'TITLE'],
      cmd: { a: 'crm.deal.get?id=1' },
      start: '-1',
      title: 'a b c',
    });
  });

  it('reads percent-encoded brackets and explicit indexes as lists', () => {
    expect(parsePhpQuery('select%5B0%5D=ID&select%5B1%5D=UF_%2A&filter%5B%21UF_X%5D=')).toEqual({
      select: ['ID', 'UF_*'], filter: { '!UF_X': '' },
    });
  });

  it('ignores prototype-polluting keys and survives malformed escapes', () => {
    const parsed = parsePhpQuery('__proto__[x]=1&a[constructor]=2&b=%E0%A4%A');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(parsed.a).toBeUndefined();
    expect(parsed.b).toBe('%E0%A4%A');
  });

  it('builds what it parses (http_build_query style, brackets encoded)', () => {
    const query = buildPhpQuery({ event: 'ONCRMLEADADD', data: { FIELDS: { ID: '17' } }, auth: { domain: 'x.ru' } });
    expect(query).toBe('event=ONCRMLEADADD&data%5BFIELDS%5D%5BID%5D=17&auth%5Bdomain%5D=x.ru');
    const key = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_>!@%=<]{0,8}$/).filter((k) => !['__proto__', 'prototype'].includes(k));
    fc.assert(fc.property(fc.dictionary(key, fc.oneof(fc.string(), fc.dictionary(key, fc.string(), { maxKeys: 3 }))), (input) => {
      const nonEmpty = Object.fromEntries(Object.entries(input).filter(([, v]) => typeof v === 'string' || Object.keys(v).length > 0));
      const expected = Object.fromEntries(Object.entries(nonEmpty).map(([k, v]) => [k, typeof v === 'string' ? v
        : Object.keys(v).length > 0 && Object.keys(v).every((kk, i) => kk === String(i)) ? Object.values(v) : v]));
      expect(parsePhpQuery(buildPhpQuery(nonEmpty))).toEqual(expected);
    }));
  });
});
