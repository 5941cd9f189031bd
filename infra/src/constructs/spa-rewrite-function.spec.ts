import { runInNewContext } from 'node:vm';

import { SPA_REWRITE_FUNCTION_CODE } from './spa-rewrite-function';

interface ViewerRequest {
  uri: string;
  method: string;
  querystring: Record<string, { value: string }>;
  headers: Record<string, { value: string }>;
}

// The function's code string, run the way CloudFront runs it: a top-level `handler` taking the
// viewer-request event, in a context with nothing of Node's.
const handler = runInNewContext(`${SPA_REWRITE_FUNCTION_CODE}; handler`, {}) as (event: {
  request: ViewerRequest;
}) => ViewerRequest;

function viewerRequest(uri: string): ViewerRequest {
  return {
    uri,
    method: 'GET',
    querystring: { code: { value: 'abc' }, state: { value: 'xyz' } },
    headers: { host: { value: 'd111111abcdef8.cloudfront.net' } },
  };
}

describe('the SPA rewrite function', () => {
  it.each([
    '/',
    '/chat',
    '/chat/01HZX3K4N5P6Q7R8S9T0V1W2X3',
    '/chat/01HZX3K4N5P6Q7R8S9T0V1W2X3/',
    '/documents',
    '/settings',
    '/auth/callback',
    '/some/unknown/route',
  ])('serves index.html for the app route %s', (uri) => {
    const request = handler({ request: viewerRequest(uri) });

    expect(request.uri).toBe('/index.html');
  });

  it.each([
    '/index.html',
    '/config.json',
    '/favicon.svg',
    '/assets/index-BmUcb4y5.js',
    '/assets/index-BEvWQIaL.css',
    '/assets/chat-page-CXlzkTrK.js.map',
    '/robots.txt',
    '/missing.png',
  ])('leaves the file %s alone, so a missing one stays an error', (uri) => {
    const request = handler({ request: viewerRequest(uri) });

    expect(request.uri).toBe(uri);
  });

  it('returns the request itself, keeping its method, query string and headers', () => {
    const original = viewerRequest('/auth/callback');

    const request = handler({ request: original });

    expect(request).toBe(original);
    expect(request.querystring).toEqual({ code: { value: 'abc' }, state: { value: 'xyz' } });
    expect(request.headers['host']).toEqual({ value: 'd111111abcdef8.cloudfront.net' });
  });

  it('uses only what the cloudfront-js-2.0 runtime has (no require, no process)', () => {
    expect(SPA_REWRITE_FUNCTION_CODE).not.toMatch(/\brequire\(|\bprocess\b|\bimport\b/);
    expect(SPA_REWRITE_FUNCTION_CODE).toMatch(/^function handler\(event\) \{/);
  });
});
