import { Foundation1763800000000 } from './1763800000000-foundation.js';

/** Every migration, oldest first. Both SQLite and MariaDB run exactly these. */
export const ALL_MIGRATIONS = [Foundation1763800000000];
