import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';

import { classifyAddress } from './ip-addresses';
import { addressRefusal, type HostResolver, systemResolver } from './url-validation';

/** The fetch signature the MCP SDK's transports accept. */
export type McpFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** Error code of a connection refused because of where it would go. */
export const ADDRESS_NOT_ALLOWED = 'MCP_SERVER_ADDRESS_NOT_ALLOWED';
/** Error code of a response body larger than allowed. */
export const RESPONSE_TOO_LARGE = 'MCP_SERVER_RESPONSE_TOO_LARGE';

export interface GuardedFetchOptions {
  readonly allowPrivateNetworks: boolean;
  /** Most bytes read from one response body; a bigger one fails the request. */
  readonly maxResponseBytes: number;
  readonly resolve?: HostResolver;
}

class GuardError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'GuardError';
    this.code = code;
  }
}

/**
 * A `fetch` over `node:http(s)` that checks the address of every socket it opens, at the moment
 * it opens it. Checking the URL's DNS answer before a request is not enough: a host can answer
 * a public address to the check and a private one to the connection (DNS rebinding). Here the
 * address checked is the address connected to. Response bodies are capped, so a hostile server
 * cannot exhaust memory before the result-size cap applies. Redirects are returned, not followed
 * (the MCP SDK follows same-origin ones itself, through this fetch again).
 */
export function createGuardedFetch(options: GuardedFetchOptions): McpFetch {
  const resolve = options.resolve ?? systemResolver;
  const guardedLookup: LookupFunction = (hostname, lookupOptions, callback) => {
    resolve(hostname).then(
      (found) => {
        const addresses = found.map((address) => ({
          address,
          family: address.includes(':') ? 6 : 4,
        }));
        const family = lookupOptions.family;
        const only =
          family === 6 || family === 'IPv6' ? 6 : family === 4 || family === 'IPv4' ? 4 : 0;
        const wanted = only === 0 ? addresses : addresses.filter((entry) => entry.family === only);
        for (const entry of wanted) {
          const why = addressRefusal(
            classifyAddress(entry.address) ?? 'private',
            options.allowPrivateNetworks,
          );
          if (why) {
            callback(
              new GuardError(ADDRESS_NOT_ALLOWED, `The MCP server's host ${why}.`),
              '',
              undefined,
            );
            return;
          }
        }
        const first = wanted[0];
        if (!first) {
          callback(new GuardError('ENOTFOUND', `${hostname} has no address.`), '', undefined);
        } else if (lookupOptions.all) {
          (callback as unknown as (error: null, entries: typeof wanted) => void)(null, wanted);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (error: unknown) =>
        callback(
          error instanceof Error ? (error as NodeJS.ErrnoException) : new Error(String(error)),
          '',
          undefined,
        ),
    );
  };
  // Own agents, so keep-alive sockets opened under another policy are never reused here.
  const agents = {
    'http:': new HttpAgent({ keepAlive: true, lookup: guardedLookup }),
    'https:': new HttpsAgent({ keepAlive: true, lookup: guardedLookup }),
  };

  return (input, init = {}) =>
    new Promise<Response>((resolvePromise, reject) => {
      const url = new URL(input instanceof URL ? input.href : input);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        reject(new TypeError(`Unsupported protocol ${url.protocol}`));
        return;
      }
      // Literal IP hosts skip the lookup, so they are checked here.
      const why = addressRefusal(classifyAddress(url.hostname), options.allowPrivateNetworks);
      if (why) {
        reject(new GuardError(ADDRESS_NOT_ALLOWED, `The MCP server's host ${why}.`));
        return;
      }
      const signal = init.signal ?? undefined;
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((value, name) => {
        headers[name] = value;
      });
      const body = requestBody(init.body);
      if (body !== undefined) headers['content-length'] = String(body.byteLength);

      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const request = send(url, {
        method: init.method ?? 'GET',
        headers,
        agent: agents[url.protocol],
        lookup: guardedLookup,
      });
      const onAbort = () => request.destroy(abortReason(signal));
      signal?.addEventListener('abort', onAbort, { once: true });
      request.once('close', () => signal?.removeEventListener('abort', onAbort));
      request.once('error', reject);
      request.once('response', (response) => {
        resolvePromise(toResponse(response, options.maxResponseBytes));
      });
      request.end(body);
    });
}

function requestBody(body: RequestInit['body']): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  // The MCP SDK sends JSON text; nothing else is needed.
  throw new TypeError('Unsupported request body type.');
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  return new DOMException('The operation was aborted.', 'AbortError');
}

function toResponse(response: IncomingMessage, maxBytes: number): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  const status = response.statusCode ?? 502;
  const init = { status, statusText: response.statusMessage ?? '', headers };
  if (status === 204 || status === 205 || status === 304) {
    response.resume();
    return new Response(null, init);
  }
  let received = 0;
  let settled = false;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        controller.error(error);
      };
      response.on('data', (chunk: Buffer) => {
        if (settled) return;
        received += chunk.byteLength;
        if (received > maxBytes) {
          fail(
            new GuardError(
              RESPONSE_TOO_LARGE,
              `The MCP server's response is larger than ${maxBytes} bytes.`,
            ),
          );
          response.destroy();
          return;
        }
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        // Back-pressure: stop reading the socket until the consumer catches up.
        if ((controller.desiredSize ?? 1) <= 0) response.pause();
      });
      response.once('end', () => {
        if (settled) return;
        settled = true;
        controller.close();
      });
      response.once('error', fail);
      response.once('close', () => {
        if (!response.complete) fail(new Error('The MCP server closed the response early.'));
      });
    },
    pull() {
      response.resume();
    },
    cancel() {
      settled = true;
      response.destroy();
    },
  });
  return new Response(stream, init);
}
