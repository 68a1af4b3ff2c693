import { FairnessPolicy, FairnessSettings } from './fairness-policy';
import { priorityOf, unitCost } from './start-time-fair-queue';

const MiB = 1024 * 1024;
const ALL_ON: FairnessSettings = { tags: true, chunkBytes: 64 * MiB };

describe(FairnessPolicy.name, () => {
  describe('cost', () => {
    const sut = new FairnessPolicy(ALL_ON);

    it('charges an image its pixels and rows', () => {
      expect(sut.cost({ kind: 'image', rawBytes: 3_000_000, height: 1000 })).toBe(
        unitCost.image(3_000_000, 1000),
      );
    });

    it('charges a file of one chunk its scan, a bigger file only its split', () => {
      expect(sut.cost({ kind: 'file', bytes: 64 * MiB })).toBe(unitCost.scanBytes(64 * MiB));
      expect(sut.cost({ kind: 'file', bytes: 64 * MiB + 1 })).toBe(1);
    });

    it('charges a chunk its scan', () => {
      expect(sut.cost({ kind: 'chunk', bytes: 7_000_000 })).toBe(10);
    });
  });

  describe('place', () => {
    const backlogged = { virtualTime: 100, lastFinish: 400 };

    it('tags units from max(V, F) and orders them by priority', () => {
      const sut = new FairnessPolicy(ALL_ON);
      expect(sut.place(backlogged, [10, 5])).toEqual([
        { tag: 400, priority: priorityOf(400) },
        { tag: 410, priority: priorityOf(410) },
      ]);
    });

    it('tags a client with nothing queued at the virtual time', () => {
      const sut = new FairnessPolicy(ALL_ON);
      expect(sut.place({ virtualTime: 100, lastFinish: 50 }, [10])).toEqual([
        { tag: 100, priority: priorityOf(100) },
      ]);
    });

    it('is inactive with FAIR_SCHEDULING off', () => {
      expect(new FairnessPolicy({ ...ALL_ON, tags: false }).active).toBe(false);
      expect(new FairnessPolicy(ALL_ON).active).toBe(true);
    });
  });
});
