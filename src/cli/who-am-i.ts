import { userInfo } from 'node:os';

/** The operating-system user running the command ('cli' when it cannot be told). */
export function whoAmI(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER || 'cli';
  }
}

/** How the event log, audits and runs name a person at the command line: `cli:<user>`. */
export function cliActor(): string {
  return `cli:${whoAmI()}`;
}
