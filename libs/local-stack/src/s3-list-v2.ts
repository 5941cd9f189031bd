import type { S3rverContext, S3rverMiddleware } from './s3rver-module';

/**
 * Makes s3rver's ListObjectsV2 pagination work on Node ≥ 17. s3rver encrypts continuation
 * tokens with DES, which OpenSSL 3 no longer ships, so every *truncated* V2 listing fails with a
 * 500, whether the client pages with ContinuationToken or StartAfter. This middleware serves V2
 * requests through s3rver's V1 listing (marker-based, no crypto) and rewrites the answer into the
 * V2 shape, with continuation tokens that are simply the base64url of the last key.
 *
 * It must run after s3rver's XML serializer (so the listing is still an object) and before its
 * router.
 */

const TOKEN_PREFIX = 'lgm1.';

function encodeToken(key: string): string {
  return TOKEN_PREFIX + Buffer.from(key, 'utf8').toString('base64url');
}

function decodeToken(token: string): string | undefined {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  return Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8');
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

interface V1Listing {
  ListBucketResult?: {
    Marker?: unknown;
    NextMarker?: unknown;
    IsTruncated?: boolean;
    Contents?: { Key: string; Owner?: unknown }[];
    CommonPrefixes?: { Prefix: string }[];
    [field: string]: unknown;
  };
}

function invalidToken(ctx: S3rverContext): void {
  ctx.status = 400;
  ctx.type = 'application/xml';
  ctx.body =
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InvalidArgument</Code>' +
    '<Message>The continuation token provided is incorrect</Message></Error>';
}

export function createListV2Middleware(): S3rverMiddleware {
  return async (ctx, next) => {
    const isBucketGet = ctx.method === 'GET' && /^\/[^/]+\/?$/.test(ctx.path);
    if (!isBucketGet || single(ctx.query['list-type']) !== '2') return next();

    const continuationToken = single(ctx.query['continuation-token']);
    const startAfter = single(ctx.query['start-after']);
    const fetchOwner = single(ctx.query['fetch-owner']) === 'true';
    let marker = startAfter;
    if (continuationToken !== undefined && continuationToken !== '') {
      marker = decodeToken(continuationToken);
      if (marker === undefined) return invalidToken(ctx);
    }
    const v1 = new URLSearchParams();
    for (const [name, value] of Object.entries(ctx.query)) {
      if (['list-type', 'continuation-token', 'start-after', 'fetch-owner'].includes(name))
        continue;
      const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
      for (const item of values) v1.append(name, item);
    }
    if (marker !== undefined && marker !== '') v1.set('marker', marker);
    ctx.querystring = v1.toString();

    await next();

    const listing = (ctx.body as V1Listing | undefined)?.ListBucketResult;
    if (listing === undefined) return;
    const contents = listing.Contents ?? [];
    const last = [
      ...contents.map((item) => item.Key),
      ...(listing.CommonPrefixes ?? []).map((item) => item.Prefix),
    ].sort();
    const lastKey = last[last.length - 1];
    delete listing.Marker;
    delete listing.NextMarker;
    if (!fetchOwner) for (const item of contents) delete item.Owner;
    Object.assign(listing, {
      ...(continuationToken === undefined ? {} : { ContinuationToken: continuationToken }),
      ...(startAfter === undefined || continuationToken !== undefined
        ? {}
        : { StartAfter: startAfter }),
      ...(listing.IsTruncated === true && lastKey !== undefined
        ? { NextContinuationToken: encodeToken(lastKey) }
        : {}),
      KeyCount: contents.length + (listing.CommonPrefixes?.length ?? 0),
    });
  };
}
