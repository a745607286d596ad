import { expect } from 'chai';
import { BENCHES, shapeProblems } from '../../bench/smoke-shape.js';

const bench = (name: string) => BENCHES.find((b) => b.name === name)!;

/** What bench:invoices printed at smoke size (abridged to the figure lines). */
const invoicesSection = (label: string) => `
${label}: 200 recurring invoices × 10 lines, 89 of 2000 subscriptions (5.0%) changing in January
  seed                         0.93 s
  daily pass catch-up 2026-01-01..30  1.52 s  (51 ms/day; 89 quantity changes, 73 adjustments)
  eve pass 2026-01-31          0.31 s  (200 upcoming invoices composed and written, 0 quantity changes; cpu 0.29 s)
  invoice run 2026-02-01, groups of 250  0.24 s  (200 invoices, 200 of them issued from upcoming invoices; 2073 invoice lines)
  eve + run                    0.55 s
  floor: a prepared insert in one transaction of the same 2073 invoice lines  0.21 s
  own multi-row insert (bulkInsert) of 2073 invoice lines  0.12 s (synthetic rows with a short provenance, not the run's lines: a reference, not the floor)
  ratio eve + run / floor: 2.62 (target ≤ 3); run alone / floor 1.14
  daily pass of a day without changes (2026-02-02)  0.40 s (target < 1 s; 0 quantity changes, 0 upcoming composed)
`;
const invoices = invoicesSection('SQLite') + invoicesSection('MariaDB (127.0.0.1:3306)');

const reconcile = ['SQLite', 'MariaDB (127.0.0.1:3306)'].map((label) => `sandbox data set: 400 companies, 2000 subscriptions, 160 usage summaries (0.4 s)
${label}: 1969 subscriptions, 1362 Pax8 items (seeded in 3.73 s) — reconcile 2026-11: load 0.35 s, compute 0.96 s, total 1.32 s (target < 10 s on MariaDB at 100000 subscriptions; this process's CPU time 0.39 s); 1808 rows, 18 findings`).join('\n');

const pax8 = `bare fetch loop : median 0.26 s  best 0.19 s  peak heap 29 MB  peak RSS 128 MB
Pax8Client      : median 0.58 s  best 0.45 s  peak heap 33 MB  peak RSS 140 MB
client-side CPU: bare 0.03 s  client 0.12 s  client/bare 4.00 (target <= 1.5; median; the sandbox's CPU is in its own process)
ratio client/bare: median 2.268  best 2.367  (target <= 1.2)

rate limit 1000/min on the sandbox and the client: 2000 subscriptions, page size 200
wall 0.79 s  floor 0.60 s (10 paged requests / 1000 per min)  wall/floor 1.309
`;

describe('bench:smoke shape check', () => {
  it('accepts what the benchmarks print, whatever the figures are against their targets', () => {
    // The pax8 ratio 2.268 misses its target of 1.2: the smoke run does not care.
    expect(shapeProblems(bench('pax8'), pax8)).to.deep.equal([]);
    expect(shapeProblems(bench('invoices'), invoices)).to.deep.equal([]);
    expect(shapeProblems(bench('reconcile'), reconcile)).to.deep.equal([]);
  });

  it('fails a bench that skipped a database', () => {
    const skipped = `${invoicesSection('SQLite')}\nMariaDB: not reachable at mysql://root@127.0.0.1:3306/x; skipped\n`;
    const problems = shapeProblems(bench('invoices'), skipped);
    expect(problems).to.have.length(bench('invoices').figures.length);
    expect(problems.every((p) => p.startsWith('MariaDB: no "'))).to.equal(true);
  });

  it('fails a bench that printed nothing, naming each missing line', () => {
    expect(shapeProblems(bench('reconcile'), 'Error: NOT NULL constraint failed\n')).to.deep.equal([
      'SQLite: no section (no line starts with "SQLite")',
      'MariaDB: no section (no line starts with "MariaDB")',
    ]);
  });

  it('fails a figure that is not a number', () => {
    const problems = shapeProblems(bench('invoices'), invoices.replace('ratio eve + run / floor: 2.62', 'ratio eve + run / floor: NaN'));
    // Only SQLite's line was spoiled.
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(/^SQLite: "ratio eve \+ run \/ floor beside its target" is not numeric \(NaN\)/);
  });

  it('fails an eve pass printed without its CPU', () => {
    const problems = shapeProblems(bench('invoices'), invoices.replace('0 quantity changes; cpu 0.29 s)', '0 quantity changes)'));
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(/^SQLite: no "eve pass alone and its CPU" line/);
  });

  it('fails a figure printed without its target', () => {
    const problems = shapeProblems(bench('pax8'), pax8.replace('  (target <= 1.2)', ''));
    expect(problems).to.deep.equal([`no "ratio client/bare beside its target" line (expected ${bench('pax8').figures[3]!.re})`]);
  });
});
