import type { FastifyInstance } from 'fastify';
import type { OpenAPIV3 } from 'openapi-types';

import type { DocsUi } from '../deps';
import { collectOpenApi } from './openapi';

/** Where the OpenAPI document and the explorer are served; both are public. */
export const DOCS_ROUTES = ['/docs', '/docs/*'] as const;

/**
 * OpenAPI 3 from the routes' zod schemas (`GET /docs/json`) and an explorer at `/docs`: the one
 * given (swagger-ui locally), or a small self-contained page. Call before the routes are
 * declared: the document is collected as they are added.
 */
export async function registerDocs(
  app: FastifyInstance,
  options: { readonly version: string; readonly ui?: DocsUi },
): Promise<OpenAPIV3.Document> {
  const document = collectOpenApi(app, {
    title: 'LGM chat-api',
    description:
      'Sessions, messages, documents, search, artifacts, tools and usage of the signed-in user. Every route but /health and /docs needs `Authorization: Bearer <access token>`. Errors are `{ "error": { "code", "message", "details" } }`.',
    version: options.version,
  });
  if (options.ui !== undefined) {
    await options.ui(app, document);
    return document;
  }
  app.get('/docs/json', { config: { public: true } }, async () => document);
  app.get('/docs', { config: { public: true } }, async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', DOCS_PAGE_CSP)
      .send(DOCS_PAGE),
  );
  return document;
}

const DOCS_PAGE_CSP =
  "default-src 'none'; connect-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'";

/**
 * The API explorer where swagger-ui's assets cannot be shipped (the Lambda bundle): it reads the
 * OpenAPI document beside it and lists every operation with its parameters and schemas. Text is
 * set with textContent only, so nothing in the document can inject markup.
 */
const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>LGM chat-api</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1c1c1c}
h1{margin-bottom:.2rem}details{border:1px solid #ddd;border-radius:6px;margin:.5rem 0;padding:.4rem .8rem}
summary{cursor:pointer}code.m{display:inline-block;min-width:4.5rem;font-weight:700}
pre{background:#f6f6f6;padding:.6rem;overflow:auto;font-size:13px}
</style></head>
<body><h1>LGM chat-api</h1><p id="about"></p><p><a href="" id="json">OpenAPI document (JSON)</a></p><main id="ops">Loading…</main>
<script>
(function(){
  var url = location.pathname.replace(/\\/?$/, '/json');
  document.getElementById('json').href = url;
  function el(tag, text){ var e = document.createElement(tag); if (text !== undefined) e.textContent = text; return e; }
  fetch(url).then(function(r){ return r.json(); }).then(function(doc){
    document.getElementById('about').textContent = (doc.info && doc.info.description) || '';
    var ops = document.getElementById('ops'); ops.textContent = '';
    Object.keys(doc.paths || {}).sort().forEach(function(path){
      var item = doc.paths[path];
      Object.keys(item).forEach(function(method){
        var op = item[method]; var d = el('details'); var s = el('summary');
        var m = el('code', method.toUpperCase()); m.className = 'm';
        s.appendChild(m); s.appendChild(el('code', path));
        if (op.summary) s.appendChild(el('span', ' — ' + op.summary));
        d.appendChild(s);
        var parts = { parameters: op.parameters, requestBody: op.requestBody, responses: op.responses };
        Object.keys(parts).forEach(function(k){ if (parts[k]) { d.appendChild(el('h4', k)); d.appendChild(el('pre', JSON.stringify(parts[k], null, 2))); } });
        ops.appendChild(d);
      });
    });
  }).catch(function(e){ document.getElementById('ops').textContent = 'Could not load ' + url + ': ' + e; });
})();
</script></body></html>`;
