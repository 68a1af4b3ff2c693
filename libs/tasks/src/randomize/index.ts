// The randomize work the worker runs (PNG codec, block shuffle, runner) and the PNG facts the api
// checks before queueing.
// Other areas, the apps, test/ and scripts/ import this area only through this file.
export { rawBytesPerPixel, readPngHeader } from './png-header';
export type { PngHeader } from './png-header';
export { pngOutputBound } from './png-output-bound';
export { readPngChunks } from './png-chunks';
export { blockPermutation } from './block-permutation';
export { blockGrid, shuffleBlocks } from './shuffle-blocks';
export { PngCodec } from './png-codec.service';
export { RandomizeRunner } from './randomize.runner';
export { RandomizeRunnerModule } from './randomize-runner.module';
