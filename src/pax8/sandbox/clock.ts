/** The sandbox clock: starts at a fixed instant and only moves when advanced (deterministic data). */
export class SandboxClock {
  private readonly startMs: number;
  private offsetMs = 0;

  constructor(startIso: string) {
    const ms = Date.parse(startIso);
    if (Number.isNaN(ms)) throw new Error(`invalid sandbox clock start: ${startIso}`);
    this.startMs = ms;
  }

  /** Current sandbox instant in epoch milliseconds. */
  nowMs(): number {
    return this.startMs + this.offsetMs;
  }

  /** The instant the sandbox started at (generation reference). */
  startInstantMs(): number {
    return this.startMs;
  }

  /** Total amount the clock has been advanced (also shortens token lifetimes). */
  advancedMs(): number {
    return this.offsetMs;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error('the sandbox clock only moves forward');
    this.offsetMs += ms;
  }

  nowIso(): string {
    return new Date(this.nowMs()).toISOString();
  }
}
