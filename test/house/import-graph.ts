import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import ts from 'typescript';

/** One layer of the house: the path prefixes (relative to the repo) whose files belong to it. */
export interface Layer {
  name: string;
  paths: readonly string[];
}

/**
 * The layers of src/, top first (ARCHITECTURE.md draws the same picture). A file may import its own layer or any
 * layer below it, never one above.
 */
export const LAYERS: readonly Layer[] = [
  { name: 'entry', paths: ['src/main.ts', 'src/app.ts', 'src/demo.ts', 'src/demo/'] },
  { name: 'messenger glue', paths: ['src/messengers/', 'src/http/', 'src/desk/'] },
  { name: 'conversation', paths: ['src/conversation/'] },
  { name: 'capabilities', paths: ['src/capabilities/'] },
  { name: 'services', paths: ['src/crm/', 'src/outbox/', 'src/identity/', 'src/jobs/', 'src/chat/'] },
  { name: 'rules', paths: ['src/rules/'] },
  { name: 'base', paths: ['src/config/', 'src/i18n/', 'src/infra/'] },
];

/** Parts of one layer that must not know each other (one messenger's glue never reaches into the other's). */
export const APART: readonly (readonly string[])[] = [['src/messengers/telegram/', 'src/messengers/bitrix24/', 'src/desk/']];

export interface ImportEdge {
  from: string;
  to: string;
  /** A package name for imports that leave the repository. */
  external?: string;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return /\.ts$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every import (static, type-only, re-export and dynamic `import()`) of every .ts file under `dir`. */
export function importGraph(dir: string, root = process.cwd()): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of tsFiles(join(root, dir))) {
    const from = relative(root, file);
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName: spec } of info.importedFiles) {
      if (spec.startsWith('.')) {
        const to = normalize(join(dirname(from), spec)).replace(/\.js$/, '.ts');
        edges.push({ from, to });
      } else {
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        edges.push({ from, to: spec, external: name });
      }
    }
  }
  return edges;
}

export function layerOf(file: string, layers: readonly Layer[] = LAYERS): number {
  return layers.findIndex((layer) => layer.paths.some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p)));
}

/** Imports that point up a layer, cross between parts kept apart, or leave the layers altogether. */
export function layerViolations(edges: readonly ImportEdge[], layers: readonly Layer[] = LAYERS,
  apart: readonly (readonly string[])[] = APART): string[] {
  const problems: string[] = [];
  for (const { from, to, external } of edges) {
    if (external) continue;
    const own = layerOf(from, layers);
    const target = layerOf(to, layers);
    if (own < 0) problems.push(`${from}: in no layer`);
    else if (target < 0) problems.push(`${from} -> ${to}: the target is in no layer`);
    else if (target < own) problems.push(`${from} (${layers[own]!.name}) -> ${to} (${layers[target]!.name}): points up`);
    for (const group of apart) {
      const a = group.findIndex((p) => from.startsWith(p));
      const b = group.findIndex((p) => to.startsWith(p));
      if (a >= 0 && b >= 0 && a !== b) problems.push(`${from} -> ${to}: ${group[a]} and ${group[b]} are kept apart`);
    }
  }
  return [...new Set(problems)];
}

/** Files that import each other in a loop (strongly connected components of two or more files). */
export function importCircles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to, external } of edges) {
    if (external) continue;
    next.set(from, [...(next.get(from) ?? []), to]);
  }
  let index = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (node: string): void => {
    order.set(node, index);
    low.set(node, index);
    index += 1;
    stack.push(node);
    onStack.add(node);
    for (const to of next.get(node) ?? []) {
      if (!order.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(node, Math.min(low.get(node)!, order.get(to)!));
    }
    if (low.get(node) === order.get(node)) {
      const circle: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        circle.push(member);
      } while (member !== node);
      if (circle.length > 1) circles.push(circle.sort());
    }
  };
  for (const node of next.keys()) if (!order.has(node)) visit(node);
  return circles;
}
