/**
 * When the current height reached each stage, for its "block signed and stored" log line (README
 * "Metrics"): `timeToSignatureMs` from the proposal (built here, or first received) to the verified
 * group signature, and `stagesMs`, each stage's end relative to the proposal — validated (a peer's
 * block checked), signed (PREPARE quorum, guard, partial), decided (COMMIT quorum), combined, stored.
 * Absent stages (a block learnt from a DECIDED) are null. Times are the node clock's `monotonic()`.
 */
import type { Clock } from './clock.js';

export type Stage = 'proposal' | 'validated' | 'signed' | 'decided' | 'combined' | 'stored';

export class HeightTimeline {
  private readonly at = new Map<Stage, number>();

  constructor(private readonly clock: Clock) {}

  /** Records the stage's time unless it was recorded already this height (`signed`: the latest round's). */
  mark(stage: Stage): void {
    if (stage === 'signed' || !this.at.has(stage)) this.at.set(stage, this.clock.monotonic());
  }

  has(stage: Stage): boolean {
    return this.at.has(stage);
  }

  /** Milliseconds from `from` to `to`, undefined unless both happened. */
  between(from: Stage, to: Stage): number | undefined {
    const start = this.at.get(from);
    const end = this.at.get(to);
    return start === undefined || end === undefined ? undefined : end - start;
  }

  reset(): void {
    this.at.clear();
  }

  fields(): { timeToSignatureMs: number | null; stagesMs: Record<string, number | null> } {
    const since = (stage: Stage): number | null => {
      const ms = this.between('proposal', stage);
      return ms === undefined ? null : Math.round(ms * 100) / 100;
    };
    return {
      timeToSignatureMs: since('combined'),
      stagesMs: { validated: since('validated'), signed: since('signed'), decided: since('decided'), combined: since('combined'), stored: since('stored') },
    };
  }
}
