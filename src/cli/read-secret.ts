import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

/**
 * Reads a secret from the environment variable if set, else from stdin: on a terminal it prompts
 * with echo off; from a pipe it takes the first line.
 */
export async function readSecret(envVar: string, prompt: string): Promise<string> {
  const fromEnv = process.env[envVar];
  if (fromEnv) return fromEnv;
  if (process.stdin.isTTY) {
    const muted = new Writable({ write: (_chunk, _enc, cb) => cb() });
    process.stderr.write(prompt);
    const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
    const line = await new Promise<string>((resolve) => rl.once('line', resolve));
    rl.close();
    process.stderr.write('\n');
    return line.trim();
  }
  let data = '';
  for await (const chunk of process.stdin) data += chunk;
  return data.split(/\r?\n/)[0]?.trim() ?? '';
}
