/** Bad usage of a command (wrong or missing arguments): exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A failure the user can act on, printed without a stack trace: exit code 1. */
export class CliFailure extends Error {
  override name = 'CliFailure';
}

export function exitCodeFor(err: unknown): number {
  return err instanceof UsageError ? 2 : 1;
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
