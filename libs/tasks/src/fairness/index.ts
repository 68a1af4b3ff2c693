// Fair sharing between clients: start-time fair queuing tags, their scheduler, and the per-process
// CPU gate.
// Other areas, the apps, test/ and scripts/ import this area only through this file.
export { unitCost } from './start-time-fair-queue';
export { FairScheduler } from './fair-scheduler.service';
export type { FairRange } from './fair-scheduler.service';
export { FairnessPolicy } from './fairness-policy';
export type { FairnessSettings, FairTag, WorkUnit } from './fairness-policy';
export { CpuGate } from './cpu-gate';
export type { GateOwner } from './cpu-gate';
