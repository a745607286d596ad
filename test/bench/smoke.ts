/**
 * npm run bench:smoke — every benchmark (test/bench/*.bench.ts) at about 1/50 of its size, on SQLite and MariaDB, one
 * after another through its own `npm run bench:<name>`, so none can rot unnoticed. Checks the SHAPE of what each
 * prints: every figure line is present (once per database where the bench runs on both), its figures are numbers and
 * the target is printed beside it. Figures are never compared with their targets: at this size, on a shared CI
 * machine, they mean nothing; the full-size runs in docs/benchmarks.md do. Exits non-zero, saying which bench and which
 * line, when a bench crashes, hangs past the timeout, or leaves a figure out. A benchmark that changes what it prints
 * updates its entry below; a new benchmark adds one (a *.bench.ts without an entry fails the run).
 * The sizes and the expected lines are in ./smoke-shape.ts. A database named recurra_bench_smoke* is dropped first, so the
 * first bench migrates it from scratch (a migration edited in place cannot leave old triggers behind).
 * Env: BENCH_DATABASE_URL (mysql://root@127.0.0.1:3306/recurra_bench_smoke), BENCH_SMOKE_TIMEOUT (seconds per bench, 150),
 * BENCH_SMOKE_ONLY (comma-separated bench names, e.g. reconcile,invoices: only those).
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createConnection } from 'mysql2/promise';
import { BENCHES, shapeProblems, type Bench } from './smoke-shape.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/recurra_bench_smoke';
const TIMEOUT_MS = Number(process.env.BENCH_SMOKE_TIMEOUT ?? 150) * 1000;
const ONLY = process.env.BENCH_SMOKE_ONLY?.split(',').map((x) => x.trim()).filter(Boolean);
/** The running bench's process group, stopped with us on Ctrl-C. */
let running: number | undefined;
process.on('SIGINT', () => {
  if (running !== undefined) try { process.kill(-running, 'SIGKILL'); } catch { /* gone meanwhile */ }
  process.exit(130);
});

/** Drops the smoke database when it is one of ours (by name); a database given in BENCH_DATABASE_URL is left alone. */
async function dropSmokeDatabase(): Promise<void> {
  const u = new URL(DATABASE_URL.replace(/^mariadb:/, 'mysql:'));
  const db = decodeURIComponent(u.pathname.slice(1));
  if (!/^recurra_bench_smoke\w*$/.test(db)) return;
  const conn = await createConnection({
    host: u.hostname, port: u.port ? Number(u.port) : 3306, user: decodeURIComponent(u.username), password: decodeURIComponent(u.password),
  });
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${db}\``);
  } finally {
    await conn.end();
  }
}

interface Outcome { name: string; ms: number; problems: string[] }

/** The bench's environment: ours, without the caller's BENCH_* knobs (a size exported in the shell would leak in). */
function benchEnv(bench: Bench): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BENCH_')) env[k] = v;
  return { ...env, ...bench.env, BENCH_DB: 'both', BENCH_DATABASE_URL: DATABASE_URL };
}

async function run(bench: Bench): Promise<Outcome> {
  process.stdout.write(`\n=== bench:${bench.name} (${Object.entries(bench.env).map(([k, v]) => `${k}=${v}`).join(' ')})\n`);
  const t0 = performance.now();
  // Its own process group, so a hung bench is stopped with the children it started (sandboxes, bare passes).
  const child = spawn('npm', ['run', '--silent', `bench:${bench.name}`], { cwd: ROOT, env: benchEnv(bench), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  running = child.pid;
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    process.stdout.write(d);
  });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone meanwhile */ }
  }, TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  running = undefined;
  const ms = performance.now() - t0;
  const problems: string[] = [];
  if (timedOut) problems.push(`did not finish within ${TIMEOUT_MS / 1000} s (stopped)`);
  else if (code !== 0) problems.push(`exited with ${code}`);
  problems.push(...shapeProblems(bench, out));
  if (problems.length > 0 && err.trim()) {
    process.stdout.write(`--- bench:${bench.name} stderr (last lines):\n${err.trim().split('\n').slice(-15).join('\n')}\n`);
  }
  return { name: bench.name, ms, problems };
}

async function main(): Promise<void> {
  const files = readdirSync(HERE).filter((f) => f.endsWith('.bench.ts')).map((f) => f.slice(0, -'.bench.ts'.length));
  const unknown = files.filter((f) => !BENCHES.some((b) => b.name === f));
  const missing = (ONLY ?? []).filter((n) => !BENCHES.some((b) => b.name === n));
  if (missing.length > 0) throw new Error(`BENCH_SMOKE_ONLY names no benchmark: ${missing.join(', ')} (known: ${BENCHES.map((b) => b.name).join(', ')})`);
  const chosen = ONLY ? BENCHES.filter((b) => ONLY.includes(b.name)) : BENCHES;
  const u = new URL(DATABASE_URL);
  process.stdout.write(`bench:smoke: ${chosen.length} benchmarks at about 1/50 size on SQLite and MariaDB (${u.host}${u.pathname}); `
    + `load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} CPUs\n`);
  const t0 = performance.now();
  await dropSmokeDatabase().catch((err: unknown) => {
    throw new Error(`bench:smoke needs MariaDB at ${u.host}: ${(err as Error).message}`);
  });
  const outcomes: Outcome[] = [];
  for (const bench of chosen) outcomes.push(await run(bench));
  const total = performance.now() - t0;

  process.stdout.write('\n=== bench:smoke summary (shape only: figures are not compared with their targets)\n');
  for (const o of outcomes) {
    const b = BENCHES.find((x) => x.name === o.name)!;
    const lines = b.figures.length * Math.max(1, b.sections.length);
    process.stdout.write(`  bench:${o.name.padEnd(10)} ${(o.ms / 1000).toFixed(1).padStart(6)} s  ${o.problems.length === 0 ? `ok (${lines} figure lines)` : 'FAILED'}\n`);
    for (const p of o.problems) process.stdout.write(`      - ${p}\n`);
  }
  for (const f of unknown) process.stdout.write(`  test/bench/${f}.bench.ts has no entry in test/bench/smoke-shape.ts: add one (its size knobs and figure lines)\n`);
  process.stdout.write(`  total ${(total / 1000).toFixed(1)} s (aim: under 3 minutes on two cores)\n`);
  const failed = outcomes.filter((o) => o.problems.length > 0).length + unknown.length;
  if (failed > 0) {
    process.stdout.write(`bench:smoke FAILED: ${failed} problem benchmark(s) above\n`);
    process.exitCode = 1;
  }
}

await main();
