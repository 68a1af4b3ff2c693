import { FairnessPolicy, FairnessSettings } from './fairness-policy';
import { priorityOf, unitCost } from './start-time-fair-queue';

const MiB = 1024 * 1024;
const ALL_ON: FairnessSettings = { tags: true, expressLane: true, chunkBytes: 64 * MiB };

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
    const idle = { virtualTime: 100, lastFinish: 50 };
    const backlogged = { virtualTime: 100, lastFinish: 400 };

    it('tags units from max(V, F) and orders them by priority', () => {
      const sut = new FairnessPolicy(ALL_ON);
      expect(sut.place(backlogged, [10, 5])).toEqual([
        { tag: 400, priority: priorityOf(400), express: false },
        { tag: 410, priority: priorityOf(410), express: false },
      ]);
    });

    it('sends one due unit of a client with nothing waiting to the express lane', () => {
      const sut = new FairnessPolicy(ALL_ON);
      expect(sut.place(idle, [10])).toEqual([
        { tag: 100, priority: priorityOf(100), express: true },
      ]);
      expect(sut.place(idle, [10, 10]).map((t) => t.express)).toEqual([false, false]);
      expect(sut.place(backlogged, [10])[0].express).toBe(false);
    });

    it('keeps tags but no priorities with the tags layer off (FIFO in each queue)', () => {
      const sut = new FairnessPolicy({ ...ALL_ON, tags: false });
      expect(sut.place(idle, [10])).toEqual([{ tag: 100, priority: undefined, express: true }]);
      expect(sut.active).toBe(true);
    });

    it('never takes the express lane with the lane off', () => {
      const sut = new FairnessPolicy({ ...ALL_ON, expressLane: false });
      expect(sut.place(idle, [10])).toEqual([
        { tag: 100, priority: priorityOf(100), express: false },
      ]);
    });

    it('is inactive with both queue layers off', () => {
      expect(new FairnessPolicy({ ...ALL_ON, tags: false, expressLane: false }).active).toBe(false);
    });
  });
});
