/**
 * Agenda stores whatever a handler threw as the job's failReason (an Error's message, otherwise the thrown value
 * itself) and passes progress through untouched. The drivers bind only strings and numbers, so a thrown object
 * made the state save fail and left the job locked; these turn any value into what the columns hold.
 */
export const FAIL_REASON_MAX_LENGTH = 2000;

function bounded(text: string): string {
  return text.length <= FAIL_REASON_MAX_LENGTH ? text : `${text.slice(0, FAIL_REASON_MAX_LENGTH - 1)}…`;
}

function jsonOf(value: unknown): string | undefined {
  const seen = new WeakSet<object>();
  try {
    return JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (typeof v === 'object' && v !== null) {
        if (seen.has(v)) return '[circular]';
        seen.add(v);
      }
      return v;
    });
  } catch {
    return undefined;
  }
}

/** A failure reason as bounded text: an Error's message, a string as it is, anything else rendered as JSON. */
export function failReasonText(reason: unknown): string | null {
  if (reason === undefined || reason === null) return null;
  if (typeof reason === 'string') return bounded(reason);
  if (reason instanceof Error) return bounded(reason.message || reason.name);
  if (typeof reason === 'object') return bounded(jsonOf(reason) ?? Object.prototype.toString.call(reason));
  return bounded(String(reason));
}

/** Progress as a number the column holds, or null when it is not one. */
export function progressValue(progress: unknown): number | null {
  const n = typeof progress === 'string' && progress.trim() !== '' ? Number(progress) : progress;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

/** What a handler threw, as an Error Agenda can read a message from (it reads `.message` when retries run out). */
export function asError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  const text = failReasonText(thrown);
  return Object.assign(new Error(text ?? `the job failed without a reason (${String(thrown)} was thrown)`), { thrown });
}
