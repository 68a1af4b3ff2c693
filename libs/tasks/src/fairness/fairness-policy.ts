import {
  ClientClock,
  priorityOf,
  tagUnits,
  takesExpressLane,
  unitCost,
} from './start-time-fair-queue';

/** What the policy is told about a unit of work: enough to estimate its CPU cost. */
export type WorkUnit =
  /** A randomize job: decode, shuffle, encode. */
  | { kind: 'image'; rawBytes: number; height: number }
  /** An even-sum submission's plan job: it scans a file of one chunk itself, else only splits it. */
  | { kind: 'file'; bytes: number }
  /** One chunk of a big even-sum file. */
  | { kind: 'chunk'; bytes: number };

/** The queue layers of fairness in force (each switchable, so each can be measured). */
export interface FairnessSettings {
  /** Start tags become bull priorities (else each queue is FIFO). */
  tags: boolean;
  /** A unit that is due now takes the express queue. */
  expressLane: boolean;
  /** CHUNK_BYTES: a file up to this size is one unit, scanned by its plan job. */
  chunkBytes: number;
}

/** A unit's start tag, the bull priority that orders it (absent: FIFO), and its lane. */
export interface FairTag {
  tag: number;
  priority?: number;
  /** Goes to the express queue (QueueName.Express) instead of its own: see takesExpressLane. */
  express: boolean;
}

/**
 * The fairness policy in one place: a unit's cost, its start tag and its lane, given the queue's
 * clock (kept in Redis by FairScheduler). Pure; the api's submission path and the even-sum plan
 * step are its only callers, through FairScheduler. The worker's CPU gate is the one layer outside
 * it: it orders steps inside a process, where the policy has no say.
 */
export class FairnessPolicy {
  constructor(private readonly settings: FairnessSettings) {}

  /** Whether units are tagged at all (a clock is kept only for the tags or the express lane). */
  get active(): boolean {
    return this.settings.tags || this.settings.expressLane;
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

  /** Tags, priorities and lanes of a client's new units (in order), given its queue's clock. */
  place(clock: ClientClock, costs: number[]): FairTag[] {
    const express = this.settings.expressLane && takesExpressLane(clock, costs);
    return tagUnits(clock, costs).tags.map((tag) => ({
      tag,
      priority: this.settings.tags ? priorityOf(tag) : undefined,
      express,
    }));
  }
}
