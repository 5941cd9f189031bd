import type { ToolCallResult, ToolExecutor } from '../ports';
import { shorten } from './text';

/** What one tool call produced, with its duration. */
export interface ToolRun extends ToolCallResult {
  readonly durationMs: number;
}

export interface RunToolOptions {
  readonly ownerId: string;
  readonly name: string;
  readonly input: unknown;
  readonly timeoutMs: number;
  /** Characters of output kept (events and the stored answer); the rest is cut. */
  readonly maxOutputChars: number;
  /** The turn's signal: a cancel stops the tool too. */
  readonly signal: AbortSignal;
}

const TIMEOUT = Symbol('timeout');
const ABORTED = Symbol('aborted');

/**
 * Runs one tool call through the executor with a per-call timeout that holds even when the
 * executor ignores its signal: whatever happens — timeout, cancel, a throw — the result is a
 * `ToolCallResult`, never an exception, so the turn continues (or ends) on its own terms.
 */
export async function runTool(executor: ToolExecutor, options: RunToolOptions): Promise<ToolRun> {
  const started = performance.now();
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(options.signal.reason);
  options.signal.addEventListener('abort', onAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<typeof TIMEOUT>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error('tool timeout'));
      resolve(TIMEOUT);
    }, options.timeoutMs);
  });
  const aborted = new Promise<typeof ABORTED>((resolve) => {
    if (options.signal.aborted) resolve(ABORTED);
    else options.signal.addEventListener('abort', () => resolve(ABORTED), { once: true });
  });
  let result: ToolCallResult;
  try {
    const outcome = await Promise.race([
      executor.callTool(options.ownerId, options.name, options.input, {
        signal: controller.signal,
      }),
      timeout,
      aborted,
    ]);
    if (outcome === TIMEOUT) {
      result = {
        status: 'error',
        output: `The tool did not answer within ${formatDuration(options.timeoutMs)}.`,
        truncated: false,
      };
    } else if (outcome === ABORTED) {
      result = {
        status: 'error',
        output: 'The turn was cancelled before the tool answered.',
        truncated: false,
      };
    } else {
      result = outcome;
    }
  } catch (error) {
    // The port says executors report failures as results; one that throws is treated the same.
    result = {
      status: 'error',
      output: `The tool failed: ${error instanceof Error ? error.message : String(error)}`,
      truncated: false,
    };
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', onAbort);
  }
  const output = typeof result.output === 'string' ? result.output : String(result.output);
  const capped = shorten(output, options.maxOutputChars);
  return {
    status: result.status === 'success' ? 'success' : 'error',
    output: capped.text,
    truncated: result.truncated === true || capped.shortened,
    durationMs: Math.max(0, Math.round(performance.now() - started)),
  };
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}
