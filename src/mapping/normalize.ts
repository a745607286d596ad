/**
 * Company-name normalisation for mapping suggestions: case, white space, punctuation, "&"/"and",
 * accents and trailing legal suffixes (Inc, LLC, Ltd, Pty Ltd, GmbH, …) do not count.
 * "Acme, Inc." and "ACME inc" and "Acme" all normalise to "acme".
 */

/** Legal-form words removed from the END of a name (repeatedly: "Acme Holdings Pty Ltd" -> "acme holdings"). */
export const LEGAL_SUFFIXES: readonly string[] = [
  'inc', 'incorporated', 'llc', 'lllp', 'llp', 'lp', 'ltd', 'limited', 'pty', 'pte', 'plc', 'corp', 'corporation',
  'co', 'company', 'gmbh', 'mbh', 'ag', 'kg', 'ohg', 'ug', 'sa', 'sas', 'sarl', 'srl', 'spa', 'bv', 'nv', 'ab', 'as',
  'asa', 'oy', 'oyj', 'aps', 'kk', 'pc', 'pllc', 'sl', 'sro', 'kft', 'ltda', 'cv',
];
const SUFFIX_SET = new Set(LEGAL_SUFFIXES);

export function normalizeCompanyName(name: string): string {
  let s = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  s = s.replace(/&/g, ' and ');
  // Dots and apostrophes join letters ("L.L.C." -> "llc", "O'Brien" -> "obrien"); other punctuation separates words.
  s = s.replace(/[.'’`]/g, '');
  s = s.replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
  const words = s.split(' ').filter((w) => w.length > 0);
  // Keep at least one word: a company called "Company Ltd" normalises to "company", not "".
  while (words.length > 1 && SUFFIX_SET.has(words[words.length - 1]!)) words.pop();
  return words.join(' ');
}
