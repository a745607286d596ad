import { spawn, type ChildProcess } from 'node:child_process';
import { CLI, REPO_ROOT } from '../../support/cli.js';

/** One `recurra worker` process and everything it printed: stdout as text, stderr (pino JSON at debug) as parsed lines. */
export interface WorkerProcess {
  proc: ChildProcess;
  stdout: string;
  /** stderr lines that parsed as JSON log records. */
  logs: Array<Record<string, unknown>>;
  /** stderr lines that were not JSON (stack traces, warnings), for failure messages. */
  other: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `node bin/recurra.js worker` with RECURRA_ENV=test, the scheduler on and debug logs on stderr. */
export function startWorker(env: NodeJS.ProcessEnv): WorkerProcess {
  const proc = spawn(process.execPath, [CLI, 'worker'], {
    cwd: REPO_ROOT,
    env: { ...process.env, RECURRA_ENV: 'test', RECURRA_SCHEDULER: '1', LOG_LEVEL: 'debug', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const w: WorkerProcess = { proc, stdout: '', logs: [], other: [] };
  proc.stdout!.on('data', (d: Buffer) => (w.stdout += d.toString()));
  let buf = '';
  proc.stderr!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    for (const line of parts) {
      if (line.trim() === '') continue;
      try {
        w.logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        w.other.push(line);
      }
    }
  });
  return w;
}

export function alive(w: WorkerProcess): boolean {
  return w.proc.exitCode === null && w.proc.signalCode === null;
}

/** SIGTERM (the worker drains and releases its locks), then SIGKILL if it has not exited within `graceMs`. */
export async function stopWorker(w: WorkerProcess, graceMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null; killed: boolean }> {
  if (!alive(w)) return { code: w.proc.exitCode, signal: w.proc.signalCode, killed: false };
  const exited = new Promise<void>((r) => w.proc.once('exit', () => r()));
  w.proc.kill('SIGTERM');
  await Promise.race([exited, sleep(graceMs)]);
  let killed = false;
  if (alive(w)) {
    killed = w.proc.kill('SIGKILL');
    await exited;
  }
  return { code: w.proc.exitCode, signal: w.proc.signalCode, killed };
}

/** Polls `probe` until it returns something other than null/undefined/false, or throws after `timeoutMs`. */
export async function waitUntil<T>(probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, what: string, timeoutMs: number, everyMs = 250): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`gave up waiting for ${what} after ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}
