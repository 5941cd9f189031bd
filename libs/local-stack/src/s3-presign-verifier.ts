import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

import type { S3rverContext, S3rverMiddleware } from './s3rver-module';

/**
 * SigV4 query-string (presigned URL) verification for s3rver, which checks only the access key
 * and the expiry of V4 requests, never the signature. Without this, a browser could PUT any
 * number of bytes or any content type to a URL whose signature names exactly one of each, and the
 * local stack would accept what S3 refuses with 403 SignatureDoesNotMatch.
 *
 * Header-signed SDK requests are left to s3rver: they come from our own code, not from browsers.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
 */

export interface PresignVerifierOptions {
  /** Secrets by access key id; requests signed with other keys are left to s3rver. */
  readonly secrets: ReadonlyMap<string, string>;
  /** Origins allowed by the bucket CORS rules: our error responses must carry CORS headers too. */
  readonly corsOrigins: readonly string[];
}

/** RFC 3986 encoding, as SigV4 requires (encodeURIComponent leaves `!'()*` alone). */
function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** The signature S3 would compute for this request, or undefined when it is not ours to check. */
function expectedSignature(
  ctx: S3rverContext,
  query: URLSearchParams,
  secrets: ReadonlyMap<string, string>,
): { expected: string; provided: string } | undefined {
  const credential = query.get('X-Amz-Credential');
  const provided = query.get('X-Amz-Signature');
  const date = query.get('X-Amz-Date');
  const signedHeaders = query.get('X-Amz-SignedHeaders');
  if (credential === null || provided === null || date === null || signedHeaders === null) {
    return undefined;
  }
  const [accessKeyId, ...scopeParts] = credential.split('/');
  const secret = accessKeyId === undefined ? undefined : secrets.get(accessKeyId);
  const [shortDate, region, service] = scopeParts;
  if (secret === undefined || shortDate === undefined || region === undefined || !service) {
    return undefined;
  }

  const rawUrl = ctx.req.url ?? '/';
  const queryStart = rawUrl.indexOf('?');
  // S3 signs the path exactly as sent (the SDK encodes each key segment once, and so must we not).
  const path = queryStart < 0 ? rawUrl : rawUrl.slice(0, queryStart);
  const canonicalQuery = [...query.entries()]
    .filter(([name]) => name !== 'X-Amz-Signature')
    .map(([name, value]) => [escapeUri(name), escapeUri(value)] as const)
    .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const headerNames = signedHeaders.split(';');
  const canonicalHeaders = headerNames
    .map((name) => `${name}:${ctx.get(name).trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const payloadHash = query.get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD';
  const canonicalRequest = [
    ctx.method,
    path,
    canonicalQuery,
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join('\n');
  const scope = `${shortDate}/${region}/${service}/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    date,
    scope,
    createHash('sha256').update(canonicalRequest, 'utf8').digest('hex'),
  ].join('\n');
  let key = hmac(`AWS4${secret}`, shortDate);
  key = hmac(key, region);
  key = hmac(key, service);
  key = hmac(key, 'aws4_request');
  return { expected: hmac(key, stringToSign).toString('hex'), provided };
}

/**
 * A Koa middleware for s3rver that answers 403 `SignatureDoesNotMatch` to presigned requests
 * whose signature does not cover what was sent (method, path, signed headers such as
 * `content-length` and `content-type`, query).
 */
export function createPresignVerifier(options: PresignVerifierOptions): S3rverMiddleware {
  return async (ctx, next) => {
    // Preflights carry the URL's query but no signed headers; S3 answers them from CORS rules alone.
    if (ctx.method === 'OPTIONS') return next();
    const rawUrl = ctx.req.url ?? '';
    const queryStart = rawUrl.indexOf('?');
    if (queryStart < 0) return next();
    const query = new URLSearchParams(rawUrl.slice(queryStart + 1));
    if (query.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') return next();
    const check = expectedSignature(ctx, query, options.secrets);
    if (check === undefined) return next();
    const expected = Buffer.from(check.expected, 'utf8');
    const provided = Buffer.from(check.provided, 'utf8');
    if (expected.length === provided.length && timingSafeEqual(expected, provided)) return next();

    // Drain the upload so the client sees the 403 instead of a reset connection.
    ctx.req.resume();
    const origin = ctx.get('origin');
    if (origin !== '' && options.corsOrigins.includes(origin)) {
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.set('Vary', 'Origin');
    }
    ctx.status = 403;
    ctx.type = 'application/xml';
    ctx.body =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code>' +
      '<Message>The request signature we calculated does not match the signature you provided.' +
      '</Message></Error>';
  };
}
