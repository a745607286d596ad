import { spawn } from 'node:child_process';
import { CLI, REPO_ROOT } from '../../support/cli.js';

export interface KilledOrFinished {
  killed: boolean;
  code: number | null;
  stdout: string;
  /** stdout and stderr together, for failure messages. */
  output: string;
}

/** Runs `recurra <args>` and SIGKILLs it after `killAfterMs` unless it finished first. */
export function runAndMaybeKill(args: string[], env: NodeJS.ProcessEnv, killAfterMs: number | null): Promise<KilledOrFinished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: REPO_ROOT, env: { ...process.env, RECURRA_ENV: 'test', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let stdout = '';
    let killed = false;
    child.stdout.on('data', (d) => {
      stdout += d;
      output += d;
    });
    child.stderr.on('data', (d) => (output += d));
    const timer = killAfterMs === null ? null : setTimeout(() => {
      killed = child.exitCode === null && child.kill('SIGKILL');
    }, killAfterMs);
    child.on('error', reject);
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ killed, code, stdout, output });
    });
  });
}
