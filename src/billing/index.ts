/** Public API of the pure billing engine (no database, clock, network or file I/O). */
export * from './dates.js';
export { dec } from './decimal.js';
export * from './history.js';
export * from './model.js';
export * from './money.js';
export * from './periods.js';
export * from './quantity.js';
export * from './price.js';
export * from './prorata.js';
export * from './arrears.js';
export * from './usage.js';
export * from './invoice.js';
export { LINE_KINDS, isLineKind, unreachable } from './line-kinds.js';
export * from './simulate.js';
export { localDateOf, isTimeZone } from './localdate.js';
