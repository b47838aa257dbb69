#!/usr/bin/env node
// The `dealpilot` command. A built package (npm run build, the Docker image) runs dist/; a fresh checkout after
// `npm ci` has no dist/ yet, so the TypeScript sources run through tsx (a dev dependency) instead.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/main.js', import.meta.url);
if (existsSync(fileURLToPath(built))) {
  await import(built.href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write('dealpilot: dist/ is missing and tsx is not installed. Run `npm run build`, or `npm ci` with dev dependencies.\n');
    process.exit(1);
  }
  register();
  await import(new URL('../src/main.ts', import.meta.url).href);
}
