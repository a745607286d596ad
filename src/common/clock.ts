/**
 * Where "now" comes from for business decisions (which day to bill, which months to reconcile). Production uses
 * the system clock; tests pass a fixed or moving clock so that no outcome depends on the day the suite runs.
 */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** A clock that reads `start` and then moves with real time (timers and locks still behave). */
export function clockFrom(start: Date | string): Clock {
  const offset = new Date(start).getTime() - Date.now();
  if (Number.isNaN(offset)) throw new RangeError(`not an instant: ${String(start)}`);
  return () => new Date(Date.now() + offset);
}
