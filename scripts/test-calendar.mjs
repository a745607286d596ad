#!/usr/bin/env node
// npm run test:calendar: the date-sensitive suites on SQLite with the process clock set to the days where calendar
// bugs hide (the 1st, the reconcile window's 5th, 10th and 15th, 28 and 29 February of a leap year, and New Year's Eve
// 23:59 UTC with tenants in Pacific/Auckland, already in the new year, and America/Los_Angeles). The clock is moved with
// libfaketime (Debian's faketime package) and keeps running from the date given, so timers and locks behave.
// CALENDAR_DATES=label,… runs some of them; CALENDAR_PARALLEL (default 2) runs that many dates at once.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const SUITES = [
  'test/unit/**/*.test.ts',
  'test/integration/invoices/**/*.test.ts',
  'test/integration/jobs/**/*.test.ts',
  'test/integration/reconcile/**/*.test.ts',
  'test/integration/imports/**/*.test.ts',
  'test/integration/licensing/**/*.test.ts',
  'test/integration/operations/**/*.test.ts',
  'test/integration/notices/**/*.test.ts',
  'test/integration/foundation/demo.test.ts',
];
// The CLI and multi-process suites test process handling, spawn a process per command and take most of the time;
// the same commands' date logic runs in-process in the suites above.
const IGNORED = ['test/integration/**/cli.test.ts', 'test/integration/jobs/multiprocess.test.ts', 'test/integration/invoices/concurrency.test.ts'];

const DATES = [
  { label: '1st', at: '2027-01-01 00:30:00' },
  { label: '5th', at: '2027-04-05 12:00:00' },
  { label: '10th', at: '2027-06-10 12:00:00' },
  { label: '15th', at: '2027-09-15 23:30:00' },
  { label: '28-feb-2028', at: '2028-02-28 12:00:00' },
  { label: '29-feb-2028', at: '2028-02-29 12:00:00' },
  { label: 'new-year-eve-auckland', at: '2026-12-31 23:59:00', zone: 'Pacific/Auckland' },
  { label: 'new-year-eve-los-angeles', at: '2026-12-31 23:59:00', zone: 'America/Los_Angeles' },
];

function libfaketime() {
  const candidates = [process.env.LIBFAKETIME, '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1'];
  for (const dir of ['/usr/lib', '/usr/local/lib']) {
    for (const sub of existsSync(dir) ? readdirSync(dir) : []) candidates.push(path.join(dir, sub, 'faketime', 'libfaketime.so.1'));
  }
  return candidates.find((c) => c && existsSync(c)) ?? null;
}

function run(date, lib, outDir) {
  const args = ['mocha', '--require', 'test/reliability/hooks.ts', ...IGNORED.flatMap((g) => ['--ignore', g]), ...SUITES];
  const env = {
    ...process.env, TZ: 'UTC', LD_PRELOAD: lib, FAKETIME: `@${date.at}`, FAKETIME_DONT_FAKE_MONOTONIC: '1', FAKETIME_DONT_RESET: '1',
    TEST_DATABASE_URL: '', TEST_TENANT_TIME_ZONE: date.zone ?? '',
  };
  delete env.TEST_DATABASE_URL;
  const log = path.join(outDir, `${date.label}.log`);
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('npx', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks = [];
    child.stdout.on('data', (c) => chunks.push(c));
    child.stderr.on('data', (c) => chunks.push(c));
    child.on('close', (code) => {
      const output = Buffer.concat(chunks).toString('utf8');
      writeFileSync(log, output);
      resolve({ date, code, output, log, seconds: Math.round((Date.now() - started) / 1000) });
    });
  });
}

function summary(output) {
  const count = (word) => Number(output.match(new RegExp(`^\\s*(\\d+) ${word}`, 'm'))?.[1] ?? 0);
  const failures = [...output.matchAll(/^\s{2}\d+\) ([^\n]+)\n\s+([^\n]+)/gm)].map((m) => `${m[1].trim()} › ${m[2].trim()}`);
  return { passing: count('passing'), failing: count('failing'), pending: count('pending'), failures };
}

async function main() {
  const lib = libfaketime();
  if (!lib) {
    console.error('test:calendar needs libfaketime: apt-get install faketime (or set LIBFAKETIME to libfaketime.so.1)');
    process.exit(1);
  }
  const wanted = process.env.CALENDAR_DATES ? process.env.CALENDAR_DATES.split(',') : null;
  const dates = DATES.filter((d) => !wanted || wanted.includes(d.label));
  const parallel = Math.max(1, Number(process.env.CALENDAR_PARALLEL ?? 2));
  const outDir = mkdtempSync(path.join(tmpdir(), 'recurra-calendar-'));
  console.log(`test:calendar: ${dates.length} dates, ${parallel} at a time, SQLite; logs in ${outDir}`);
  const queue = [...dates];
  const results = [];
  await Promise.all(Array.from({ length: parallel }, async () => {
    for (let d = queue.shift(); d; d = queue.shift()) {
      const r = await run(d, lib, outDir);
      const s = summary(r.output);
      results.push({ ...r, ...s });
      console.log(`  ${d.label.padEnd(26)} ${d.at} UTC${d.zone ? ` (tenants in ${d.zone})` : ''}: ${s.passing} passing, ${s.failing} failing, ${s.pending} pending, exit ${r.code}, ${r.seconds} s`);
      for (const f of s.failures) console.log(`      failed: ${f}`);
    }
  }));
  const bad = results.filter((r) => r.code !== 0 || r.failing > 0 || r.passing === 0);
  const total = (k) => results.reduce((n, r) => n + r[k], 0);
  console.log(`\ntest:calendar: ${bad.length === 0 ? 'every date passed' : `${bad.length} date(s) failed: ${bad.map((r) => r.date.label).join(', ')}`}`);
  for (const r of bad) {
    if (r.failing === 0) console.log(`--- ${r.date.label} (exit ${r.code}), last lines of ${r.log}:\n${r.output.split('\n').slice(-30).join('\n')}`);
  }
  console.log(`${total('passing')} passed, ${total('failing')} failed`);
  process.exit(bad.length === 0 ? 0 : 1);
}

await main();
