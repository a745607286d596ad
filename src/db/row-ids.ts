import { randomUUID } from 'node:crypto';

let lastMs = 0;
let counter = 0;
/** The id's text up to its counter for `lastMs` (a run of ids within one millisecond shares it). */
let prefix = prefixOf(0);
const COUNTER_HEX = Array.from({ length: 0x1000 }, (_, i) => i.toString(16).padStart(3, '0'));

function prefixOf(ms: number): string {
  const t = ms.toString(16).padStart(12, '0');
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7`;
}

/**
 * A time-ordered UUID (version 7 layout: 48-bit Unix milliseconds, then a 12-bit counter, then random bits) for rows
 * written in bulk (invoices, invoice lines; the imports' customers, subscriptions, their history, usage rows). Ids made one after another sort one after another, so a large insert
 * appends to the end of the primary-key index instead of touching a random index page per row (random v4 ids make
 * every transaction of an invoice run rewrite hundreds of index pages on SQLite and InnoDB alike). Unique like v4:
 * 62 random bits per id within one millisecond and counter value.
 */
export function timeOrderedId(): string {
  const ms = Date.now();
  if (ms <= lastMs) {
    counter++;
    if (counter > 0xfff) {
      // 4096 ids within one millisecond: borrow the next millisecond (stays ordered, drifts by at most a few ms).
      prefix = prefixOf(++lastMs);
      counter = 0;
    }
  } else {
    lastMs = ms;
    prefix = prefixOf(ms);
    counter = 0;
  }
  // The random part comes from randomUUID (v4: its variant bits are already 10xx), which draws from a pooled buffer.
  return `${prefix}${COUNTER_HEX[counter]!}${randomUUID().slice(18)}`;
}
