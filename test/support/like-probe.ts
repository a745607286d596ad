/** Shared by the LIKE-search tests (src/common/like.ts): the helper on a real table, and every search exposed over HTTP. */

/** Names chosen so that a wildcard read as a wildcard (or an escape lost) finds a neighbour that must not match. */
export const LIKE_PROBE_NAMES = ['50% off', '500 off', 'a_b', 'axb', 'c!d', 'cxd', 'back\\slash', 'backxslash', 'Plain Word', 'other'] as const;

/** What each search must find, exactly, among LIKE_PROBE_NAMES. */
export const LIKE_PROBE_CASES: ReadonlyArray<[string, string[]]> = [
  ['50%', ['50% off']],
  ['%', ['50% off']],
  ['a_b', ['a_b']],
  ['_', ['a_b']],
  ['c!d', ['c!d']],
  ['!', ['c!d']],
  ['\\', ['back\\slash']],
  ['k\\s', ['back\\slash']],
  ['plain WORD', ['Plain Word']],
  ['off', ['50% off', '500 off']],
  ['nothing like it', []],
];
