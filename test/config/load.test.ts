import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseEnv, parseRules } from '../../src/config/load.js';

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0';

function writeTemp(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'dealpilot-config-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Twelve different faults in one file; each must be reported with its key path. */
const BROKEN = `
portal:
  timezone: Mars/Olympus
admins: [1, -5]
accountManager: "four"
pipelines:
  - id: 0
    name: Продажи
    stages:
      - { id: NEW, role: brand_new, next: [PREPARATION, NOWHERE] }
      - { id: PREPARATION, role: in_work, stuckDays: -2 }
      - { id: PREPARATION, role: won }
thresholds:
  escalationDays: [15, "thirty"]
  paymentWaitDays: 0
fields:
  paidAmount: "paid amount"
rejectionReasons:
  - id: "Price!"
    label: { ru: Цена, en: Price }
    reasons: []
routing:
  rules:
    - name: hr
      pool: { team: 5 }
workingHours:
  start: "25:00"
  days: [1, 2, 8]
schedules:
  leadScan: "every minute"
birthdays:
  enabled: true
colour: blue
`;

describe('rules file validation', () => {
  it('accepts the annotated example file', () => {
    const config = loadConfig({ BOT_CONFIG: 'config/rules.example.yaml' });
    expect(config.rules.pipelines.map((p) => p.id)).toEqual([0, 1, 2]);
    expect(config.rules.thresholds.escalationDays).toEqual([15, 30]);
    expect(config.rules.thresholds.birthdayLeadDays).toBe(28);
    expect(config.env.HTTP_PORT).toBe(3000);
    expect(config.env.BOT_TIMEZONE).toBe('Europe/Moscow');
  });

  it('reports every fault of a broken file at once, each with its key path', () => {
    const { problems } = parseRules(BROKEN, 'rules.yaml');
    const paths = problems.map((p) => p.path);
    const expected = [
      'rules.yaml:portal.timezone',
      'rules.yaml:admins[1]',
      'rules.yaml:accountManager',
      'rules.yaml:pipelines[0].stages[0].role',
      'rules.yaml:pipelines[0].stages[1].stuckDays',
      'rules.yaml:thresholds.escalationDays[1]',
      'rules.yaml:thresholds.paymentWaitDays',
      'rules.yaml:fields.paidAmount',
      'rules.yaml:rejectionReasons[0].id',
      'rules.yaml:rejectionReasons[0].reasons',
      'rules.yaml:routing.rules[0].pool',
      'rules.yaml:workingHours.start',
      'rules.yaml:workingHours.days[2]',
      'rules.yaml:schedules.leadScan',
      'rules.yaml:(root)',
    ];
    for (const path of expected) expect(paths, `missing ${path}`).toContain(path);
    expect(problems.length).toBeGreaterThanOrEqual(expected.length);
    const timezone = problems.find((p) => p.path === 'rules.yaml:portal.timezone');
    expect(timezone?.got).toBe('"Mars/Olympus"');
    expect(timezone?.message).toMatch(/IANA time zone/);
    const unknown = problems.find((p) => p.path === 'rules.yaml:(root)');
    expect(unknown?.message).toContain('"colour"');
  });

  it('reports cross-reference faults once the shapes are valid', () => {
    const text = `
accountManager: 4
pipelines:
  - id: 0
    name: Sales
    stages:
      - { id: NEW, role: new, next: [PREPARATION, NOWHERE] }
      - { id: NEW, role: won }
birthdays: { enabled: true }
routing:
  rules:
    - { name: a, pool: { users: [1] } }
    - { name: a, pool: { users: [2] } }
workingHours: { start: "18:00", end: "09:00" }
`;
    const paths = parseRules(text, 'r.yaml').problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining([
      'r.yaml:pipelines[0].stages[1].id',
      'r.yaml:pipelines[0].stages[0].next[0]',
      'r.yaml:pipelines[0].stages[0].next[1]',
      'r.yaml:birthdays.pipelineId',
      'r.yaml:birthdays.stageId',
      'r.yaml:fields.childBirthdayDate',
      'r.yaml:routing.rules[1].name',
      'r.yaml:workingHours.end',
    ]));
  });

  it('reports YAML syntax errors with a line number', () => {
    const { problems } = parseRules('admins: [1, 2\naccountManager: 4\n', 'bad.yaml');
    expect(problems[0]?.path).toMatch(/^bad\.yaml:line \d+$/);
  });
});

describe('environment validation', () => {
  it('accepts loopback http and https webhooks, refuses plain http elsewhere', () => {
    expect(parseEnv({ B24_WEBHOOK_URL: 'https://acme.bitrix24.ru/rest/1/abc123def/' }).problems).toEqual([]);
    expect(parseEnv({ B24_WEBHOOK_URL: 'http://127.0.0.1:8080/rest/1/abc123def/' }).problems).toEqual([]);
    const insecure = parseEnv({ B24_WEBHOOK_URL: 'http://acme.bitrix24.ru/rest/1/abc123def/' }).problems;
    expect(insecure.map((p) => p.path)).toEqual(['env.B24_WEBHOOK_URL']);
    expect(insecure[0]?.message).toMatch(/https/);
  });

  it('never echoes the webhook code or the bot token in a problem', () => {
    const { problems } = parseEnv({
      B24_WEBHOOK_URL: 'http://acme.bitrix24.ru/rest/7/s3cr3tc0de42/',
      TELEGRAM_BOT_TOKEN: `${TOKEN} `,
      HTTP_PORT: 'eighty',
      LOG_LEVEL: 'loud',
    });
    const text = JSON.stringify(problems);
    expect(problems.map((p) => p.path).sort()).toEqual(
      ['env.B24_WEBHOOK_URL', 'env.HTTP_PORT', 'env.LOG_LEVEL', 'env.TELEGRAM_BOT_TOKEN'].sort());
    expect(text).not.toContain('s3cr3tc0de42');
    expect(text).not.toContain('AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0');
  });

  it('combines env and rules problems in one ConfigError', () => {
    const path = writeTemp('rules.yaml', 'accountManager: 0\npipelines: []\n');
    let caught: unknown;
    try {
      loadConfig({ BOT_CONFIG: path, HTTP_PORT: '99999' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const paths = (caught as ConfigError).problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['env.HTTP_PORT', `${path}:accountManager`, `${path}:pipelines`]));
  });
});

describe('dealpilot check-config', () => {
  it('exits non-zero and prints one report naming each key path', () => {
    const path = writeTemp('broken.yaml', BROKEN);
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', 'check-config', path], {
      encoding: 'utf8', env: { PATH: process.env.PATH ?? '', TELEGRAM_BOT_TOKEN: TOKEN }, timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${path}:portal.timezone`);
    expect(run.stderr).toContain(`${path}:schedules.leadScan`);
    expect(run.stderr).toMatch(/Configuration has 1\d problems/);
    expect(run.stderr + run.stdout).not.toContain(TOKEN.split(':')[1]);
  });

  it('warns (and still exits 0) when a contract approval stage lists a forward move in next', () => {
    const path = writeTemp('approval.yaml', readFileSync('config/rules.example.yaml', 'utf8')
      .replace('next: [UC_REWORK], approvedTo: PREPAYMENT_INVOICE', 'next: [PREPAYMENT_INVOICE, UC_REWORK]'));
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', 'check-config', path], {
      encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, timeout: 20_000,
    });
    expect(run.status).toBe(0);
    expect(run.stderr).toContain(`warning: ${path}:pipelines[0].stages[2].next[0]: PREPAYMENT_INVOICE is a forward move`);
  });

  it('refuses approvedTo on a stage that is not a contract approval', () => {
    const { problems } = parseRules(readFileSync('config/rules.example.yaml', 'utf8')
      .replace('{ id: NEW, role: new, stuckDays: 2,', '{ id: NEW, role: new, stuckDays: 2, approvedTo: WON,'), 'r.yaml');
    expect(problems.map((p) => p.path)).toEqual(['r.yaml:pipelines[0].stages[0].approvedTo']);
  });

  it('exits 0 for the example file', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', 'check-config', 'config/rules.example.yaml'], {
      encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, timeout: 20_000,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('config/rules.example.yaml: OK');
  });
});
