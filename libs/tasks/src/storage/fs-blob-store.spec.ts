import { mkdtempSync, rmSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blobStoreContract } from '../../../../test/support/blob-store.contract';
import { FsBlobStore } from './fs-blob-store';

blobStoreContract(FsBlobStore.name, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fs-blob-store-'));
  return {
    store: new FsBlobStore(dir),
    // Temp files of failed puts and empty task directories count as leftovers.
    leftovers: async () =>
      (await readdir(dir, { recursive: true })).filter((f) => !f.startsWith('.probe')),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
