import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import type { OpenAPIV3 } from 'openapi-types';

/** What the document says about the API as a whole. */
export interface OpenApiInfo {
  readonly title: string;
  readonly description: string;
  readonly version: string;
}

type JsonSchema = Record<string, unknown> & {
  properties?: Record<string, Record<string, unknown>>;
  required?: string[];
  description?: string;
  nullable?: boolean;
};

/** The parts of a route schema the document reads, as the zod transform returns them. */
interface TransformedSchema {
  readonly body?: JsonSchema;
  readonly querystring?: JsonSchema;
  readonly params?: JsonSchema;
  readonly response?: Record<string, JsonSchema>;
  readonly tags?: string[];
  readonly summary?: string;
  readonly description?: string;
  readonly hide?: boolean;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
type Method = (typeof METHODS)[number];

/**
 * An OpenAPI 3.0 document of the routes declared on `app` after this call, built from their zod
 * schemas (converted the way fastify-type-provider-zod converts them). It is filled in when the
 * app is ready, in place, so the object can be handed out before.
 *
 * This replaces @fastify/swagger's generator in the Lambda bundle: the generator and the YAML
 * library it loads weigh 150 KB of the 1 MB budget (ARCHITECTURE §5).
 */
export function collectOpenApi(app: FastifyInstance, info: OpenApiInfo): OpenAPIV3.Document {
  const document: OpenAPIV3.Document = {
    openapi: '3.0.3',
    info: { ...info },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
    security: [{ bearer: [] }],
    paths: {},
  };
  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (route) => {
    if (route.schema !== undefined) routes.push(route);
  });
  app.addHook('onReady', async () => {
    for (const route of routes) addOperations(document, route);
  });
  return document;
}

function addOperations(document: OpenAPIV3.Document, route: RouteOptions): void {
  const methods = (Array.isArray(route.method) ? route.method : [route.method])
    .map((method) => method.toLowerCase())
    .filter((method): method is Method => (METHODS as readonly string[]).includes(method))
    // fastify adds a HEAD route for every GET; it says nothing the GET does not.
    .filter((method) => method !== 'head');
  if (methods.length === 0) return;
  const { schema } = jsonSchemaTransform({
    schema: route.schema as FastifySchema,
    url: route.url,
    route,
    openapiObject: document,
  }) as { schema: TransformedSchema | undefined };
  if (schema === undefined || schema.hide === true) return;

  const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
  const item: OpenAPIV3.PathItemObject = (document.paths[path] ??= {});
  const operation: OpenAPIV3.OperationObject = {
    ...(schema.tags === undefined ? {} : { tags: schema.tags }),
    ...(schema.summary === undefined ? {} : { summary: schema.summary }),
    ...(schema.description === undefined ? {} : { description: schema.description }),
    parameters: [...parameters(schema.params, 'path'), ...parameters(schema.querystring, 'query')],
    responses: responses(schema.response),
  };
  if (schema.body !== undefined) {
    const { nullable, ...body } = schema.body;
    operation.requestBody = {
      required: nullable !== true,
      content: { 'application/json': { schema: body as OpenAPIV3.SchemaObject } },
    };
  }
  for (const method of methods) item[method] = operation;
}

function parameters(
  schema: JsonSchema | undefined,
  location: 'path' | 'query',
): OpenAPIV3.ParameterObject[] {
  return Object.entries(schema?.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property as { description?: string };
    return {
      name,
      in: location,
      required: location === 'path' || (schema?.required ?? []).includes(name),
      ...(description === undefined ? {} : { description }),
      schema: rest as OpenAPIV3.SchemaObject,
    };
  });
}

function responses(response: Record<string, JsonSchema> | undefined): OpenAPIV3.ResponsesObject {
  const entries = Object.entries(response ?? {});
  if (entries.length === 0) return { '204': { description: 'Done; no content.' } };
  return Object.fromEntries(
    entries.map(([status, body]) => [
      status.toUpperCase(),
      {
        description: body.description ?? (status.startsWith('2') ? 'Success.' : 'Error.'),
        content: { 'application/json': { schema: body as OpenAPIV3.SchemaObject } },
      },
    ]),
  );
}
