#!/usr/bin/env -S npx tsx
// Per-token forwarding overhead of the Bedrock ChatModel adapter (ARCHITECTURE §5: ≤ 50 µs per
// token). Streams N tokens from the local Bedrock emulator (no delay) through the real SDK client,
// once reading the raw `ConverseStreamCommand` stream and once through `BedrockChatModel.stream`,
// and prints tokens/s, µs per token for each and their ratio. The emulator runs in this process,
// so both figures include its cost; the difference is what the adapter adds. Figures only: timing
// is never asserted.
import { ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { BedrockChatModel, createBedrockRuntimeClient } from '@lgm/bedrock';
import { bedrockScripts, startBedrockEmulator } from '@lgm/testing';

const TOKENS = Number(process.env['BENCH_TOKENS'] ?? 20_000);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const BUDGET_US = 50;
const MODEL = 'anthropic.claude-bench-v1:0';
const messages = [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'Go.' }] }];

const emulator = await startBedrockEmulator();
const client = createBedrockRuntimeClient({
  region: 'us-east-1',
  endpoint: emulator.endpoint,
  credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' },
});
const model = new BedrockChatModel({ client });
const answer = 'tok '.repeat(TOKENS);

async function raw(): Promise<number> {
  const response = await client.send(
    new ConverseStreamCommand({
      modelId: MODEL,
      messages: [{ role: 'user', content: [{ text: 'Go.' }] }],
    }),
  );
  let tokens = 0;
  for await (const event of response.stream ?? []) {
    if (event.contentBlockDelta?.delta?.text !== undefined) tokens += 1;
  }
  return tokens;
}

async function adapter(signal?: AbortSignal): Promise<number> {
  let tokens = 0;
  for await (const event of model.stream({
    modelId: MODEL,
    messages,
    ...(signal ? { signal } : {}),
  })) {
    if (event.type === 'text_delta') tokens += 1;
  }
  return tokens;
}

async function time(run: () => Promise<number>): Promise<number> {
  emulator.enqueue(bedrockScripts.text(answer));
  const started = process.hrtime.bigint();
  const tokens = await run();
  const elapsed = Number(process.hrtime.bigint() - started) / 1e3; // µs
  if (tokens !== TOKENS) throw new Error(`expected ${TOKENS} tokens, got ${tokens}`);
  return elapsed;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

// Warm up JIT, connection code paths and the emulator.
for (let i = 0; i < 2; i += 1) {
  await time(raw);
  await time(() => adapter());
}

const samples = { raw: [] as number[], adapter: [] as number[], signal: [] as number[] };
for (let i = 0; i < RUNS; i += 1) {
  // Interleaved so drift (GC, thermal) hits all three alike.
  samples.raw.push(await time(raw));
  samples.adapter.push(await time(() => adapter()));
  samples.signal.push(await time(() => adapter(new AbortController().signal)));
}
await emulator.close();
client.destroy();

const rawUs = median(samples.raw) / TOKENS;
const row = (name: string, elapsedUs: number): string => {
  const perToken = elapsedUs / TOKENS;
  return `${name.padEnd(28)} ${(TOKENS / (elapsedUs / 1e6)).toFixed(0).padStart(9)} tok/s  ${perToken
    .toFixed(2)
    .padStart(7)} µs/token  ratio ${(perToken / rawUs).toFixed(2)}`;
};

console.log(`model-stream: ${TOKENS} tokens from the Bedrock emulator, median of ${RUNS} runs`);
console.log(row('raw SDK ConverseStream', median(samples.raw)));
console.log(row('BedrockChatModel.stream', median(samples.adapter)));
console.log(row('  … with an AbortSignal', median(samples.signal)));
for (const [name, values] of [
  ['adapter', samples.adapter],
  ['adapter + signal', samples.signal],
] as const) {
  const overhead = median(values) / TOKENS - rawUs;
  console.log(
    `overhead per token (${name}): ${overhead.toFixed(2)} µs (budget ≤ ${BUDGET_US} µs: ${
      overhead <= BUDGET_US ? 'within' : 'OVER'
    })`,
  );
}
