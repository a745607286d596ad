/**
 * Import benchmark: `npm run bench:import`.
 *
 * A Pax8 sandbox (its own process, so it does not share a CPU with the importer) with 5,000 companies,
 * 100,000 subscriptions and 2,000 usage summaries with 30 days of lines. For each database (SQLite file,
 * then MariaDB at BENCH_DATABASE_URL or mysql://root@127.0.0.1:3306/recurra_bench; ./databases.ts):
 *   1. a full import of everything into an empty database;
 *   2. an unchanged re-import, counting the rows it wrote (target 0);
 *   3. a bare Pax8 client pages the same endpoints the import reads (companies, subscriptions, products,
 *      usage summaries, usage lines per day) — the floor set by the API.
 * Before them, a bare pass in a child process warms the sandbox up, and another, just before the import, is the first
 * of the two bare passes the ratio is taken against (their mean: the machine's speed drifts).
 * Peak memory is sampled during 1 and 2 only; with BENCH_DB=both the MariaDB figure follows the SQLite run in the
 * same process, so measure memory with one database per run.
 *   4. the next day's sync (the sandbox clock one day on): usage asks only for what can still change
 *      (src/imports/usage-plan.ts).
 * Prints full-import time, bare time, their ratio (target <= 1.3), re-import time and rows written, the
 * importer's peak RSS (target <= 400 MB), and the Pax8 requests of the full import and of the next day's sync per
 * entity, as the sandbox counted them (target: the next day's sync at most 12,000 at full size).
 * BENCH_RATE_LIMITED=1 adds a sync one more day on with the sandbox enforcing 1,000 requests a minute and the import
 * paced as in production: its wall time against its request floor (requests / 1,000 a minute; target <= 1.1). At full
 * size that takes about 10 minutes per database.
 *
 * Sizes: BENCH_SCALE=10k|100k|1m (subscriptions; default 100k, the sizes above; companies 1 per 20 subscriptions, usage
 * summaries 1 per 50), or each of BENCH_COMPANIES, BENCH_SUBSCRIPTIONS, BENCH_USAGE; BENCH_DB=sqlite|mariadb|both (default both).
 * Targets (issue 26): import / bare <= 1.3 at 100k, peak RSS <= 400 MB at every size, the 1m import at most 11x the 100k
 * one (BENCH_TIME_100K=seconds of a 100k run on the same database prints the multiple). Figures: docs/benchmarks.md.
 * BENCH_CONCURRENCY: Pax8 requests in flight (default 8) for both the bare client and the import.
 * BENCH_CPU_PROFILE=FILE: a CPU profile of the full import, and FILE.bare of the bare pass just before it (to compare).
 * BENCH_MEMORY_ONLY=1: only the full import and the unchanged re-import (no warm-up, no bare passes, no next day's sync);
 * prints their times, rows written, peak RSS and the time per 1,000 subscriptions (the 1m multiple with BENCH_TIME_100K):
 * the memory and time curve at sizes where the whole bench takes an hour.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MoreThanOrEqual, type DataSource } from 'typeorm';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { randomBytes } from 'node:crypto';
import { limitHeapGrowth } from '../../src/app/heap.js';
import { profiled } from './cpu-profile.js';
import { environmentNote } from './database-note.js';
import { runImport } from '../../src/imports/run-import.js';
import { carriesUsage } from '../../src/imports/usage-rules.js';
import { CARRIER_CONCURRENCY, SUMMARY_CONCURRENCY } from '../../src/imports/usage-import.js';
import { usageDates } from '../../src/imports/usage-days.js';
import { Feed, feedPool, pool } from '../../src/imports/mutex.js';
import { Pax8Client } from '../../src/pax8/client/index.js';
import { TenantService } from '../../src/tenants/service.js';
import { benchMariaDbUrl, forEachBenchDatabase } from './databases.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** BENCH_SCALE: the data set's size by its subscriptions; companies (1 per 20) and usage summaries (1 per 50) in proportion. */
const SCALES: Record<string, number> = { '10k': 10_000, '100k': 100_000, '1m': 1_000_000 };
const SCALE = (process.env.BENCH_SCALE ?? '100k').toLowerCase();
if (!(SCALE in SCALES)) throw new Error(`BENCH_SCALE must be one of ${Object.keys(SCALES).join(', ')}, got "${process.env.BENCH_SCALE}"`);
const SCALED = SCALES[SCALE]!;
/** The size as printed: the scale's name, or "custom" when a size is set on its own. */
const SIZE_NAME = process.env.BENCH_COMPANIES || process.env.BENCH_SUBSCRIPTIONS || process.env.BENCH_USAGE ? 'custom' : SCALE;
const COMPANIES = Number(process.env.BENCH_COMPANIES ?? SCALED / 20);
const SUBSCRIPTIONS = Number(process.env.BENCH_SUBSCRIPTIONS ?? SCALED);
const USAGE = Number(process.env.BENCH_USAGE ?? SCALED / 50);
/** BENCH_TIME_100K: seconds of a 100k full import on the same database and machine, to print this size's multiple of it. */
const TIME_100K = process.env.BENCH_TIME_100K ? Number(process.env.BENCH_TIME_100K) : null;
const RATIO_TARGET = 1.3;
const RSS_TARGET_MB = 400;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const MARIADB_URL = benchMariaDbUrl('recurra_bench');
/** The sandbox clock: its usage summaries cover this month, which the import reads in full (30 days). */
const SANDBOX_NOW = '2026-11-15T12:00:00Z';
const USAGE_PATTERN = 'azure plan|acronis|wasabi|amazon web services';
const CLIENT = { rateLimitPerMinute: null, concurrency: CONCURRENCY, prefetchPages: 2 } as const;
/** BENCH_CPU_PROFILE=FILE writes a CPU profile of the full import. */
const PROFILE = process.env.BENCH_CPU_PROFILE;
const RATE_LIMITED = process.env.BENCH_RATE_LIMITED === '1';
const NEXT_DAY_TARGET = 12_000;
const MEMORY_ONLY = process.env.BENCH_MEMORY_ONLY === '1';

interface Sandbox {
  child: ChildProcess;
  baseUrl: string;
  tokenUrl: string;
  adminUrl: string;
  clientId: string;
  clientSecret: string;
  audience: string;
  partnerCompanyId: string;
  /** The sandbox clock when a database's run starts (each database's run moves it on a day or two). */
  now: string;
}

async function startSandboxProcess(): Promise<Sandbox> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/recurra.js'), 'sandbox', '--port', '0', '--seed', '42',
    '--companies', String(COMPANIES), '--subscriptions', String(SUBSCRIPTIONS), '--usage-summaries', String(USAGE), '--rate-limit', 'off', '--now', SANDBOX_NOW],
  { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, RECURRA_ENV: 'test' } });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Press Ctrl-C')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`sandbox exited with ${code}: ${out}`)));
  });
  const url = (label: string) => new RegExp(`${label}\\s+(\\S+)`).exec(out)![1]!;
  const sb = { child, baseUrl: url('API base URL:'), tokenUrl: url('Token URL:'), adminUrl: url('Admin URL:'), clientId: url('Client id:'), clientSecret: 'sandbox-secret', audience: url('Audience:'), partnerCompanyId: '', now: SANDBOX_NOW };
  const state = await admin(sb, 'GET', '/state') as { partnerCompanyId: string };
  sb.partnerCompanyId = state.partnerCompanyId;
  return sb;
}

async function admin(sb: Omit<Sandbox, 'child'>, method: string, p: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${sb.adminUrl}${p}`, {
    method, headers: { 'content-type': 'application/json', 'x-sandbox-client-id': sb.clientId, 'x-sandbox-client-secret': sb.clientSecret },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`sandbox admin ${method} ${p}: ${res.status} ${await res.text()}`);
  return res.json();
}

type Kinds = Record<string, number>;
const requestsByKind = async (sb: Sandbox): Promise<Kinds> => ((await admin(sb, 'GET', '/stats')) as { requestsByKind: Kinds }).requestsByKind;
/** The requests the sandbox has answered 429 for its rate limit. */
const rateLimited = async (sb: Sandbox): Promise<number> => ((await admin(sb, 'GET', '/stats')) as { rateLimited: number }).rateLimited;

/** The requests the sandbox answered between two of its counts, per import entity (as `requestKind` names them). */
function requestsLine(before: Kinds, after: Kinds): { text: string; total: number } {
  const n = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
  const total = Object.keys(after).reduce((t, k) => t + n(k), 0);
  const usage = n('usage-summaries') + n('usage-lines');
  return {
    total,
    text: `customers ${n('companies')}, subscriptions ${n('subscriptions') + n('products')}, usage ${usage} (summary listings ${n('usage-summaries')}, `
      + `lines ${n('usage-lines')}); total ${total} (tokens ${n('token')})`,
  };
}

class PeakMemory {
  peak = 0;
  heapPeak = 0;
  private timer = setInterval(() => this.sample(), 250);
  private samples = 0;
  sample(): void {
    // Every 250 ms: at every 50 ms the sampler (rss() reads /proc) took 0.8 s of a 78 s import's CPU, charged to the
    // import alone. The full memoryUsage() (heap statistics) is taken every fifth sample.
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
    if (this.samples++ % 5 === 0) this.heapPeak = Math.max(this.heapPeak, process.memoryUsage().heapUsed);
  }
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }
}

interface BarePass {
  ms: number;
  steps: string;
  requests: number;
}

/** Pages every endpoint the import reads, doing nothing with the records. */
async function bareClientPass(sb: Omit<Sandbox, 'child'>): Promise<BarePass> {
  const client = new Pax8Client({ tenantId: 'bench', tenantName: 'bench', clientId: sb.clientId, clientSecret: sb.clientSecret, apiBaseUrl: sb.baseUrl, tokenUrl: sb.tokenUrl, audience: sb.audience, ...CLIENT });
  const t0 = performance.now();
  let requests = 0;
  let records = 0;
  for await (const _ of client.companies()) records++;
  const tCompanies = performance.now() - t0;
  // As the import does: each usage-carrying subscription's usage is paged as soon as the listing finds it.
  const dates = usageDates(new Date(sb.now));
  const carriers = new Feed<string>();
  const usage = feedPool(carriers, CARRIER_CONCURRENCY, async (subId) => {
    const summaries: string[] = [];
    for await (const item of client.usageSummaries(subId)) if (item.record) summaries.push(item.record.id);
    requests++;
    await pool(summaries, SUMMARY_CONCURRENCY, async (sid) => {
      const days = await client.usageLinesOfDays(sid, dates);
      for (const items of days) records += items.length;
      requests += days.length;
    });
  });
  usage.catch(() => undefined); // awaited below
  const vendor = new Map<string, Promise<string | null>>();
  for await (const item of client.subscriptions()) {
    if (!item.record) continue;
    const s = item.record;
    let v = vendor.get(s.productId);
    if (!v) {
      v = client.product(s.productId).then((p) => p.vendorName ?? null);
      vendor.set(s.productId, v);
      requests++;
    }
    if (carriesUsage(USAGE_PATTERN, s.productName, await v)) carriers.push(s.id);
  }
  carriers.close();
  const tSubscriptions = performance.now() - t0;
  await usage;
  const ms = performance.now() - t0;
  return { ms, steps: `companies ${fmt(tCompanies)}, subscriptions ${fmt(tSubscriptions - tCompanies)}, usage after them ${fmt(ms - tSubscriptions)}`, requests: requests + Math.ceil(COMPANIES / 200) + Math.ceil(SUBSCRIPTIONS / 200) };
}

const TABLES = ['customers', 'pax8_companies', 'customer_mappings', 'products', 'subscriptions', 'subscription_changes', 'usage_summaries', 'usage_monthly_charges', 'usage_lines'];

async function tableState(ds: DataSource): Promise<Map<string, number>> {
  const m = new Map<string, number>();
  for (const t of TABLES) m.set(t, Number(((await ds.query(`SELECT COUNT(*) AS n FROM ${t}`)) as Array<{ n: number | string }>)[0]!.n));
  return m;
}

/** Rows inserted (count growth) plus rows updated (updatedAt at or after `since`) across the import's tables. */
async function rowsWritten(ds: DataSource, before: Map<string, number>, since: Date): Promise<number> {
  const after = await tableState(ds);
  let n = 0;
  for (const t of TABLES) {
    n += after.get(t)! - before.get(t)!;
    const target = ds.entityMetadatas.find((m) => m.tableName === t)!.target;
    n += await ds.getRepository(target).count({ where: { updatedAt: MoreThanOrEqual(since) } });
  }
  return n;
}

/** CPU time (ms, user + system, all its threads) a process has used so far, from /proc (null where there is none). */
function processCpuMs(pid: number | undefined): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

/** The local MariaDB/MySQL server's process id, when it runs on this machine (its CPU is printed with each pass). */
function databaseServerPid(): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (/^(mariadbd|mysqld)$/.test(readFileSync(`/proc/${entry}/comm`, 'utf8').trim())) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/**
 * Over one pass: the benchmark process's CPU time (user + system; for the import, its Pax8 client thread's too), V8's
 * garbage-collection pauses on the main thread, the sandbox's CPU time and, for MariaDB, the database server's. A bare
 * pass whose CPU is close to its wall time is bound by its one core; the passes share the machine's cores with the
 * sandbox and the database server.
 */
class ProcessCost {
  private cpu = process.cpuUsage();
  private sandboxStart: number | null;
  private serverStart: number | null;
  private gcMs = 0;
  private observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) this.gcMs += e.duration;
  });
  constructor(private sandboxPid: number | undefined, private serverPid?: number) {
    this.observer.observe({ entryTypes: ['gc'] });
    this.sandboxStart = processCpuMs(sandboxPid);
    this.serverStart = processCpuMs(serverPid);
  }
  stop(): string {
    this.observer.disconnect();
    const c = process.cpuUsage(this.cpu);
    const other = (label: string, pid: number | undefined, start: number | null) => {
      const end = processCpuMs(pid);
      return end === null || start === null ? '' : `; ${label} CPU ${fmt(end - start)}`;
    };
    return `CPU: importer ${fmt((c.user + c.system) / 1000)} (GC ${fmt(this.gcMs)})${other('sandbox', this.sandboxPid, this.sandboxStart)}`
      + other('database server', this.serverPid, this.serverStart);
  }
}

function fmt(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

async function benchOne(label: string, ds: DataSource, sb: Sandbox): Promise<void> {
  // Only a server on this machine shares its cores (and only then is a local mariadbd the one the import writes to).
  const serverPid = ds.options.type !== 'better-sqlite3' && ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(MARIADB_URL).hostname) ? databaseServerPid() : undefined;
  const secrets = new SecretBox(randomBytes(32));
  const tenant = await new TenantService(ds, secrets).create({
    name: 'bench', clientId: sb.clientId, clientSecret: sb.clientSecret, apiUrl: sb.baseUrl, tokenUrl: sb.tokenUrl, audience: sb.audience,
    settings: { imports: { importInactiveCompanies: true, includeOwnCompany: true, ownCompanyPax8Id: sb.partnerCompanyId, usageProductPattern: USAGE_PATTERN, productImportMode: 'products' } },
  });
  /** Each step's end, as time since the run started (printed next to the bare pass's). */
  const steps = new Map<string, string>();
  const run = (startedBy: string, now = sb.now, client: typeof CLIENT | { rateLimitPerMinute: number; concurrency: number; prefetchPages: number } = CLIENT) => {
    const t0 = performance.now();
    let last = t0;
    const ends: string[] = [];
    return runImport({ ds, secrets }, {
      tenantId: tenant.id, trigger: 'cli', startedBy, now: new Date(now), client,
      onProgress: (e) => {
        if (e.total !== undefined) {
          const now = performance.now();
          ends.push(`${e.entity === 'usage' ? 'usage after them' : e.entity} ${fmt(now - last)}`);
          last = now;
          steps.set(startedBy, ends.join(', '));
        }
        if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K  ${label} ${startedBy}: ${e.entity} ${e.done}`);
        else if (e.total !== undefined) process.stderr.write(`  ${label} ${startedBy}: ${e.entity} ${e.done} done\n`);
      },
    });
  };

  // The machine's speed drifts by up to ±20 % over minutes (the same bare pass took 34–48 s of CPU), so the floor
  // is measured on both sides of the import: in a child process just before it (a bare pass in this process left a
  // few hundred MB of RSS behind that the import was charged with), and in this process after it.
  const bareBefore = MEMORY_ONLY ? null : await childBarePass(sb);
  const mem = new PeakMemory();
  const fullCost = new ProcessCost(sb.child.pid, serverPid);
  const fullRequests = await requestsByKind(sb);
  const t1 = performance.now();
  const full = PROFILE ? await profiled(PROFILE, () => run('bench:full')) : await run('bench:full');
  const fullMs = performance.now() - t1;
  const fullCpu = fullCost.stop();
  const fullCounted = requestsLine(fullRequests, await requestsByKind(sb));
  const before = await tableState(ds);
  const since = new Date();
  const t2 = performance.now();
  const again = await run('bench:reimport');
  const reMs = performance.now() - t2;
  const peak = mem.stop();
  const written = await rowsWritten(ds, before, since);
  // The lines both outputs print (the memory-only run for the sizes where the whole bench takes an hour).
  const fullLine = `  full import:            ${fmt(fullMs)} (${steps.get('bench:full')}); ${fullCpu}`;
  const reimportLine = `  unchanged re-import:    ${fmt(reMs)} (${steps.get('bench:reimport')}), rows written ${written} (target 0); status ${again.status}`;
  const peakLine = `  peak memory (RSS):      ${(peak / 1024 / 1024).toFixed(0)} MB (target <= ${RSS_TARGET_MB} MB at every size; JS heap peak ${(mem.heapPeak / 1024 / 1024).toFixed(0)} MB)`;
  const scaleLine = `  ${`scale ${SIZE_NAME}:`.padEnd(24)}full import ${fmt(fullMs)} for ${SUBSCRIPTIONS} subscriptions, ${(fullMs / (SUBSCRIPTIONS / 1000)).toFixed(0)} ms per 1,000 `
    + `(target: 1m at most 11x the 100k time${TIME_100K === null ? '; set BENCH_TIME_100K to print the multiple' : `; ${(fullMs / 1000 / TIME_100K).toFixed(2)}x the 100k time of ${TIME_100K} s`})`;
  if (!bareBefore) {
    process.stdout.write([
      `${label} (BENCH_MEMORY_ONLY: no bare passes, no next day's sync):`,
      `  imported: ${full.counts.subscriptions?.created ?? 0} subscriptions; status ${full.status}`,
      fullLine, reimportLine, peakLine, scaleLine,
      `  ${await environmentNote(ds)}`,
      '',
    ].join('\n'));
    return;
  }
  const bareCost = new ProcessCost(sb.child.pid, serverPid);
  const bare = await bareClientPass(sb);
  const bareCpu = bareCost.stop();
  process.stderr.write(`  ${label}: bare client pass ${fmt(bare.ms)}\n`);
  // The next day: the sandbox's running totals move on a day (and revise the days it revises late).
  const nextDay = new Date(Date.parse(sb.now) + 86_400_000).toISOString();
  await admin(sb, 'POST', '/clock/advance', { to: nextDay });
  const nextBefore = await tableState(ds);
  const nextSince = new Date();
  const nextRequests = await requestsByKind(sb);
  const t3 = performance.now();
  const next = await run('bench:next-day', nextDay);
  const nextMs = performance.now() - t3;
  const nextCounted = requestsLine(nextRequests, await requestsByKind(sb));
  const nextWritten = await rowsWritten(ds, nextBefore, nextSince);
  let limited: string | null = null;
  if (RATE_LIMITED) {
    // One day more, Pax8's limit enforced by the sandbox and the import paced as in production (its client and the
    // tenant's request budget on the database).
    const day = new Date(Date.parse(nextDay) + 86_400_000).toISOString();
    await admin(sb, 'POST', '/clock/advance', { to: day });
    await admin(sb, 'PUT', '/rate-limit', { perMinute: 1000 });
    const r0 = await requestsByKind(sb);
    const refused0 = await rateLimited(sb);
    const t4 = performance.now();
    const paced = await run('bench:rate-limited', day, { rateLimitPerMinute: 1000, concurrency: CONCURRENCY, prefetchPages: 2 });
    const wall = performance.now() - t4;
    await admin(sb, 'PUT', '/rate-limit', { perMinute: null });
    const counted = requestsLine(r0, await requestsByKind(sb));
    const floor = (counted.total / 1000) * 60_000;
    limited = `  next day's sync at 1,000 requests/min: wall ${fmt(wall)}, floor ${fmt(floor)} (${counted.total} requests at 1,000 a minute), `
      + `wall/floor ${(wall / floor).toFixed(3)} (target <= 1.1); ${(await rateLimited(sb)) - refused0} x 429; status ${paced.status}`;
  }
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  const c = full.counts;
  process.stdout.write([
    `${label}:`,
    `  imported: ${c.customers?.created ?? 0} customers, ${c.subscriptions?.created ?? 0} subscriptions, ${c.products?.created ?? 0} products, ${c.usage?.created ?? 0} usage summaries (${[...before.entries()].map(([t, n]) => `${t} ${n}`).join(', ')}); status ${full.status}`,
    fullLine,
    `  bare client, same endpoints: before the import ${fmt(bareBefore.ms)} (${bareBefore.steps}); after it ${fmt(bare.ms)} (${bare.requests} requests; ${bare.steps}); ${bareCpu}`,
    `  ratio:                  ${(fullMs / ((bareBefore.ms + bare.ms) / 2)).toFixed(2)} against their mean (target <= ${RATIO_TARGET} at 100k); ${(fullMs / bareBefore.ms).toFixed(2)} / ${(fullMs / bare.ms).toFixed(2)} against before / after`,
    reimportLine,
    peakLine,
    scaleLine,
    `  requests, full import ${sb.now.slice(0, 10)}:     ${fullCounted.text}`,
    `  requests, next day's sync ${nextDay.slice(0, 10)}: ${nextCounted.text} (target <= ${NEXT_DAY_TARGET})`,
    `  next day's sync:        ${fmt(nextMs)} (${steps.get('bench:next-day')}), rows written ${nextWritten}; usage days asked for ${next.details.usageReads?.days ?? '?'}; status ${next.status}`,
    ...(limited ? [limited] : []),
    `  ${await environmentNote(ds)}`,
    '',
  ].join('\n'));
}

async function main(): Promise<void> {
  limitHeapGrowth(); // as `recurra import` does
  process.stdout.write(`Import benchmark (BENCH_SCALE ${SIZE_NAME}): ${COMPANIES} companies, ${SUBSCRIPTIONS} subscriptions, ${USAGE} usage summaries x 30 days of lines; ${CONCURRENCY} requests in flight\n`);
  const sb = await startSandboxProcess();
  try {
    // The sandbox renders each record's JSON once and caches it, so the first pass over it costs the sandbox more
    // CPU than any later one (32 s against 26 s at full size), and that pass was the import: a first bare pass warms
    // it, so every measured pass meets the same warm sandbox, as it would the real API.
    if (!MEMORY_ONLY) process.stdout.write(`  sandbox warmed up by a bare pass in a child process: ${fmt((await childBarePass(sb)).ms)}\n`);
    await forEachBenchDatabase(async ({ label, ds }) => {
      sb.now = ((await admin(sb, 'GET', '/state')) as { now: string }).now;
      await benchOne(label, ds, sb);
    }, { mariaDbUrl: MARIADB_URL });
  } finally {
    sb.child.kill('SIGTERM');
  }
}

/**
 * A bare pass in a child process (its memory is not charged to the importer); resolves with what it measured.
 * Used twice: to warm the sandbox up, and as the bare pass before the import.
 */
async function childBarePass(sb: Sandbox): Promise<BarePass> {
  const { child: _child, ...target } = sb;
  const bare = spawn(process.execPath, [...process.execArgv.filter((a) => !a.startsWith('--cpu-prof')), fileURLToPath(import.meta.url)], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, BENCH_BARE_CHILD: JSON.stringify(target) },
  });
  let out = '';
  bare.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  const code = await new Promise<number | null>((resolve) => bare.on('exit', resolve));
  if (code !== 0) throw new Error(`bare pass in a child process exited with ${code}`);
  return JSON.parse(out) as BarePass;
}

const bareChild = process.env.BENCH_BARE_CHILD;
const childPass = () => bareClientPass(JSON.parse(bareChild!) as Omit<Sandbox, 'child'>);
const entry = bareChild
  // The warm-up pass writes FILE.bare too; the pass before the import overwrites it.
  ? (PROFILE ? profiled(`${PROFILE}.bare`, childPass) : childPass()).then((r) => { process.stdout.write(JSON.stringify(r)); })
  : main();
entry.then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
