import { Injectable, Logger } from '@nestjs/common';
import { JobOf } from '../queues/job-payloads';
import { JobName } from '../queues/queue-names';
import { blobKeys, BlobStore, InjectBlobStore } from '../storage/blob-store';
import { CpuGate } from '../fairness/cpu-gate';
import { ClientUsageStore } from '../limits/client-usage.store';
import { TaskLifecycle } from '../tasks/task-lifecycle.service';
import { blockPermutation } from './block-permutation';
import { PngCodec } from './png-codec.service';
import { blockGrid, shuffleBlocks } from './shuffle-blocks';

/** Runs one randomize job: load the PNG, shuffle its full blocks, store the result, finish the task. */
@Injectable()
export class RandomizeRunner {
  private readonly logger = new Logger(RandomizeRunner.name);

  constructor(
    @InjectBlobStore() private readonly blobs: BlobStore,
    private readonly codec: PngCodec,
    private readonly lifecycle: TaskLifecycle,
    private readonly gate: CpuGate,
    private readonly usage: ClientUsageStore,
  ) {}

  async run({ token, inputKey, blockSize, seed }: JobOf<JobName.Randomize>): Promise<void> {
    const record = await this.lifecycle.start(token);
    if (record.status === 'finished' || record.status === 'errored') return;
    this.logger.log({ token, task: record.task, blockSize, seed }, 'job started');
    const started = performance.now();
    const input = await this.blobs.getBuffer(inputKey);
    // Decode and encode are the CPU-heavy steps: each takes its turn at the process's CPU gate.
    const image = await this.gate.run(record.client, () => this.codec.decode(input));
    const png = await this.gate.run(record.client, () => {
      const { cols, rows } = blockGrid(image.width, image.height, blockSize);
      const shuffled = shuffleBlocks(image, blockSize, blockPermutation(cols * rows, seed));
      return this.codec.encode({ ...image, data: shuffled });
    });
    const resultKey = blobKeys.randomizeOutput(token);
    await this.blobs.putBuffer(resultKey, png);
    // The api reserved the result's upper bound; from now on it counts for what it is.
    await this.usage.settle(record.client, token, record.bytes + png.length);
    const executionMs = Math.round(performance.now() - started);
    await this.lifecycle.finish(record, { resultKey, executionMs });
  }
}
