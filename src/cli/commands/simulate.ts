import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { invoicesThrough } from '../../billing/simulate.js';
import { parseScenario } from '../../billing/scenario/load.js';
import { scenarioOutput } from '../../billing/scenario/output.js';
import { CliFailure, UsageError } from '../errors.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function readScenarioText(file: string): Promise<string> {
  if (file === '-') return readStdin();
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String(err);
    throw new UsageError(`cannot read scenario file ${file}: ${reason}`);
  }
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`${file === '-' ? 'stdin' : file} is not valid JSON: ${(err as Error).message}`);
  }
}

export async function simulate(file: string): Promise<void> {
  const result = parseScenario(parseJson(await readScenarioText(file), file));
  if (!result.ok) {
    const count = result.errors.length === 1 ? '1 problem' : `${result.errors.length} problems`;
    throw new CliFailure(`scenario ${file === '-' ? 'on stdin' : file} has ${count}:\n${result.errors.map((e) => `  ${e}`).join('\n')}`);
  }
  const invoices = invoicesThrough(result.scenario.context, result.scenario.through);
  process.stdout.write(`${JSON.stringify(scenarioOutput(invoices), null, 2)}\n`);
}

export function register(program: Command): void {
  program
    .command('simulate')
    .description('Replay a scenario file (see billing rules) and print the invoices it would produce as JSON; "-" reads stdin')
    .argument('<file>', 'scenario JSON file, or - for stdin')
    .action(simulate);
}
