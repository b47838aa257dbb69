/**
 * `npm run bench`: every benchmark in one run, figures printed as tables (ratios matter; the machine is shared).
 * Pick some with `npm run bench -- crm outbox`; each bench also runs alone (`npx tsx bench/<name>.ts`).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BENCHES: Record<string, { file: string; run: string }> = {
  crm: { file: 'crm-scan.ts', run: 'runCrmScanBench' },
  outbox: { file: 'outbox-fanout.ts', run: 'runOutboxFanoutBench' },
  report: { file: 'report.ts', run: 'runReportBench' },
  press: { file: 'press-latency.ts', run: 'runPressLatencyBench' },
  'imbot-batch': { file: 'imbot-batch.ts', run: 'runImbotBatchBench' },
  desk: { file: 'desk.ts', run: 'runDeskBench' },
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length > 0 ? wanted : Object.keys(BENCHES);
const results: Record<string, unknown> = {};
for (const name of names) {
  const bench = BENCHES[name];
  if (!bench) throw new Error(`unknown bench "${name}" (known: ${Object.keys(BENCHES).join(', ')})`);
  const path = fileURLToPath(new URL(bench.file, import.meta.url));
  if (!existsSync(path)) continue;
  const module = (await import(pathToFileURL(path).href)) as Record<string, () => Promise<Record<string, unknown>>>;
  const started = Date.now();
  process.stdout.write(`\n=== ${name} (${bench.file}) ===\n`);
  results[name] = await module[bench.run]!();
  process.stdout.write(`(${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}
process.stdout.write(`\n${JSON.stringify(results, null, 2)}\n`);
process.exit(0);
