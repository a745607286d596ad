/** A plain decimal number ("-74.52", "10"): data, never a formula, so it is exported as is. */
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;
const FORMULA_START = new Set(['=', '+', '-', '@', '\t', '\r']);

/**
 * One cell of a CSV export, safe from spreadsheet formula injection: text starting with = + - @ TAB or CR gets a
 * leading single quote, so Excel, Sheets and LibreOffice show it as text instead of evaluating it. Plain decimal
 * numbers (including negative amounts) are left alone so they import as numbers.
 */
export function csvSafe(value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (value === '' || PLAIN_NUMBER.test(value)) return value;
  return FORMULA_START.has(value[0]!) ? `'${value}` : value;
}

export function csvSafeRow(row: readonly (string | null | undefined)[]): string[] {
  return row.map(csvSafe);
}
