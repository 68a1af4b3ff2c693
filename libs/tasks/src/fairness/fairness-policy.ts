import { ClientClock, priorityOf, tagUnits, unitCost } from './start-time-fair-queue';

/** What the policy is told about a unit of work: enough to estimate its CPU cost. */
export type WorkUnit =
  /** A randomize job: decode, shuffle, encode. */
  | { kind: 'image'; rawBytes: number; height: number }
  /** An even-sum submission's plan job: it scans a file of one chunk itself, else only splits it. */
  | { kind: 'file'; bytes: number }
  /** One chunk of a big even-sum file. */
  | { kind: 'chunk'; bytes: number };

/** What the policy needs to know of the configuration. */
export interface FairnessSettings {
  /** Start tags become bull priorities (FAIR_SCHEDULING; else each queue is FIFO). */
  tags: boolean;
  /** CHUNK_BYTES: a file up to this size is one unit, scanned by its plan job. */
  chunkBytes: number;
}

/** A unit's start tag and the bull priority that orders it in its queue. */
export interface FairTag {
  tag: number;
  priority: number;
}

/**
 * The fairness policy in one place: a unit's cost and its start tag, given the queue's clock (kept
 * in Redis by FairScheduler). Pure; the api's submission path and the even-sum plan step are its
 * only callers, through FairScheduler. It is the one fairness layer: an express lane, an ordering of
 * the workers' CPU steps by recent use and niced workers were tried and measured, and went
 * (docs/architecture.md, "Fair scheduling across clients").
 */
export class FairnessPolicy {
  constructor(private readonly settings: FairnessSettings) {}

  /** Whether units are tagged at all (FAIR_SCHEDULING). */
  get active(): boolean {
    return this.settings.tags;
  }

  /** Estimated CPU milliseconds of a unit (its fair-queuing cost). */
  cost(unit: WorkUnit): number {
    switch (unit.kind) {
      case 'image':
        return unitCost.image(unit.rawBytes, unit.height);
      case 'file':
        // A bigger file's plan job only splits it: its chunks are charged when they are tagged.
        return unit.bytes <= this.settings.chunkBytes ? unitCost.scanBytes(unit.bytes) : 1;
      case 'chunk':
        return unitCost.scanBytes(unit.bytes);
    }
  }

  /** Tags and priorities of a client's new units (in order), given its queue's clock. */
  place(clock: ClientClock, costs: number[]): FairTag[] {
    return tagUnits(clock, costs).tags.map((tag) => ({ tag, priority: priorityOf(tag) }));
  }
}
