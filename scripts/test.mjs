#!/usr/bin/env node
// `npm test`: the type check and the test suite side by side (the suite spends most of its time waiting on
// sockets and timers, so the ~7 s check fits in its gaps). Fails when either fails; extra arguments go to vitest.
import { spawn } from 'node:child_process';

function run(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: options.capture ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let output = '';
    child.stdout?.on('data', (chunk) => { output += chunk; });
    child.stderr?.on('data', (chunk) => { output += chunk; });
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

// The server and tests, then the desk page (DOM types).
const typecheck = run('npx', ['--no-install', 'tsgo', '-p', 'tsconfig.json', '--noEmit'], { capture: true })
  .then((server) => (server.code !== 0 ? server : run('npx', ['--no-install', 'tsgo', '-p', 'web/tsconfig.json'], { capture: true })));
const tests = run('npx', ['--no-install', 'vitest', 'run', ...process.argv.slice(2)]);
const [checked, tested] = await Promise.all([typecheck, tests]);
if (checked.code !== 0) process.stderr.write(`\nType check failed:\n${checked.output}\n`);
else process.stdout.write('Type check: clean\n');
process.exit(checked.code !== 0 ? checked.code : tested.code);
