import type { Pax8Item } from '../pax8/client/index.js';
import type { UsageLine } from '../pax8/schemas/usage.js';
import { ImportAborted, type ImportContext } from './context.js';

/** True when a failure means the run itself is stopping (aborted), not that one record could not be read. */
export function isStopping(ctx: ImportContext, err: unknown): boolean {
  const name = (err as Error | undefined)?.name;
  return ctx.signal?.aborted === true || err instanceof ImportAborted || name === 'ImportAborted' || name === 'AbortError';
}

/**
 * The lines of a summary on each of `dates` (index i = dates[i]), read in one call; when that call fails, each day
 * is read again on its own, so a day Pax8 will not answer (refused, or failing after the client's retries) comes
 * back as its Error and the other days as their lines.
 */
export async function readDays(ctx: ImportContext, summaryId: string, dates: readonly string[]): Promise<Array<Pax8Item<UsageLine>[] | Error>> {
  try {
    return await ctx.client.usageLinesOfDays(summaryId, dates, { signal: ctx.signal });
  } catch (err) {
    if (isStopping(ctx, err) || dates.length === 1) throw err;
  }
  return Promise.all(dates.map(async (date) => {
    try {
      return (await ctx.client.usageLinesOfDays(summaryId, [date], { signal: ctx.signal }))[0] ?? [];
    } catch (err) {
      if (isStopping(ctx, err)) throw err;
      return err instanceof Error ? err : new Error(String(err));
    }
  }));
}
