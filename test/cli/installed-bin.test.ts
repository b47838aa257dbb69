import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/** The repository's tracked files (what a fresh clone holds), copied to a scratch folder without dist/ or node_modules/. */
function freshClone(): string {
  const target = mkdtempSync(join(tmpdir(), 'dealpilot-clone-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' })
    .split('\0').filter((f) => f && existsSync(f) && !f.startsWith('dist/'));
  for (const file of files) cpSync(file, join(target, file), { recursive: false, force: true, errorOnExist: false });
  return target;
}

describe('the dealpilot command right after npm ci', () => {
  const clone = freshClone();
  afterAll(() => rmSync(clone, { recursive: true, force: true }));

  it('npm ci && npx dealpilot check-config config/rules.example.yaml exits 0 (no build step)', () => {
    // What `npm ci` puts there: this checkout's node_modules, installed from the same lock file (CI runs npm ci
    // first). Linking it instead of installing again saves ~14 s of CPU per run; dist/ stays absent either way.
    symlinkSync(resolve('node_modules'), join(clone, 'node_modules'), 'dir');
    expect(existsSync(join(clone, 'dist'))).toBe(false);
    const run = spawnSync('npx', ['--no-install', 'dealpilot', 'check-config', 'config/rules.example.yaml'], {
      cwd: clone, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('config/rules.example.yaml: OK');
    const help = spawnSync('npx', ['--no-install', 'dealpilot', 'help'], { cwd: clone, encoding: 'utf8', timeout: 60_000 });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('check-config');
  }, 180_000);
});
