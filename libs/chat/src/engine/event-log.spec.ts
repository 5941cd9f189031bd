import type { TurnEventInput } from '@lgm/persistence';
import { silentLogger } from '@lgm/testing';

import { TurnEventLog, type TurnEventLogOptions } from './event-log';

const TURN_ID = '01KAZ0000000000000000TURN0';
const SESSION_ID = '01KAZ000000000000000SESSN0';

/** Every promise job queued so far (and those they queue) has run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A store whose writes finish when the test says so. */
function manualStore() {
  const batches: number[][] = [];
  const waiting: (() => void)[] = [];
  const store = (events: readonly TurnEventInput[]): Promise<void> => {
    batches.push(events.map((event) => event.seq));
    return new Promise((resolve) => waiting.push(resolve));
  };
  const finishOne = async (): Promise<void> => {
    waiting.shift()?.();
    await settle();
  };
  return { store, batches, finishOne };
}

function logWith(options: Partial<TurnEventLogOptions> & Pick<TurnEventLogOptions, 'store'>) {
  return new TurnEventLog({
    turnId: TURN_ID,
    sessionId: SESSION_ID,
    flushIntervalMs: 60_000,
    flushMaxEvents: 3,
    logger: silentLogger('event-log'),
    ...options,
  });
}

const delta = (log: TurnEventLog, text: string) => log.emit('text.delta', { text });

describe('TurnEventLog', () => {
  it('writes what piled up during a write in one batch, not a write per event', async () => {
    const { store, batches, finishOne } = manualStore();
    const log = logWith({ store });

    for (let index = 0; index < 3; index += 1) delta(log, `a${index}`); // reaches 3: a write
    await settle();
    for (let index = 0; index < 7; index += 1) delta(log, `b${index}`); // each asks for a flush
    await settle();
    expect(batches).toEqual([[0, 1, 2]]);

    await finishOne();
    expect(batches).toEqual([
      [0, 1, 2],
      [3, 4, 5, 6, 7, 8, 9],
    ]);
    // One more during that write: below the count, it waits for its own trigger rather than
    // following the write at once on its own.
    delta(log, 'c0');
    await finishOne();
    expect(batches).toHaveLength(2);

    const closed = log.close();
    await settle();
    await finishOne();
    expect(await closed).toBe(true);
    expect(batches.at(-1)).toEqual([10]);
  });

  it('stores nothing before its gate opens, and nothing at all when it stays shut', async () => {
    const { store, batches, finishOne } = manualStore();
    let open: (value: boolean) => void = () => undefined;
    const gate = new Promise<boolean>((resolve) => {
      open = resolve;
    });
    const live: number[] = [];
    const log = logWith({ store, storeWhen: gate, onEvent: (event) => live.push(event.seq) });

    for (let index = 0; index < 5; index += 1) delta(log, `t${index}`);
    void log.flush();
    await settle();
    expect(batches).toEqual([]);
    expect(live).toEqual([0, 1, 2, 3, 4]);

    open(true);
    await settle();
    expect(batches).toEqual([[0, 1, 2, 3, 4]]);
    await finishOne();

    const shut = manualStore();
    const refused = logWith({ store: shut.store, storeWhen: Promise.resolve(false) });
    for (let index = 0; index < 5; index += 1) delta(refused, `t${index}`);
    expect(await refused.close()).toBe(true);
    expect(shut.batches).toEqual([]);
  });
});
