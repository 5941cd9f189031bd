// Request counts of the benchmark's dynalite process (see dynamodb-main.ts).

/** Requests with this header are the benchmark's own (setup and checks), counted apart. */
export const BENCH_CLIENT_HEADER = 'x-lgm-bench';
export const COUNTS_PATH = '/__bench/counts';

export type Counts = Readonly<Record<string, number>>;

/** The counts so far, or an empty record when the store cannot tell. */
export async function fetchCounts(endpoint: string): Promise<Counts> {
  try {
    const response = await fetch(`${endpoint}${COUNTS_PATH}`);
    return (await response.json()) as Counts;
  } catch {
    return {};
  }
}

/** The gateway's requests between two snapshots, by operation (the benchmark's left out). */
export function gatewayRequests(before: Counts, after: Counts): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) {
    if (key.startsWith('bench:')) continue;
    const delta = value - (before[key] ?? 0);
    if (delta > 0) out[key] = delta;
  }
  return out;
}

/** `Query 2.0, GetItem 1.0, …` per `per` (turns, tokens), most frequent first. */
export function describeRequests(requests: Readonly<Record<string, number>>, per: number): string {
  const total = Object.values(requests).reduce((sum, value) => sum + value, 0);
  const parts = Object.entries(requests)
    .sort((a, b) => b[1] - a[1])
    .map(([operation, value]) => `${operation} ${(value / per).toFixed(1)}`);
  return `${(total / per).toFixed(1)} (${parts.join(', ') || 'none'})`;
}
