import type { ZxcvbnFactory } from '@zxcvbn-ts/core';

/**
 * The password rule, for every path that sets a password (CLI `users add`, the API, the web change-password form):
 * 12 to 256 characters; not the e-mail address or its local part, nor containing them; and not guessable by
 * zxcvbn-ts (score 3 of 4 at least) with its common-language lists (about 30,000 common and breached passwords,
 * names and words, keyboard patterns, repeats, sequences and dates), the e-mail address counted as known.
 * Generated one-time passwords (20 random characters, ~100 bits) pass it too.
 */
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;
const MIN_SCORE = 3;

let checker: Promise<ZxcvbnFactory> | undefined;
function zxcvbn(): Promise<ZxcvbnFactory> {
  // Loaded on first use (about a second on a busy machine): commands and requests that set no password never pay it.
  checker ??= Promise.all([import('@zxcvbn-ts/core'), import('@zxcvbn-ts/language-common')])
    .then(([core, common]) => new core.ZxcvbnFactory({ dictionary: { ...common.dictionary }, graphs: common.adjacencyGraphs }));
  return checker;
}

const WHY: Record<string, string> = {
  topTen: 'it is one of the most used passwords',
  topHundred: 'it is one of the most used passwords',
  common: 'it is a common password (found in lists of breached passwords)',
  similarToCommon: 'it is too similar to a common password (found in lists of breached passwords)',
  pwned: 'it is a common password (found in lists of breached passwords)',
  wordByItself: 'a single word is easy to guess',
  namesByThemselves: 'names are easy to guess',
  commonNames: 'common names are easy to guess',
  straightRow: 'a row of keys is easy to guess',
  keyPattern: 'a keyboard pattern is easy to guess',
  simpleRepeat: 'repeated characters are easy to guess',
  extendedRepeat: 'repeated patterns are easy to guess',
  sequences: 'a sequence such as abc or 123 is easy to guess',
  recentYears: 'recent years are easy to guess',
  dates: 'dates are easy to guess',
  userInputs: 'it contains your e-mail address',
};

/** Why a password is refused, as a sentence to show; null when it is accepted. */
export async function passwordProblem(password: string, email?: string | null): Promise<string | null> {
  if (password.length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `must be at most ${MAX_PASSWORD_LENGTH} characters`;
  const inputs: string[] = [];
  if (email) {
    const address = email.trim().toLowerCase();
    const local = address.split('@')[0] ?? '';
    const lower = password.toLowerCase();
    if (lower.includes(address) || (local.length >= 3 && lower.includes(local))) return 'must not contain your e-mail address or its part before the @';
    inputs.push(address, local, ...local.split(/[._+-]/).filter((p) => p.length >= 3));
  }
  const r = (await zxcvbn()).check(password, inputs);
  if (r.score >= MIN_SCORE) return null;
  const why = (r.feedback.warning && WHY[r.feedback.warning]) || 'it follows a pattern that is easy to guess';
  return `is too easy to guess: ${why}; use a longer passphrase of unrelated words`;
}
