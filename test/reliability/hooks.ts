import { figures } from './support/figures.js';

/** Root hook: prints the collected figures after all suites (mocha loads this file with --require). */
export const mochaHooks = {
  afterAll(): void {
    if (Object.values(figures).every((v) => v === 0)) return;
    const lines = [
      `import runs: ${figures.importRuns} (retried after failure: ${figures.importRetries})`,
      `faults injected: ${figures.faultsInjected}`,
      `crashes survived: ${figures.crashesSurvived} (of which mid-write: ${figures.crashesMidWrite})`,
      `hostile inputs tried: ${figures.hostileInputsTried}`,
      `duplicates found: ${figures.duplicatesFound}`,
      `states differing from the fault-free run: ${figures.mismatches}`,
    ];
    process.stdout.write(`\nReliability figures\n  ${lines.join('\n  ')}\n`);
  },
};
