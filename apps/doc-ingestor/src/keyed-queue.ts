/**
 * Runs tasks in the background, one at a time per key and in arrival order, different keys in
 * parallel up to `concurrency`. The local server uses it so `POST /events` can answer at once
 * while each document's events are still applied in the order S3 emitted them.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly onError: (key: string, error: unknown) => void,
  ) {}

  /** Queues `task` behind every earlier task of `key`. Never rejects. */
  push(key: string, task: () => Promise<void>): void {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.slot(key, task));
    this.tails.set(key, next);
    void next.then(() => {
      if (this.tails.get(key) === next) this.tails.delete(key);
    });
  }

  /** Resolves once every queued task has finished (shutdown, tests). */
  async drain(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }

  private async slot(key: string, task: () => Promise<void>): Promise<void> {
    if (this.running >= this.concurrency) {
      // The finishing task hands its slot over directly, so `running` never overshoots.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      await task();
    } catch (error) {
      this.onError(key, error);
    } finally {
      const next = this.waiting.shift();
      if (next === undefined) this.running -= 1;
      else next();
    }
  }
}
