import { Decimal } from 'decimal.js';
import type { ValueTransformer } from 'typeorm';

export const MAX_PLACES = 6;
/** DECIMAL(19,6): 13 digits before the point, so |value| < 1e13. */
const MAX_EXPONENT = 13;

/**
 * Money and quantities travel as decimal text in both directions: MariaDB returns DECIMAL as a
 * string, and on SQLite the column is TEXT, so nothing ever passes through a JS float.
 */
export const decimalTransformer: ValueTransformer = {
  to(value: Decimal | string | null | undefined): string | null | undefined {
    if (value === null || value === undefined) return value;
    const d = value instanceof Decimal ? value : new Decimal(value);
    if (!d.isFinite()) throw new TypeError(`not a finite decimal: ${d.toString()}`);
    // DECIMAL(19,6) would round silently on MariaDB: callers round explicitly, so the two databases agree.
    if (d.decimalPlaces() > MAX_PLACES) throw new RangeError(`more than ${MAX_PLACES} decimal places: ${d.toFixed()}`);
    // |d| >= 1e13 exactly when its leading digit's exponent is 13 or more (no absolute value built per value written).
    if (d.e >= MAX_EXPONENT) throw new RangeError(`out of range for DECIMAL(19,6): ${d.toFixed()}`);
    return d.toFixed();
  },
  from(value: string | number | null | undefined): Decimal | null | undefined {
    if (value === null || value === undefined) return value;
    if (typeof value === 'number') throw new TypeError(`decimal column returned a float (${value}): the column must be TEXT on SQLite`);
    return new Decimal(value);
  },
};
