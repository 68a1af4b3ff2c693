import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config';
import { TaskRunnerModule } from '../records';
import { ChunkResultsStore } from './chunk-results.store';
import { EvenSumChunkRunner } from './even-sum-chunk.runner';
import { EvenSumCombiner } from './even-sum.combiner';
import { EvenSumPlanner } from './even-sum.planner';
import { ScanPool } from './engine';

/** The even-sum work: planning, chunk scanning on a thread pool sized to the worker's cores, combining. */
@Module({
  imports: [TaskRunnerModule],
  providers: [
    ChunkResultsStore,
    EvenSumPlanner,
    EvenSumChunkRunner,
    EvenSumCombiner,
    // Scanning is CPU-bound: WORKER_CONCURRENCY threads let one process use every core it is given.
    {
      provide: ScanPool,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new ScanPool(config.workerConcurrency),
    },
  ],
  exports: [EvenSumPlanner, EvenSumChunkRunner],
})
export class EvenSumRunnerModule implements OnApplicationShutdown {
  constructor(@Inject(ScanPool) private readonly pool: ScanPool) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pool.destroy();
  }
}
