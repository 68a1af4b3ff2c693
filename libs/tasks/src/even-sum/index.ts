// The even-sum work the worker runs: plan, chunk and combine roles over the pure engine (./engine).
// Other areas, the apps, test/ and scripts/ import this area only through this file.
export { EvenSumPlanner } from './even-sum.planner';
export { EvenSumChunkRunner } from './even-sum-chunk.runner';
export { EvenSumCombiner } from './even-sum.combiner';
export { ChunkResultsStore } from './chunk-results.store';
export { EvenSumRunnerModule } from './even-sum-runner.module';
export * from './engine';
