import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Where and as whom to reach DynamoDB. */
export interface DynamoDbClientOptions {
  readonly region: string;
  /**
   * Set only for a local DynamoDB-compatible server (e.g. `http://127.0.0.1:8000`); on AWS the
   * SDK derives the regional endpoint itself.
   */
  readonly endpoint?: string;
  /**
   * Locally, dummy static credentials (the local server checks only that requests are signed);
   * on AWS leave unset so the SDK uses the Lambda/ECS role.
   */
  readonly credentials?: DynamoDBClientConfig['credentials'];
  /** SDK attempts per call, retries of throttling and 5xx included (SDK default: 3). */
  readonly maxAttempts?: number;
}

/** The low-level client (tables, TTL) and the document client (items as plain objects). */
export interface DynamoDbClients {
  readonly client: DynamoDBClient;
  readonly documents: DynamoDBDocumentClient;
}

/**
 * Builds the DynamoDB clients every repository uses.
 *
 * The document client drops `undefined` attributes (optional fields stay optional instead of
 * failing the marshaller) and refuses class instances, so a Date or a Map never reaches the
 * table silently as an empty map: repositories store ISO strings and JSON text instead.
 *
 * @example
 * const { client, documents } = createDynamoDbClients({
 *   region: 'us-east-1',
 *   endpoint: local.endpoint,
 *   credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
 * });
 */
export function createDynamoDbClients(options: DynamoDbClientOptions): DynamoDbClients {
  const config: DynamoDBClientConfig = { region: options.region };
  if (options.endpoint !== undefined) config.endpoint = options.endpoint;
  if (options.credentials !== undefined) config.credentials = options.credentials;
  if (options.maxAttempts !== undefined) config.maxAttempts = options.maxAttempts;
  const client = new DynamoDBClient(config);
  const documents = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: false },
  });
  return { client, documents };
}
