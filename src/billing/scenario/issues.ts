import type { z } from 'zod';
import { KNOWN_KEYS } from './schema.js';

export type IssuePath = readonly PropertyKey[];

/** `lines[1].links[0].free`; the whole file is "scenario". */
export function formatPath(path: IssuePath): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? 'scenario' : out;
}

export function issue(path: IssuePath, message: string): string {
  return `${formatPath(path)}: ${message}`;
}

function closest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  return known.find((k) => k.toLowerCase() === lower) ?? known.find((k) => distance(k.toLowerCase(), lower) <= 2);
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** One friendly line per problem, each naming the field path. */
export function describeZodIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((i) => {
    if (i.code === 'unrecognized_keys') {
      const kind = i.path.filter((k) => typeof k === 'string').join('.');
      const known = KNOWN_KEYS[kind] ?? [];
      return i.keys.map((key) => {
        const hint = closest(key, known);
        return issue([...i.path, key], `unknown field${hint ? ` (did you mean "${hint}"?)` : ''}; expected one of ${known.join(', ')}`);
      });
    }
    if (i.code === 'invalid_type' && i.path.length === 0) return [issue([], 'must be a JSON object')];
    if (i.code === 'invalid_type' && i.expected === 'object') return [issue(i.path, 'must be an object { ... }')];
    return [issue(i.path, i.message)];
  });
}
