import { describe, expect, it } from 'vitest';
import { type ImportEdge, importCircles, importGraph, layerViolations } from './import-graph.js';

const edges = importGraph('src');

describe('the house', () => {
  it('every import in src/ points down the layers (or stays in its own), and the two messengers stay apart', () => {
    expect(layerViolations(edges)).toEqual([]);
  });

  it('no files import each other in a circle, in src/ or in the sandbox package', () => {
    expect(importCircles(edges)).toEqual([]);
    expect(importCircles(importGraph('packages/sandbox/src'))).toEqual([]);
  });

  it('grammY is imported only by the Telegram glue', () => {
    const outside = edges.filter((e) => e.external && /^(grammy|@grammyjs\/)/.test(e.external) && !e.from.startsWith('src/messengers/telegram/'));
    expect(outside.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it('only the demo reaches the sandbox package (the production build leaves both out)', () => {
    const outside = edges.filter((e) => e.external === '@dealpilot/sandbox' && !/^src\/demo(\.ts|\/)/.test(e.from));
    expect(outside.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
    expect(edges.some((e) => e.external === '@dealpilot/sandbox')).toBe(true);
  });

  it('the check itself catches an upward import, a crossing between messengers and a circle', () => {
    const planted: ImportEdge[] = [
      { from: 'src/rules/deals/stuck.ts', to: 'src/capabilities/deals/index.ts' },
      { from: 'src/messengers/bitrix24/render.ts', to: 'src/messengers/telegram/render.ts' },
      { from: 'src/crm/a.ts', to: 'src/crm/b.ts' },
      { from: 'src/crm/b.ts', to: 'src/crm/a.ts' },
    ];
    expect(layerViolations(planted)).toEqual([
      'src/rules/deals/stuck.ts (rules) -> src/capabilities/deals/index.ts (capabilities): points up',
      'src/messengers/bitrix24/render.ts -> src/messengers/telegram/render.ts: src/messengers/bitrix24/ and src/messengers/telegram/ are kept apart',
    ]);
    expect(importCircles(planted)).toEqual([['src/crm/a.ts', 'src/crm/b.ts']]);
  });
});
