import type { Agenda } from 'agenda';

/** Polls until `check` returns a truthy value; fails after a generous deadline (never a timing assertion). */
export async function waitFor<T>(check: () => Promise<T> | T, what: string, deadlineMs = 15000, everyMs = 25): Promise<NonNullable<T>> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Resolves when `agenda` has emitted `event` `count` times (listener set up before the work starts). */
export function eventsSeen(agenda: Agenda, event: string, count = 1): Promise<unknown[][]> {
  const seen: unknown[][] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${count} × ${event} (saw ${seen.length})`)), 15000);
    const listener = (...args: unknown[]) => {
      seen.push(args);
      if (seen.length >= count) {
        clearTimeout(timer);
        agenda.off(event, listener);
        resolve(seen);
      }
    };
    agenda.on(event as 'ready', listener as () => void);
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
