// Runs the browser tests: each tests/web/*.test.mjs in its own `node --test` process (each starts
// its own server), ACCORD_WEB_TEST_JOBS at a time (default 2), with each file's report printed
// whole when it ends. Node 18's runner has no --test-concurrency; this works the same on 18 and
// later. Arguments narrow the files by name: `node run.mjs flow live`.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here).filter((f) => f.endsWith('.test.mjs'))
  .filter((f) => !wanted.length || wanted.some((w) => f.includes(w)))
  // The longest first, so that two jobs end together.
  .sort((a, b) => weight(b) - weight(a) || a.localeCompare(b));
if (!files.length) {
  console.error(`run.mjs: no test file matches ${wanted.join(' ')}`);
  process.exit(2);
}
function weight(f) {
  return { 'screens.test.mjs': 5, 'flow.test.mjs': 4, 'a11y.test.mjs': 3 }[f] || 1;
}

const jobs = Math.max(1, Number(process.env.ACCORD_WEB_TEST_JOBS) || 2);
const [major, minor] = process.versions.node.split('.').map(Number);
// --test-reporter came with 18.15 and 19.6.
const reporter = major > 19 || (major === 19 && minor >= 6) || (major === 18 && minor >= 15) ? ['--test-reporter=spec'] : [];
const started = Date.now();
const results = [];
const children = new Set();

function runFile(file) {
  return new Promise((done) => {
    const t0 = Date.now();
    // In a process group of its own, so that an interrupted run stops the file's servers and
    // browser too.
    const child = spawn(process.execPath, ['--test', ...reporter, join(here, file)], { cwd: here, env: process.env, detached: true });
    children.add(child);
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('close', (code, signal) => {
      children.delete(child);
      const seconds = ((Date.now() - t0) / 1000).toFixed(1);
      const ok = code === 0;
      process.stdout.write(`\n=== ${file}: ${ok ? 'passed' : `FAILED (${signal || `exit ${code}`})`} in ${seconds} s\n${out}`);
      results.push({ file, ok, seconds });
      done();
    });
  });
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    for (const c of children) { try { process.kill(-c.pid, signal); } catch { /* gone */ } }
    process.exit(1);
  });
}

const queue = [...files];
await Promise.all(Array.from({ length: Math.min(jobs, queue.length) }, async () => {
  while (queue.length) await runFile(queue.shift());
}));

const failed = results.filter((r) => !r.ok);
console.log(`\n=== browser tests: ${results.length - failed.length} of ${results.length} files passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
for (const r of results) console.log(`    ${r.ok ? 'ok    ' : 'FAILED'} ${r.file} (${r.seconds} s)`);
process.exit(failed.length ? 1 : 0);
