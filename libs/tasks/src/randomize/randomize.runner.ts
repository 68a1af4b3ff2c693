import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { JobOf, JobName } from '../queues';
import { blobKeys, BlobStore, InjectBlobStore } from '../storage';
import { CpuGate, GateOwner } from '../fairness';
import { ClientUsageStore } from '../limits';
import { TaskLifecycle } from '../records';
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

  async run(job: JobOf<JobName.Randomize>): Promise<void> {
    // A cancel deletes the input under a running job: its failure then is nobody's.
    await this.lifecycle.unlessEnded(job.token, () => this.runOpen(job));
  }

  private async runOpen({
    token,
    inputKey,
    blockSize,
    seed,
  }: JobOf<JobName.Randomize>): Promise<void> {
    const record = await this.lifecycle.start(token);
    // Ended (finished, errored, or cancelled by its client) before this delivery: nothing to do.
    if (record.status !== 'received') return;
    this.logger.log({ token, task: record.task, blockSize, seed }, 'job started');
    const started = performance.now();
    const input = await this.blobs.getBuffer(inputKey);
    // Decode and encode are the CPU-heavy steps: each takes its turn at the process's CPU gate.
    const owner = { client: record.client, job: token };
    const decode = await this.timedStep(owner, () => this.codec.decode(input));
    const { image, format } = decode.value;
    const encode = await this.timedStep(owner, () => {
      const { cols, rows } = blockGrid(image.width, image.height, blockSize);
      const shuffled = shuffleBlocks(image, blockSize, blockPermutation(cols * rows, seed));
      return this.codec.encode({ ...image, data: shuffled }, format);
    });
    const png = encode.value;
    // Where an image's time goes inside the worker (bench:fairness --breakdown reads it).
    this.logger.debug(
      {
        token,
        gateWaitMs: Math.round(decode.waitMs + encode.waitMs),
        decodeMs: Math.round(decode.runMs),
        encodeMs: Math.round(encode.runMs),
        loadMs: Math.round(decode.askedAt - started),
      },
      'image steps',
    );
    // bull may run this job twice at once (an expired lock): each run writes its own blob and the
    // first to finish names it in the record; an unseeded shuffle differs between runs, so a client
    // must never see the result change after it finished.
    const resultKey = blobKeys.randomizeOutput(token, randomBytes(6).toString('hex'));
    await this.blobs.putBuffer(resultKey, png);
    const executionMs = Math.round(performance.now() - started);
    if (!(await this.lifecycle.finish(record, { resultKey, executionMs }))) {
      // Another run finished first, or the task was cancelled (or deleted) meanwhile: this run's
      // output is nobody's, and a cancel already deleted the blobs it knew of.
      await this.blobs.delete(resultKey);
      return;
    }
    // The api reserved the result's upper bound; from now on the winning result counts for what it
    // is (a crash before this keeps the bound: too much, never too little).
    await this.usage.settle(record.client, token, record.bytes + png.length);
  }

  /** Runs a step at the CPU gate: its value, when it asked, how long it waited and ran (ms). */
  private async timedStep<T>(
    owner: GateOwner,
    step: () => Promise<T>,
  ): Promise<{ value: T; askedAt: number; waitMs: number; runMs: number }> {
    const askedAt = performance.now();
    let began = askedAt;
    const value = await this.gate.run(() => {
      began = performance.now();
      return step();
    }, owner);
    return { value, askedAt, waitMs: began - askedAt, runMs: performance.now() - began };
  }
}
