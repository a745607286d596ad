/**
 * What bench:smoke (test/bench/smoke.ts) runs and checks: each benchmark's size at about 1/50 and the figure lines it
 * must print, and the shape check itself (present, numeric, beside the target; never compared with the target).
 */

/** One figure line: `re` must match it, and each of its groups must be a finite number. */
export interface Figure { name: string; re: RegExp }

export interface Bench {
  /** test/bench/<name>.bench.ts, run as `npm run bench:<name>`. */
  name: string;
  /** About 1/50 of the bench's default size. */
  env: Record<string, string>;
  /** The labels that start each database's section of the output; empty: the figures appear once. */
  sections: string[];
  figures: Figure[];
}

const DATABASES = ['SQLite', 'MariaDB'];

export const BENCHES: Bench[] = [
  {
    name: 'pax8',
    env: { BENCH_SUBSCRIPTIONS: '2000', BENCH_ROUNDS: '3' },
    sections: [],
    figures: [
      { name: 'bare fetch loop median', re: /^bare fetch loop : median (\S+) s/m },
      { name: 'Pax8Client median', re: /^Pax8Client\s+: median (\S+) s/m },
      { name: 'client-side CPU beside its target', re: /^client-side CPU: bare (\S+) s\s+client (\S+) s\s+client\/bare (\S+) \(target [^;)]*\d/m },
      { name: 'ratio client/bare beside its target', re: /^ratio client\/bare: median (\S+)\s+best (\S+)\s+\(target [^)]*\d[^)]*\)/m },
      { name: 'rate-limited wall beside its floor', re: /^wall (\S+) s\s+floor (\S+) s .*wall\/floor (\S+)$/m },
    ],
  },
  {
    name: 'import',
    env: { BENCH_COMPANIES: '100', BENCH_SUBSCRIPTIONS: '2000', BENCH_USAGE: '40' },
    sections: DATABASES,
    figures: [
      { name: 'full import', re: /^\s+full import:\s+(\S+) s/m },
      { name: 'bare client before and after', re: /^\s+bare client, same endpoints: before the import (\S+) s .*after it (\S+) s \((\S+) requests/m },
      { name: 'ratio import/bare beside its target', re: /^\s+ratio:\s+(\S+) against their mean \(target [^)]*\d[^)]*\)/m },
      { name: 'unchanged re-import and rows written beside the target', re: /^\s+unchanged re-import:\s+(\S+) s .*rows written (\S+) \(target [^)]*\d[^)]*\)/m },
      { name: 'peak RSS beside its target', re: /^\s+peak memory \(RSS\):\s+(\S+) MB \(target [^;)]*\d/m },
      { name: 'time at this scale beside the linear-growth target', re: /^\s+scale \S+\s*:\s+full import (\S+) s for (\d+) subscriptions, (\d+) ms per 1,000 \(target:? [^)]*\d/m },
      { name: 'requests of the full import per entity', re: /^\s+requests, full import \S+:\s+customers (\d+), subscriptions (\d+), usage (\d+) .*; total (\d+)/m },
      {
        name: 'requests of the next day\'s sync per entity beside the target',
        re: /^\s+requests, next day's sync \S+:\s+customers (\d+), subscriptions (\d+), usage (\d+) .*; total (\d+) .*\(target [^)]*\d[^)]*\)$/m,
      },
      { name: 'next day\'s sync time and rows written', re: /^\s+next day's sync:\s+(\S+) s .*rows written (\d+); usage days asked for (\d+)/m },
    ],
  },
  {
    name: 'invoices',
    env: { BENCH_RECURRING_INVOICES: '200' },
    sections: DATABASES,
    figures: [
      { name: 'daily pass catch-up', re: /^\s+daily pass catch-up \S+\s+(\S+) s/m },
      { name: 'eve pass alone and its CPU', re: /^\s+eve pass \S+\s+(\S+) s\s+\((\d+) upcoming invoices.*; cpu (\S+) s\)$/m },
      { name: 'invoice run', re: /^\s+invoice run 2026-02-01, groups of \d+\s+(\S+) s/m },
      { name: 'eve + run', re: /^\s+eve \+ run\s+(\S+) s/m },
      { name: 'floor of writing the same lines', re: /^\s+floor: .* of the same (\d+) invoice lines\s+(\S+) s$/m },
      { name: 'own multi-row insert', re: /^\s+own multi-row insert \(bulkInsert\) of \d+ invoice lines\s+(\S+) s/m },
      { name: 'ratio eve + run / floor beside its target', re: /^\s+ratio eve \+ run \/ floor: (\S+) \(target [^;)]*\d/m },
      { name: 'daily pass of a day without changes beside its target', re: /^\s+daily pass of a day without changes \(\S+\)\s+(\S+) s \(target [^;)]*\d/m },
    ],
  },
  {
    name: 'reconcile',
    env: { BENCH_SUBSCRIPTIONS: '2000' },
    sections: DATABASES,
    figures: [
      { name: 'reconcile load, compute and total beside its target', re: /reconcile \d{4}-\d{2}: load (\S+) s, compute (\S+) s, total (\S+) s \(target [^;)]*\d/m },
    ],
  },
  {
    name: 'pages',
    env: { BENCH_CUSTOMERS: '400', BENCH_ROUNDS: '2' },
    sections: DATABASES,
    figures: [
      { name: 'admin dashboard beside its target', re: /^\s+admin\s+\/\s+median\s+(\d+) ms\s+p95\s+(\d+) ms\s+\(target \d+ ms\)/m },
      { name: 'a finance page beside its target', re: /^\s+finance\s+\/t\/\S+\s+median\s+(\d+) ms\s+p95\s+(\d+) ms\s+\(target \d+ ms\)/m },
      { name: 'a reviewer page beside its target', re: /^\s+reviewer\s+\/t\/\S+\s+median\s+(\d+) ms\s+p95\s+(\d+) ms\s+\(target \d+ ms\)/m },
      { name: 'a client page beside its target', re: /^\s+client\s+\/t\/\S+\s+median\s+(\d+) ms\s+p95\s+(\d+) ms\s+\(target \d+ ms\)/m },
      { name: 'customer picker search beside its target', re: /^\s+finance\s+customer picker search among (\d+) customers\s+median (\d+) ms\s+p95 (\d+) ms\s+\(target \d+ ms\)/m },
      { name: 'slowest page and pages over the target', re: /^\s+slowest: .* median (\d+) ms, p95 (\d+) ms \(target \d+ ms\); (\d+) of (\d+) over the target/m },
    ],
  },
];

/** The part of the output from the line that starts with `label` to the next line that starts another section. */
function section(out: string, label: string, labels: string[]): string | null {
  const lines = out.split('\n');
  const start = lines.findIndex((l) => l.startsWith(label));
  if (start < 0) return null;
  let end = start + 1;
  while (end < lines.length && !labels.some((x) => lines[end]!.startsWith(x))) end++;
  return lines.slice(start, end).join('\n');
}

export function shapeProblems(bench: Bench, out: string): string[] {
  const problems: string[] = [];
  const parts = bench.sections.length === 0 ? [{ where: '', text: out as string | null }]
    : bench.sections.map((label) => ({ where: `${label}: `, text: section(out, label, bench.sections) }));
  for (const { where, text } of parts) {
    if (text === null) {
      problems.push(`${where}no section (no line starts with "${where.slice(0, -2)}")`);
      continue;
    }
    for (const f of bench.figures) {
      const m = f.re.exec(text);
      if (!m) problems.push(`${where}no "${f.name}" line (expected ${f.re})`);
      else {
        const bad = m.slice(1).filter((g) => !Number.isFinite(Number(g)));
        if (bad.length > 0) problems.push(`${where}"${f.name}" is not numeric (${bad.join(', ')}) in: ${m[0].trim()}`);
      }
    }
  }
  return problems;
}
