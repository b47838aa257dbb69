#!/usr/bin/env node
// Builds the deal desk page into dist/web/desk (the server serves it from there; without a build it bundles the
// sources once at first request). Prints the bundle's size gzipped: the budget is 100 KB.
import { mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const result = await build({ entryPoints: ['web/desk/main.ts'], bundle: true, minify: true, write: false, format: 'esm', target: 'es2020' });
const js = result.outputFiles[0].contents;
mkdirSync('dist/web/desk', { recursive: true });
writeFileSync('dist/web/desk/app.js', js);
process.stdout.write(`dist/web/desk/app.js: ${js.length} bytes, ${gzipSync(js).length} gzipped\n`);
