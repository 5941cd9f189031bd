import { backoffDelay, realSleep, withRetry } from './retry';

const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 300 };

describe('retry policy', () => {
  it('draws full-jitter delays from a doubling, capped window', () => {
    expect([1, 2, 3, 4].map((retry) => backoffDelay(retry, policy, () => 0.999))).toEqual([
      99, 199, 299, 299,
    ]);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
  });

  it('retries retryable failures up to the attempt budget', async () => {
    const sleeps: number[] = [];
    let calls = 0;

    const result = await withRetry(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error('transient');
        return 'ok';
      },
      {
        isRetryable: () => true,
        policy,
        deps: { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 },
      },
    );

    expect(result).toBe('ok');
    expect(sleeps).toEqual([50, 100]);
  });

  it('gives up on non-retryable failures and after the budget', async () => {
    const deps = { sleep: async () => undefined, random: () => 0 };
    let calls = 0;
    const failing = async (): Promise<never> => {
      calls += 1;
      throw new Error('nope');
    };

    await expect(withRetry(failing, { isRetryable: () => false, policy, deps })).rejects.toThrow(
      'nope',
    );
    expect(calls).toBe(1);
    calls = 0;
    await expect(withRetry(failing, { isRetryable: () => true, policy, deps })).rejects.toThrow(
      'nope',
    );
    expect(calls).toBe(4);
  });

  it('real sleep is cut short by its signal', async () => {
    const controller = new AbortController();
    const sleeping = realSleep(60_000, controller.signal);
    controller.abort(new Error('stop'));

    await expect(sleeping).rejects.toThrow('stop');
  });
});
