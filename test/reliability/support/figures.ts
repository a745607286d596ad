/** Figures the reliability suites collect; printed once at the end of the run (see hooks.ts). */
export const figures = {
  importRuns: 0,
  importRetries: 0,
  faultsInjected: 0,
  crashesSurvived: 0,
  /** Kills that landed after some rows were written and before all were: the case that matters most. */
  crashesMidWrite: 0,
  hostileInputsTried: 0,
  duplicatesFound: 0,
  mismatches: 0,
};

export type FigureName = keyof typeof figures;

export function count(name: FigureName, by = 1): void {
  figures[name] += by;
}

/** How many runs a suite makes: the full count under `npm run test:reliability`, a quick subset otherwise. */
export function runsFor(full: number, quick: number): number {
  return process.env.RELIABILITY_FULL === '1' ? full : quick;
}
