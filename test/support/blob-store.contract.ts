import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { newTaskToken } from '@app/tasks/contract';
import { assertBlobKey, BlobNotFoundError, BlobStore, BlobTooLargeError } from '@app/tasks/storage';

const MiB = 1024 * 1024;

/** A store under test, with what the backend keeps outside its blobs (temp files, unfinished uploads). */
export interface ContractSubject {
  store: BlobStore;
  /** Anything the backend holds besides complete blobs: must be empty after a failed put. */
  leftovers(): Promise<string[]>;
  cleanup(): Promise<void>;
}

/** A stream of `parts`; with `failAfter`, it fails with `error` after that many parts. */
function bodyOf(parts: Buffer[], failAfter?: number, error = new Error('source broke')): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < parts.length; i++) {
        if (i === failAfter) throw error;
        yield parts[i];
      }
    })(),
  );
}

const text = async (stream: Readable): Promise<string> => {
  const pieces: Buffer[] = [];
  for await (const piece of stream) pieces.push(piece as Buffer);
  return Buffer.concat(pieces).toString();
};

const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
};

/**
 * The behaviour every BlobStore backend shares, as one describe block: the file store's unit
 * spec and the S3 store's spec (against a local S3 server) both run it. `makeStore` gives an
 * empty store per test.
 */
export function blobStoreContract(name: string, makeStore: () => Promise<ContractSubject>): void {
  describe(`${name} (BlobStore contract)`, () => {
    let subject: ContractSubject;
    let sut: BlobStore;

    beforeEach(async () => {
      subject = await makeStore();
      sut = subject.store;
    });
    afterEach(() => subject.cleanup());

    const keyOf = (name = 'input.txt') => `${newTaskToken()}/${name}`;
    const expectNothingUnder = async (key: string) => {
      await expect(sut.size(key)).rejects.toBeInstanceOf(BlobNotFoundError);
      expect((await collect(sut.listTasks())).map((t) => t.token)).not.toContain(key.split('/')[0]);
      expect(await subject.leftovers()).toEqual([]);
    };

    it('stores a stream and reads it back whole, resolving with its byte count and reporting progress', async () => {
      const key = keyOf();
      const progress: number[] = [];
      const bytes = await sut.put(key, bodyOf([Buffer.from('12 34 '), Buffer.from('-56\n')]), {
        onProgress: (n) => progress.push(n),
      });
      expect(bytes).toBe(10);
      expect(progress.at(-1)).toBe(10);
      expect((await sut.getBuffer(key)).toString()).toBe('12 34 -56\n');
      expect(await sut.size(key)).toBe(10);
    });

    it('stores a stream larger than several upload parts intact', async () => {
      const key = keyOf();
      const data = randomBytes(12 * MiB);
      const pieces = Array.from({ length: 48 }, (_, i) =>
        data.subarray(i * 256 * 1024, (i + 1) * 256 * 1024),
      );
      expect(await sut.put(key, bodyOf(pieces))).toBe(data.length);
      expect(await sut.size(key)).toBe(data.length);
      expect((await sut.getBuffer(key)).equals(data)).toBe(true);
    });

    it('stores an empty stream as an empty blob', async () => {
      const key = keyOf();
      expect(await sut.put(key, bodyOf([]))).toBe(0);
      expect(await sut.size(key)).toBe(0);
      expect((await sut.getBuffer(key)).length).toBe(0);
    });

    it('stores and reads buffers', async () => {
      const key = keyOf('output.png');
      await sut.putBuffer(key, Buffer.from([0, 1, 2, 255]));
      expect([...(await sut.getBuffer(key))]).toEqual([0, 1, 2, 255]);
    });

    it('reads byte ranges: inner, at either end, clipped past the end, and empty', async () => {
      const key = keyOf();
      await sut.putBuffer(key, Buffer.from('0123456789'));
      expect(await text(sut.readRange(key, 3, 7))).toBe('3456');
      expect(await text(sut.readRange(key, 0, 1))).toBe('0');
      expect(await text(sut.readRange(key, 0, 10))).toBe('0123456789');
      expect(await text(sut.readRange(key, 9, 10))).toBe('9');
      expect(await text(sut.readRange(key, 8, 15))).toBe('89');
      expect(await text(sut.readRange(key, 4, 4))).toBe('');
    });

    it('lets a reader stop early without draining the range', async () => {
      const key = keyOf();
      await sut.putBuffer(key, randomBytes(3 * MiB));
      const stream = sut.readRange(key, 0, 3 * MiB);
      for await (const piece of stream) {
        expect((piece as Buffer).length).toBeGreaterThan(0);
        break;
      }
      expect(stream.destroyed).toBe(true);
    });

    it('opens a whole blob as a stream with its size, several MiB intact', async () => {
      const key = keyOf('output.png');
      const data = randomBytes(3 * MiB + 17);
      await sut.putBuffer(key, data);
      const blob = await sut.openRead(key);
      expect(blob.size).toBe(data.length);
      const pieces: Buffer[] = [];
      for await (const piece of blob.body) pieces.push(piece as Buffer);
      expect(Buffer.concat(pieces).equals(data)).toBe(true);
    });

    it('opens an empty blob as size 0 and an empty stream', async () => {
      const key = keyOf('output.png');
      await sut.putBuffer(key, Buffer.alloc(0));
      const blob = await sut.openRead(key);
      expect(blob.size).toBe(0);
      expect(await text(blob.body)).toBe('');
    });

    it('lets the reader of an opened blob stop early, which ends the read', async () => {
      const key = keyOf('output.png');
      await sut.putBuffer(key, randomBytes(3 * MiB));
      const { body } = await sut.openRead(key);
      for await (const piece of body) {
        expect((piece as Buffer).length).toBeGreaterThan(0);
        break;
      }
      expect(body.destroyed).toBe(true);
      // The store still serves the blob afterwards (no handle or connection left half-used).
      const again = await sut.openRead(key);
      expect(again.size).toBe(3 * MiB);
      again.body.destroy();
    });

    it('refuses a body over maxBytes with BlobTooLargeError and keeps nothing of it', async () => {
      const key = keyOf();
      const pieces = Array.from({ length: 12 }, () => randomBytes(MiB));
      await expect(sut.put(key, bodyOf(pieces), { maxBytes: 11 * MiB })).rejects.toBeInstanceOf(
        BlobTooLargeError,
      );
      await expectNothingUnder(key);
    });

    it('keeps nothing when the source stream fails mid-way, and rethrows its error', async () => {
      const key = keyOf();
      const pieces = Array.from({ length: 12 }, () => randomBytes(MiB));
      await expect(sut.put(key, bodyOf(pieces, 7, new Error('client went away')))).rejects.toThrow(
        'client went away',
      );
      await expectNothingUnder(key);
    });

    it('answers BlobNotFoundError for a missing key from getBuffer, openRead, size and readRange', async () => {
      const key = keyOf();
      await expect(sut.getBuffer(key)).rejects.toBeInstanceOf(BlobNotFoundError);
      await expect(sut.openRead(key)).rejects.toBeInstanceOf(BlobNotFoundError);
      await expect(sut.size(key)).rejects.toBeInstanceOf(BlobNotFoundError);
      await expect(text(sut.readRange(key, 0, 10))).rejects.toBeInstanceOf(BlobNotFoundError);
    });

    it('deletes one blob, and nothing else; deleting it again is not an error', async () => {
      const token = newTaskToken();
      await sut.putBuffer(`${token}/output-a.png`, Buffer.from('a'));
      await sut.putBuffer(`${token}/output-b.png`, Buffer.from('b'));
      await sut.delete(`${token}/output-a.png`);
      await expect(sut.size(`${token}/output-a.png`)).rejects.toBeInstanceOf(BlobNotFoundError);
      expect((await sut.getBuffer(`${token}/output-b.png`)).toString()).toBe('b');
      await sut.delete(`${token}/output-a.png`);
    });

    it('deletes every blob of a task by its prefix, and nothing of other tasks', async () => {
      const [a, b] = [newTaskToken(), newTaskToken()];
      await Promise.all([
        sut.putBuffer(`${a}/input.png`, Buffer.from('a')),
        sut.putBuffer(`${a}/output.png`, Buffer.from('A')),
        sut.putBuffer(`${b}/input.png`, Buffer.from('b')),
      ]);
      await sut.deletePrefix(`${a}/`);
      await expect(sut.size(`${a}/input.png`)).rejects.toBeInstanceOf(BlobNotFoundError);
      await expect(sut.size(`${a}/output.png`)).rejects.toBeInstanceOf(BlobNotFoundError);
      expect((await sut.getBuffer(`${b}/input.png`)).toString()).toBe('b');
      await sut.deletePrefix(`${a}/`);
    });

    it('lists each task once, with the newest modification time of its blobs', async () => {
      const before = Date.now();
      const tokens = [newTaskToken(), newTaskToken(), newTaskToken()];
      for (const token of tokens) {
        await sut.putBuffer(`${token}/input.png`, Buffer.from('in'));
        await sut.putBuffer(`${token}/output.png`, Buffer.from('out'));
      }
      const after = Date.now();
      const listed = await collect(sut.listTasks());
      expect(listed.map((t) => t.token).sort()).toEqual([...tokens].sort());
      // S3 keeps whole seconds.
      for (const { modifiedAt } of listed) expect(modifiedAt).toBeGreaterThanOrEqual(before - 1000);
      for (const { modifiedAt } of listed) expect(modifiedAt).toBeLessThanOrEqual(after + 1000);
    });

    it('passes its writability check', async () => {
      await expect(sut.checkWritable()).resolves.toBeUndefined();
      expect(await collect(sut.listTasks())).toEqual([]);
    });

    it('refuses keys outside <token>/<name>, such as ../x', async () => {
      expect(() => assertBlobKey('../x')).toThrow('invalid blob key');
      await expect(sut.put('../x', bodyOf([Buffer.from('x')]))).rejects.toThrow('invalid blob key');
      await expect(sut.putBuffer('../x', Buffer.from('x'))).rejects.toThrow('invalid blob key');
      await expect(sut.getBuffer('../x')).rejects.toThrow('invalid blob key');
      await expect(sut.openRead('../x')).rejects.toThrow('invalid blob key');
      await expect(sut.size(`${newTaskToken()}/../../x`)).rejects.toThrow('invalid blob key');
      expect(() => sut.readRange('../x', 0, 1)).toThrow('invalid blob key');
      await expect(sut.deletePrefix('../')).rejects.toThrow('invalid blob prefix');
    });
  });
}
