import { day, when, words } from './format.js';

type Data = Record<string, any>;

/** "just now", "40 seconds ago", "3 minutes ago", "2 hours ago", else the date and time in the tenant's zone. */
export function ago(iso: string | null | undefined, now: Date, zone: string): string {
  if (!iso) return '';
  const s = Math.round((now.getTime() - Date.parse(iso)) / 1000);
  if (Number.isNaN(s)) return '';
  if (s < 10) return 'just now';
  if (s < 60) return `${s} seconds ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} minute${m === 1 ? '' : 's'} ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} hour${h === 1 ? '' : 's'} ago`;
  return `on ${when(iso, zone)}`;
}

/** A run's details: the API lists them as its `message` (JSON text). */
function detailsOf(r: Data): Data {
  if (r.details && typeof r.details === 'object') return r.details as Data;
  try {
    const d = JSON.parse(typeof r.message === 'string' ? r.message : '{}') as unknown;
    return d && typeof d === 'object' ? d as Data : {};
  } catch {
    return {};
  }
}

const n = (x: number) => x.toLocaleString('en-GB');

/** The counts of a run so far, per entity, in words: "customers: 12 created, 3 updated, 140 unchanged". */
function countWords(counts: Data): string[] {
  return Object.entries(counts ?? {}).map(([entity, c]) => {
    const parts = ['created', 'updated', 'unchanged', 'deactivated', 'skipped', 'errors']
      .filter((k) => Number((c as Data)?.[k] ?? 0) > 0).map((k) => `${n(Number((c as Data)[k]))} ${k === 'errors' && Number((c as Data)[k]) === 1 ? 'error' : k}`);
    return `${entity}: ${parts.length ? parts.join(', ') : 'nothing yet'}`;
  });
}

export interface ProgressItem {
  title: string;
  state: string;
  doing: string | null;
  counts: string[];
  started: string | null;
  startedAt: string | null;
  link: string | null;
}

export interface ProgressPanel {
  /** Something still runs or waits: the page keeps asking for the panel. */
  active: boolean;
  items: ProgressItem[];
  /** The last finished import run, when nothing runs (what the last long action came to). */
  last: ProgressItem | null;
  /** The ids of the import runs still running (not stalled): a run's own page shows its result once its id is gone. */
  running: string[];
}

/** A job's name in words: sync:usage → "Sync of usage", billing:daily → "Daily billing pass and invoice run". */
export function jobTitle(name: string): string {
  const known: Record<string, string> = {
    'billing:daily': 'Daily billing pass and invoice run', 'reconcile:month': 'Margin reconciliation', 'webhooks:process': 'Pax8 events',
    'notices:deliver': 'Notices by e-mail', 'invoices:run': 'Invoice run', 'invoices:deliver': 'Invoices by e-mail', 'accounting:push': 'Invoices to accounting', 'accounting:payments': 'Payments from accounting',
  };
  if (known[name]) return known[name];
  const sync = /^sync:(.+)$/.exec(name);
  return sync ? `Sync of ${words(sync[1])}` : words(name);
}

/** A run that has written nothing for this long has most likely stopped (a restart ends the runs of that process). */
export const STALE_RUN_MS = 30 * 60_000;

/** When a running run last said something: its last progress, else its start. */
export function lastNewsOf(r: Data): string | null {
  const at = detailsOf(r).progress?.at;
  return typeof at === 'string' ? at : (r.startedAt as string | null) ?? null;
}

/** A running run with no news for STALE_RUN_MS. */
export function isStale(r: Data, now: Date): boolean {
  const at = lastNewsOf(r);
  return r.status === 'running' && !!at && now.getTime() - Date.parse(at) > STALE_RUN_MS;
}

const runTitle = (r: Data) => `${r.dryRun ? 'Preview import' : 'Import'} (${(r.entities as string[]).join(', ')})`;

/**
 * The tenant's long actions as a panel reads them from what is persisted: import runs still running (with the step
 * they are on and their counts so far, written on the run as it goes) and sync jobs queued or running; else the last
 * finished run. `runs` are the latest import runs (newest first), `jobs` the tenant's jobs, as the API lists them.
 */
export function progressPanel(tenantId: string, runs: Data[], jobs: Data[], now: Date, zone: string): ProgressPanel {
  const items: ProgressItem[] = [];
  const stalled: ProgressItem[] = [];
  const running = runs.filter((r) => r.status === 'running');
  for (const r of running) {
    const p = detailsOf(r).progress as Data | undefined;
    const stale = isStale(r, now);
    (stale ? stalled : items).push({
      title: runTitle(r), state: stale ? 'stalled' : 'running',
      doing: stale
        ? `no news ${ago(lastNewsOf(r), now, zone)}: it has most likely stopped (a restart ends the runs of that process); the next run completes its work`
        : p ? `${words(p.entity)}: ${n(Number(p.done))}${p.total ? ` of ${n(Number(p.total))}` : ''} records read${p.message ? ` (${p.message})` : ''}` : 'starting',
      counts: countWords(r.counts), started: ago(r.startedAt, now, zone), startedAt: r.startedAt ? when(r.startedAt, zone) : null,
      link: `/t/${tenantId}/imports/${r.id}`,
    });
  }
  for (const j of jobs) {
    if (j.state !== 'running' && j.state !== 'queued') continue;
    if (j.state === 'running' && running.length > 0 && /sync/i.test(String(j.name))) continue; // its import run is listed above
    items.push({
      title: jobTitle(String(j.name)), state: j.state, doing: j.state === 'queued' ? 'waiting for the scheduler to start it' : 'running',
      counts: [], started: ago(j.lastRunAt ?? null, now, zone) || null, startedAt: j.lastRunAt ? when(j.lastRunAt, zone) : null, link: null,
    });
  }
  const active = items.length > 0;
  items.push(...stalled);
  const done = items.length === 0 ? runs.find((r) => r.status !== 'running') : undefined;
  const last = done ? {
    title: runTitle(done), state: String(done.status), doing: null, counts: countWords(done.counts),
    started: ago(done.startedAt, now, zone), startedAt: done.startedAt ? when(done.startedAt, zone) : null, link: `/t/${tenantId}/imports/${done.id}`,
  } : null;
  return { active, items, last, running: running.filter((r) => !isStale(r, now)).map((r) => String(r.id)) };
}

const plural = (k: number, one: string, many = `${one}s`) => `${n(k)} ${k === 1 ? one : many}`;

/** What a finished invoice run came to, in words: "3 invoices created (1 draft to review, 2 issued), 4 already invoiced, 1 failed". */
function invoiceRunCounts(r: Data): string[] {
  if (r.status === 'failed') return r.error ? [`Failed: ${String(r.error)}`] : ['Failed.'];
  const o = r.outcome as Data | null;
  if (!o) return [];
  const lines = [`${plural(Number(o.created), 'invoice')} created (${plural(Number(o.drafts), 'draft')} to review, ${n(Number(o.issued))} issued)`];
  if (Number(o.alreadyInvoiced) > 0) lines.push(`${n(Number(o.alreadyInvoiced))} already invoiced`);
  for (const f of (o.failed as Data[] | undefined) ?? []) lines.push(`Not invoiced (period from ${f.periodStart}): ${f.message}`);
  return lines;
}

/**
 * The invoice runs of the Invoices page as a progress panel, from their records (invoice_runs, as the API lists them,
 * newest first): the runs queued or running, else what the last one came to (how many invoices, or why it failed).
 */
export function invoiceRunPanel(tenantId: string, runs: Data[], now: Date, zone: string): ProgressPanel {
  const title = (r: Data) => `Invoice run for ${day(String(r.date))}${r.allowFuture ? ' (forward-dated allowed)' : ''}`;
  const link = (r: Data) => `/t/${tenantId}/invoices?to=${encodeURIComponent(String(r.date))}`;
  const items: ProgressItem[] = runs.filter((r) => r.status === 'queued' || r.status === 'running').map((r) => ({
    title: title(r), state: String(r.status),
    doing: r.status === 'queued' ? 'waiting for the scheduler to start it' : 'catching up the daily pass, then creating every invoice due',
    counts: [], started: ago(r.status === 'queued' ? r.queuedAt : r.startedAt, now, zone) || null,
    startedAt: r.startedAt ? when(r.startedAt, zone) : r.queuedAt ? when(r.queuedAt, zone) : null, link: null,
  }));
  const done = items.length === 0 ? runs.find((r) => r.status === 'succeeded' || r.status === 'failed') : undefined;
  const last = done ? {
    title: title(done), state: String(done.status), doing: null, counts: invoiceRunCounts(done),
    started: ago(done.startedAt ?? done.queuedAt, now, zone), startedAt: done.startedAt ? when(done.startedAt, zone) : null, link: link(done),
  } : null;
  return { active: items.length > 0, items, last, running: runs.filter((r) => r.status === 'running').map((r) => String(r.id)) };
}
