import { addSmall } from './exact-sum';
import { fastScan } from './fast-scan';
import { SCAN_KERNEL_WASM } from './scan-kernel.wasm';
import { ScanState } from './scan-state';

/** Where the piece being scanned starts in the kernel's memory (see scan-kernel.wat). */
const SCRATCH = 128;
/** The largest piece the kernel's memory holds, and the zero bytes it keeps after a piece. */
export const KERNEL_PIECE = 1 << 20;
export const KERNEL_PAD = 32;
// When the kernel stops at a token it does not take (16+ digits, a cut or bad token), the JS fast
// path takes this many bytes' worth of tokens before the kernel resumes: a file of long numbers
// then costs a kernel call per few tokens, not per token.
const JS_STRETCH = 128;

// The few WebAssembly API names used here: the project's TypeScript libs (ES2023, node) do not
// declare the WebAssembly global, which Node has.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}
const { Module, Instance } = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

// One instance per thread (module scope): its memory is the scanner's scratch. Compiled
// synchronously: the module is about 1 KB.
const instance = new Instance(new Module(Buffer.from(SCAN_KERNEL_WASM, 'base64')));
const memory = instance.exports.memory as { buffer: ArrayBuffer };
const scan = instance.exports.scan as (from: number, lim: number) => number;
// The memory never grows (fixed size in the .wat), so these views stay attached.
const results = new Float64Array(memory.buffer, 0, 2);
const counts = new Int32Array(memory.buffer, 16, 3);

/** The kernel's scratch: a piece is copied here, followed by KERNEL_PAD zero bytes. */
export const kernelScratch = new Uint8Array(memory.buffer, SCRATCH, KERNEL_PIECE + KERNEL_PAD);
/** The same bytes for fastScan and the slow path's word reads. */
export const kernelView = new DataView(memory.buffer, SCRATCH, KERNEL_PIECE + KERNEL_PAD);

/**
 * fastScan's contract over kernelScratch: processes the tokens that start in [from, lim) and
 * returns where it stopped (at or past lim, or a token start for the slow path). The WebAssembly
 * kernel takes the common tokens; fastScan the ones it stops at (16 or more digits), and what
 * neither takes goes back to the caller's slow path exactly as from fastScan alone.
 */
export function kernelScan(st: ScanState, from: number, lim: number): number {
  let i = from;
  while (i < lim) {
    i = scan(SCRATCH + i, SCRATCH + lim) - SCRATCH;
    addSmall(st, results[0]);
    st.hi += results[1];
    st.count += counts[0];
    st.evenCount += counts[1];
    st.newlines += counts[2];
    if (i >= lim) break;
    const stretch = Math.min(lim, i + JS_STRETCH);
    const j = fastScan(st, kernelView, i, stretch);
    if (j === i) break;
    // fastScan left out a '\n' ending a token past `stretch`: it is ours when before lim.
    if (j > stretch && j - 1 < lim && kernelScratch[j - 1] === 10) st.newlines++;
    i = j;
  }
  return i;
}
