import { PassThrough } from 'node:stream';
import { askToCancel, PromptStreams } from './cancel.prompt';
import { shouldCancel } from './cancel-on-interrupt';
import { InterruptedError } from './exit-codes';
import { Interrupt } from './interrupt';

const TOKEN = 'b27f6016f9cf46a6baaddf09d2e5b221';

/** A pretend terminal: what the CLI writes is collected, what the person types is `type`d. */
function terminal(tty = { input: true, output: true }) {
  const input = Object.assign(new PassThrough(), { isTTY: tty.input });
  const output = Object.assign(new PassThrough(), { isTTY: tty.output });
  let written = '';
  output.on('data', (chunk: Buffer) => (written += chunk.toString()));
  const io: PromptStreams = { input, output };
  return {
    io,
    type: (text: string) => input.write(text),
    end: () => input.end(),
    written: () => written,
  };
}

const never = new AbortController().signal;

describe(askToCancel.name, () => {
  it('asks "cancel task <token>? [y/N]" and cancels on y or yes, in any case', async () => {
    for (const answer of ['y', 'Y', 'yes', 'YES', ' y ']) {
      const sut = terminal();
      const asked = askToCancel(sut.io, TOKEN, never);
      expect(sut.written()).toBe(`\ncancel task ${TOKEN}? [y/N] `);
      sut.type(`${answer}\n`);
      expect({ answer, cancel: await asked }).toEqual({ answer, cancel: true });
    }
  });

  it('keeps the task on an empty line (the default), n, or anything else', async () => {
    for (const answer of ['', 'n', 'no', 'yy', 'sure', 'y es']) {
      const sut = terminal();
      const asked = askToCancel(sut.io, TOKEN, never);
      sut.type(`${answer}\n`);
      expect({ answer, cancel: await asked }).toEqual({ answer, cancel: false });
    }
  });

  it('keeps the task when the input ends (Ctrl-D) or Ctrl-C comes again, ending the line', async () => {
    const eof = terminal();
    const asked = askToCancel(eof.io, TOKEN, never);
    eof.end();
    expect(await asked).toBe(false);
    expect(eof.written()).toBe(`\ncancel task ${TOKEN}? [y/N] \n`);

    const again = new AbortController();
    const ctrlC = terminal();
    const pending = askToCancel(ctrlC.io, TOKEN, again.signal);
    again.abort();
    expect(await pending).toBe(false);
    // A late answer changes nothing.
    ctrlC.type('y\n');
    expect(await pending).toBe(false);
  });

  it('reads only the first line: what follows is not taken as an answer', async () => {
    const sut = terminal();
    const asked = askToCancel(sut.io, TOKEN, never);
    sut.type('n\ny\n');
    expect(await asked).toBe(false);
  });
});

describe(shouldCancel.name, () => {
  const policy = (io: PromptStreams, cancelOnInterrupt = false) => {
    const held: string[] = [];
    return {
      held,
      sut: {
        cancelOnInterrupt,
        terminal: io,
        hold: <T>(during: (again: AbortSignal) => Promise<T>) => {
          held.push('hold');
          return during(never);
        },
      },
    };
  };

  it('cancels without asking with --cancel-on-interrupt, on a terminal or not', async () => {
    for (const tty of [true, false]) {
      const io = terminal({ input: tty, output: tty });
      const { sut, held } = policy(io.io, true);
      expect(await shouldCancel(sut, TOKEN)).toBe(true);
      expect(io.written()).toBe('');
      expect(held).toEqual([]);
    }
  });

  it('keeps the task without asking when stdin or stderr is not a terminal (scripts, pipes)', async () => {
    for (const tty of [
      { input: false, output: true },
      { input: true, output: false },
      { input: false, output: false },
    ]) {
      const io = terminal(tty);
      const { sut, held } = policy(io.io);
      expect(await shouldCancel(sut, TOKEN)).toBe(false);
      expect(io.written()).toBe('');
      expect(held).toEqual([]);
    }
  });

  it('asks on a terminal, holding off the forced exit while the person answers', async () => {
    for (const [answer, cancel] of [
      ['y', true],
      ['', false],
    ] as const) {
      const io = terminal();
      const { sut, held } = policy(io.io);
      const decided = shouldCancel(sut, TOKEN);
      io.type(`${answer}\n`);
      expect(await decided).toBe(cancel);
      expect(held).toEqual(['hold']);
      expect(io.written()).toContain(`cancel task ${TOKEN}? [y/N]`);
    }
  });
});

describe(Interrupt.name, () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('aborts on the first Ctrl-C, exits 130 on the second or after the grace period', () => {
    const exits: number[] = [];
    const sut = new Interrupt((code) => exits.push(code), 5000);
    sut.onSigint();
    expect(sut.signal.reason).toBeInstanceOf(InterruptedError);
    expect(exits).toEqual([]);
    jest.advanceTimersByTime(5000);
    expect(exits).toEqual([130]);
    sut.onSigint();
    expect(exits).toEqual([130, 130]);
  });

  it('while a question is held: no forced exit, and another Ctrl-C answers it instead of exiting', async () => {
    const exits: number[] = [];
    const sut = new Interrupt((code) => exits.push(code), 5000);
    sut.onSigint();
    let answered: AbortSignal | undefined;
    const held = sut.hold(
      (again) =>
        new Promise<string>((resolve) => {
          answered = again;
          again.addEventListener('abort', () => resolve('abandoned'));
        }),
    );
    jest.advanceTimersByTime(60_000);
    expect(exits).toEqual([]);
    sut.onSigint();
    expect(answered?.aborted).toBe(true);
    await expect(held).resolves.toBe('abandoned');
    expect(exits).toEqual([]);
    // Once answered, the grace period runs again (the DELETE must not hang the CLI forever).
    jest.advanceTimersByTime(5000);
    expect(exits).toEqual([130]);
  });
});
