import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import Piscina from 'piscina';
import type { ChunkScanResult, ScanState } from './even-sum.scanner';
import { PART_BYTES, recyclePartBuffer, takePartBuffer } from './part-buffers';
import type { ScanFilePartTask, ScanSliceResult, ScanSliceTask } from './scan-slice.worker';
import { takeSpareBytes } from './bytes-pool';
import type { FilePart } from './scan-file';
import { scanStateBuffers } from './scan-state';

/**
 * The worker-thread module. From source (ts-jest, tsx) this file is .ts and a .js shim loads
 * the .ts worker through tsx. Bundled by webpack (`nest build worker`), this code runs from
 * dist/apps/worker/main.js and the worker is the second webpack entry beside it,
 * dist/apps/worker/scan-slice.worker.js (see webpack.config.js). A tsc build puts the compiled
 * scan-slice.worker.js beside this file: the same name, so that case works as well.
 */
function defaultWorkerFile(): string {
  if (__filename.endsWith('.ts')) return join(__dirname, 'scan-slice.worker-from-source.js');
  return join(__dirname, 'scan-slice.worker.js');
}

/** Runs scanSlice on a fixed set of worker threads, so one process scans on every core. */
export class ScanPool {
  private readonly piscina: Piscina;
  private destroyed = false;

  constructor(threads: number = availableParallelism(), workerFile: string = defaultWorkerFile()) {
    const size = Math.max(1, Math.floor(threads));
    // A fixed size: threads start once (and compile their scanner once) and stay.
    this.piscina = new Piscina({
      filename: workerFile,
      minThreads: size,
      maxThreads: size,
      idleTimeout: 60_000,
    });
  }

  /**
   * scanSlice in a worker thread. A Uint8Array that is its whole ArrayBuffer is transferred
   * (detached: the caller must not use it again); any other is copied first. The state's arrays
   * are transferred too, both ways (a million-digit token's groups cost ~15 ms to clone): use
   * the state returned, not the one passed.
   */
  async scanSlice(
    state: ScanState,
    bytes: Uint8Array,
    prevByte?: number,
  ): Promise<{ state: ScanState; done: boolean }> {
    // Piscina leaves a task sent after destroy() pending forever; fail it instead.
    if (this.destroyed) throw new Error('ScanPool is destroyed');
    // Transfer moves a whole ArrayBuffer: a view into a larger or pooled buffer (Buffer's 8 KiB
    // pool, a subarray of a big read) gets its own copy first, so nothing else is detached.
    let owned = bytes;
    if (
      !(bytes.buffer instanceof ArrayBuffer) ||
      bytes.byteOffset !== 0 ||
      bytes.byteLength !== bytes.buffer.byteLength
    ) {
      owned = bytes.byteLength === PART_BYTES ? takePartBuffer() : new Uint8Array(bytes.byteLength);
      owned.set(bytes);
    }
    const task: ScanSliceTask = { state, bytes: owned, prevByte };
    const result: ScanSliceResult = await this.piscina.run(task, {
      transferList: [owned.buffer as ArrayBuffer, ...scanStateBuffers(state)],
    });
    recyclePartBuffer(result.bytes.buffer);
    return { state: result.state, done: result.done };
  }

  /**
   * scanFilePart in a worker thread: the thread reads the part of the stored file itself, so
   * nothing but the part's name and its result cross between threads. A sum of more than
   * LONG_SUM_DIGITS digits comes as a Buffer of its digits (finishScan's 'bytes'), the
   * caller's to hand to recycleDecimalBytes when done.
   */
  async scanFilePart(part: FilePart): Promise<ChunkScanResult> {
    if (this.destroyed) throw new Error('ScanPool is destroyed');
    // A buffer a long sum came back in, once its user gave it back: the thread prints the next
    // long sum into it (measured: a fresh 6 MB per sum took a 6 MB run of digits from ~10 to ~25 ms).
    const spare = takeSpareBytes();
    const task: ScanFilePartTask = { part, spare };
    const result = (await this.piscina.run(task, {
      name: 'scanFilePartTask',
      transferList: spare ? [spare] : [],
    })) as ChunkScanResult;
    // A transferred Buffer arrives as a plain Uint8Array over the moved memory: a Buffer again.
    const sum = result.sum as string | Uint8Array;
    if (typeof sum !== 'string' && !Buffer.isBuffer(sum))
      result.sum = Buffer.from(sum.buffer, sum.byteOffset, sum.byteLength);
    return result;
  }

  /** Stops the threads; later scanSlice and scanFilePart calls reject. */
  async destroy(): Promise<void> {
    this.destroyed = true;
    await this.piscina.destroy();
  }
}
