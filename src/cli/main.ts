import { Command, CommanderError } from 'commander';
import { limitHeapGrowth } from '../app/heap.js';
import { registerCommands } from './commands/index.js';
import { UsageError, exitCodeFor, describeError } from './errors.js';

export function buildProgram(): Command {
  const program = new Command('recurra')
    .description('Recurra: Pax8 billing integration engine for MSPs')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  registerCommands(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Runs the CLI and returns the process exit code: 0 success, 1 failure, 2 bad usage. */
export async function main(argv: string[]): Promise<number> {
  limitHeapGrowth();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    // A command that reports its own failure (e.g. `tenants test`) sets process.exitCode.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return 0;
      return 2;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`recurra: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`recurra: ${describeError(err)}\n`);
    return exitCodeFor(err);
  }
}
