import { Decimal } from 'decimal.js';
import type { ValueTransformer } from 'typeorm';

/**
 * Money and quantities travel as decimal text in both directions: MariaDB returns DECIMAL as a
 * string, and on SQLite the column is TEXT, so nothing ever passes through a JS float.
 */
export const decimalTransformer: ValueTransformer = {
  to(value: Decimal | string | null | undefined): string | null | undefined {
    if (value === null || value === undefined) return value;
    const d = value instanceof Decimal ? value : new Decimal(value);
    if (!d.isFinite()) throw new TypeError(`not a finite decimal: ${d.toString()}`);
    return d.toFixed();
  },
  from(value: string | number | null | undefined): Decimal | null | undefined {
    if (value === null || value === undefined) return value;
    if (typeof value === 'number') throw new TypeError(`decimal column returned a float (${value}): the column must be TEXT on SQLite`);
    return new Decimal(value);
  },
};
