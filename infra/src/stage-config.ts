import { MODEL_CATALOG } from '@lgm/bedrock';
import * as z from 'zod';

// CloudWatch Logs accepts only these retention periods (AWS::Logs::LogGroup RetentionInDays).
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

/** The VPC always spans this many Availability Zones. */
export const AZ_COUNT = 2;

const PRODUCTION_STAGE = 'prod';

// Context from the CLI arrives as strings (`-c webOrigins=https://a,https://b`), context from
// cdk.json as JSON; both spellings are accepted for lists and numbers.
const list = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (value) =>
      typeof value === 'string'
        ? value
            .split(',')
            .map((part) => part.trim())
            .filter((part) => part.length > 0)
        : value,
    z.array(item),
  );

const days = (minimum: number) => z.coerce.number().int().min(minimum).max(3650);

// `-c selfSignUp=false` arrives as the string 'false', which z.coerce.boolean() would read as true.
const flag = z.preprocess(
  (value) => (value === 'true' ? true : value === 'false' ? false : value),
  z.boolean({ error: 'must be true or false' }),
);

/** Requests (or socket messages) per second; API Gateway's account default is 10,000. */
const ratePerSecond = z.coerce.number().positive().max(10_000);
const burst = z.coerce.number().int().min(1).max(5_000);

// Cognito accepts http only for localhost; everything else must be https.
const redirectUrl = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return (
        url.protocol === 'https:' ||
        (url.protocol === 'http:' && ['localhost', '127.0.0.1'].includes(url.hostname))
      );
    } catch {
      return false;
    }
  },
  { message: 'must be an https:// URL (http:// only for localhost)' },
);

/** The chat models of the catalog (`@lgm/bedrock`): what chat-api offers and the worker runs. */
const CHAT_MODEL_IDS = MODEL_CATALOG.filter((entry) => entry.kind === 'chat').map(
  (entry) => entry.id,
) as [string, ...string[]];

/** The default model of new sessions unless the stage names another: fast and inexpensive. */
const PREFERRED_DEFAULT_MODEL = 'claude-haiku-4-5';

const chatModelId = z.enum(CHAT_MODEL_IDS, {
  error: `must be a chat model of the catalog: ${CHAT_MODEL_IDS.join(', ')}`,
});

const origin = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
    } catch {
      return false;
    }
  },
  {
    message:
      'must be an origin like https://app.example.com (scheme, host, optional port; no path)',
  },
);

const stageConfigShape = {
  stage: z
    .string({ error: 'is required: pass -c stage=<name>, e.g. -c stage=dev' })
    .regex(
      /^[a-z][a-z0-9]{1,11}$/,
      'must be 2-12 lowercase letters or digits, starting with a letter',
    ),
  account: z
    .string()
    .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
    .optional(),
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1')
    .optional(),
  availabilityZones: list(
    z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, 'must be zone names such as eu-west-1a'),
  )
    .refine((zones) => zones.length === AZ_COUNT && new Set(zones).size === AZ_COUNT, {
      message: `must name exactly ${AZ_COUNT} different zones`,
    })
    .optional(),
  /**
   * At least one: the chat services need the internet (the user pool's signing keys, the
   * WebSocket management API the turn worker streams through, users' MCP servers), and no VPC
   * endpoint serves those. One gateway costs about 33 USD a month plus data; two survive a zone.
   */
  natGateways: z.coerce
    .number()
    .int()
    .min(
      1,
      'must be at least 1: the chat services reach the user pool keys, the WebSocket management API and MCP servers over the internet',
    )
    .max(AZ_COUNT, `must be between 1 and ${AZ_COUNT} (one per Availability Zone at most)`)
    .default(1),
  vpcCidr: z
    .string()
    .regex(
      /^(10|172|192)\.\d{1,3}\.\d{1,3}\.0\/(1[6-9]|20)$/,
      'must be a private IPv4 block between /16 and /20, such as 10.40.0.0/16',
    )
    .default('10.40.0.0/16'),
  removalPolicy: z.enum(['retain', 'destroy']).optional(),
  encryption: z.enum(['aws-managed', 'customer-managed']).default('aws-managed'),
  /**
   * Browser origins of the web app: the API's CORS, the documents bucket's CORS and (unless
   * authCallbackUrls is set) the sign-in redirects allow exactly these. `https://<webDomainName>`
   * is added by itself; without a custom domain, add the distribution's origin (the web stack's
   * `WebUrl` output) after the first deploy and deploy again. `http://localhost:5173` by default
   * when there is no webDomainName.
   */
  webOrigins: list(origin).optional(),
  alarmEmail: z.email('must be an email address').optional(),
  flowLogRetentionDays: z.coerce
    .number()
    .refine((value) => (LOG_RETENTION_DAYS as readonly number[]).includes(value), {
      message: `must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
    })
    .optional(),
  /** Retention of the services' log groups (Lambda functions); 365 days in prod, 30 elsewhere. */
  logRetentionDays: z.coerce
    .number()
    .refine((value) => (LOG_RETENTION_DAYS as readonly number[]).includes(value), {
      message: `must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
    })
    .optional(),
  /** Stamped on logs and health reports (SERVICE_VERSION); the deploy pipeline passes the commit. */
  serviceVersion: z
    .string()
    .regex(/^[\w.+-]{1,64}$/, 'must be 1-64 letters, digits, dots, dashes, underscores or +')
    .default('dev'),
  noncurrentVersionExpirationDays: days(1).default(30),
  // Artifacts move to Standard-IA (whose minimum storage duration is 30 days) and later expire.
  artifactsInfrequentAccessAfterDays: days(30).default(30),
  artifactsExpireAfterDays: days(31).default(365),

  // The web app on CloudFront (issue 7).
  /**
   * Edge locations that serve the web app: `100` (North America, Europe), `200` (also Asia
   * including Korea and Japan, the Middle East, Africa) or `all`. The UI speaks Korean, so 200.
   */
  webPriceClass: z.enum(['100', '200', 'all']).default('200'),
  /**
   * A custom domain of the web app, e.g. `chat.example.com`, with webCertificateArn. It becomes a
   * web origin (CORS, sign-in redirects) at synth time, so one deployment is enough; point the
   * name at the distribution (the web stack's `DistributionDomainName` output) with a CNAME or
   * a Route 53 alias. Without it the app is served on CloudFront's own domain.
   */
  webDomainName: z
    .string()
    .regex(
      /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
      'must be a lowercase host name such as chat.example.com',
    )
    .optional(),
  /** ACM certificate of webDomainName; CloudFront takes certificates from us-east-1 only. */
  webCertificateArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[0-9a-f-]{36}$/,
      'must be the ARN of an ACM certificate in us-east-1 (CloudFront uses only those)',
    )
    .optional(),

  // Identity (Cognito) and the chat services (issue 6).
  /**
   * Hosted sign-in domain: `<prefix>.auth.<region>.amazoncognito.com`, unique per region across
   * all AWS accounts; `lgm-<stage>` by default, so set your own.
   */
  cognitoDomainPrefix: z
    .string()
    .regex(
      /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
      'must be 1-63 lowercase letters, digits or hyphens, not starting or ending with a hyphen',
    )
    .refine((value) => !/aws|amazon|cognito/.test(value), {
      message: "must not contain 'aws', 'amazon' or 'cognito' (Cognito reserves them)",
    })
    .optional(),
  /** Whether anyone may create an account; otherwise administrators invite users. */
  selfSignUp: flag.default(true),
  /**
   * Cognito's Plus plan brings threat protection (compromised credentials, adaptive
   * authentication) at about 0.02 USD per monthly active user with no free tier; Essentials has
   * none of it and its first 10,000 monthly active users are free.
   */
  cognitoFeaturePlan: z.enum(['plus', 'essentials']).default('plus'),
  /** Where the hosted sign-in may send the browser back; each web origin + `/auth/callback` by default. */
  authCallbackUrls: list(redirectUrl).optional(),
  /** Where sign-out may send the browser; each web origin + `/` by default. */
  authLogoutUrls: list(redirectUrl).optional(),
  /**
   * The chat models sessions may use (ids of the `@lgm/bedrock` catalog, e.g. claude-haiku-4-5):
   * the functions may invoke these models' Bedrock ids and nothing else. Every catalog chat model
   * by default. The catalog invokes US inference profiles (`us.…`), which only US regions can
   * use: a stage elsewhere needs catalog entries for its geography.
   */
  chatModelIds: list(chatModelId)
    .refine((ids) => ids.length > 0, { message: 'must name at least one model' })
    .default([
      PREFERRED_DEFAULT_MODEL,
      ...CHAT_MODEL_IDS.filter((id) => id !== PREFERRED_DEFAULT_MODEL),
    ]),
  /** The model of sessions created without one (DEFAULT_MODEL_ID); the first of chatModelIds by default. */
  defaultModelId: chatModelId.optional(),
  /** Steady request rate of the REST API's stage, for all clients together. */
  apiThrottleRate: ratePerSecond.default(50),
  apiThrottleBurst: burst.default(100),
  /** Steady message rate of the WebSocket API's stage, for all clients together. */
  socketThrottleRate: ratePerSecond.default(100),
  socketThrottleBurst: burst.default(200),
  /** Turns the worker runs at once (the turn queue's event source concurrency, 2-1000). */
  maxConcurrentTurns: z.coerce.number().int().min(2).max(1000).default(20),
  /**
   * AWS WAF in front of the REST API (about 10 USD a month plus 0.60 USD per million requests);
   * on in prod by default. WebSocket APIs cannot have a web ACL.
   */
  wafEnabled: flag.optional(),
};

/** Where the sign-in sends the browser back to the web app (its `redirectPath`). */
export const WEB_AUTH_CALLBACK_PATH = '/auth/callback';

const DEFAULT_WEB_ORIGINS = ['http://localhost:5173'];

/** The configured web origins, the custom domain's included (once). */
function webOriginsOf(config: {
  readonly webOrigins?: readonly string[] | undefined;
  readonly webDomainName?: string | undefined;
}): string[] {
  const domain = config.webDomainName === undefined ? [] : [`https://${config.webDomainName}`];
  const listed = config.webOrigins ?? (domain.length > 0 ? [] : DEFAULT_WEB_ORIGINS);
  return [...new Set([...listed, ...domain])];
}

/** CDK context keys read by {@link readStageConfig}, each a field of {@link StageConfig}. */
export const STAGE_CONTEXT_KEYS = Object.keys(
  stageConfigShape,
) as readonly (keyof typeof stageConfigShape)[];

const stageConfigSchema = z
  .object(stageConfigShape)
  .superRefine(
    (config, ctx) => {
      // Single-field problems are reported already; compare only values that are valid alone.
      const valid = (key: keyof typeof stageConfigShape): boolean =>
        stageConfigShape[key].safeParse(config[key]).success;
      const production = config.stage === PRODUCTION_STAGE;
      if (production && config.removalPolicy === 'destroy') {
        ctx.addIssue({
          code: 'custom',
          path: ['removalPolicy'],
          message: `must be 'retain' for stage '${PRODUCTION_STAGE}': its data must survive a stack deletion`,
        });
      }
      if (
        valid('account') &&
        valid('region') &&
        (config.account === undefined) !== (config.region === undefined)
      ) {
        ctx.addIssue({
          code: 'custom',
          path: [config.account === undefined ? 'account' : 'region'],
          message:
            'account and region must be set together (or neither, for an environment-agnostic synth)',
        });
      }
      // A concrete environment would otherwise make CDK look the zones up in the account, which
      // needs credentials; naming them keeps `synth` offline.
      if (
        valid('region') &&
        config.region !== undefined &&
        config.availabilityZones === undefined
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['availabilityZones'],
          message: `is required when region is set (name ${AZ_COUNT} zones, e.g. ${config.region}a,${config.region}b)`,
        });
      }
      if (
        valid('region') &&
        valid('availabilityZones') &&
        config.region !== undefined &&
        config.availabilityZones?.some((zone) => !zone.startsWith(config.region ?? ''))
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['availabilityZones'],
          message: `must all be zones of region ${config.region}`,
        });
      }
      if (
        production &&
        valid('webOrigins') &&
        valid('webDomainName') &&
        webOriginsOf(config).some((value) => !value.startsWith('https://'))
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['webOrigins'],
          message: `must all be https:// origins for stage '${PRODUCTION_STAGE}'`,
        });
      }
      if (
        valid('chatModelIds') &&
        valid('defaultModelId') &&
        config.defaultModelId !== undefined &&
        !config.chatModelIds.includes(config.defaultModelId)
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['defaultModelId'],
          message: 'must be one of chatModelIds (the functions may invoke only those)',
        });
      }
      for (const key of ['authCallbackUrls', 'authLogoutUrls'] as const) {
        if (production && valid(key)) {
          if (config[key]?.some((value) => !value.startsWith('https://'))) {
            ctx.addIssue({
              code: 'custom',
              path: [key],
              message: `must all be https:// URLs for stage '${PRODUCTION_STAGE}'`,
            });
          }
        }
      }
      if (
        valid('webDomainName') &&
        valid('webCertificateArn') &&
        (config.webDomainName === undefined) !== (config.webCertificateArn === undefined)
      ) {
        ctx.addIssue({
          code: 'custom',
          path: [config.webDomainName === undefined ? 'webDomainName' : 'webCertificateArn'],
          message:
            'webDomainName and webCertificateArn must be set together (or neither, to serve the app on the CloudFront domain)',
        });
      }
      if (
        valid('artifactsExpireAfterDays') &&
        valid('artifactsInfrequentAccessAfterDays') &&
        config.artifactsExpireAfterDays <= config.artifactsInfrequentAccessAfterDays
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['artifactsExpireAfterDays'],
          message: 'must be later than artifactsInfrequentAccessAfterDays',
        });
      }
    },
    // Run even when single fields failed, so one error lists every problem.
    { when: () => true },
  )
  .transform((config) => {
    const isProduction = config.stage === PRODUCTION_STAGE;
    const webOrigins = webOriginsOf(config);
    return {
      ...config,
      webOrigins,
      isProduction,
      removalPolicy: config.removalPolicy ?? (isProduction ? 'retain' : 'destroy'),
      deletionProtection: isProduction,
      flowLogRetentionDays: config.flowLogRetentionDays ?? (isProduction ? 365 : 30),
      logRetentionDays: config.logRetentionDays ?? (isProduction ? 365 : 30),
      cognitoDomainPrefix: config.cognitoDomainPrefix ?? `lgm-${config.stage}`,
      authCallbackUrls:
        config.authCallbackUrls ?? webOrigins.map((origin) => `${origin}${WEB_AUTH_CALLBACK_PATH}`),
      authLogoutUrls: config.authLogoutUrls ?? webOrigins.map((origin) => `${origin}/`),
      defaultModelId: config.defaultModelId ?? (config.chatModelIds[0] as string),
      wafEnabled: config.wafEnabled ?? isProduction,
    } as const;
  });

/** Stage parameters of the CDK app, validated at synth time. */
export type StageConfig = Readonly<z.output<typeof stageConfigSchema>>;

/** Raw stage parameters, as they come from CDK context (strings from the CLI, JSON from cdk.json). */
export type StageConfigInput = Readonly<
  Partial<Record<(typeof STAGE_CONTEXT_KEYS)[number], unknown>>
>;

/** One bad stage parameter. */
export interface StageConfigIssue {
  readonly key: string;
  readonly message: string;
}

/** Thrown when stage parameters are invalid; the message lists every bad key at once. */
export class StageConfigError extends Error {
  readonly issues: readonly StageConfigIssue[];

  constructor(issues: readonly StageConfigIssue[]) {
    super(
      `Invalid stage configuration (CDK context):\n${issues
        .map((issue) => `  - ${issue.key}: ${issue.message}`)
        .join('\n')}`,
    );
    this.name = 'StageConfigError';
    this.issues = issues;
  }
}

/**
 * Validates raw stage parameters.
 *
 * @throws StageConfigError naming every bad key.
 * @example
 * const config = parseStageConfig({ stage: 'dev', natGateways: '1' });
 */
export function parseStageConfig(input: StageConfigInput): StageConfig {
  const result = stageConfigSchema.safeParse(input);
  if (result.success) return result.data;
  throw new StageConfigError(
    result.error.issues.map((issue) => {
      const key = issue.path.length > 0 ? issue.path.map(String).join('.') : '(context)';
      const raw = input[issue.path[0] as keyof StageConfigInput];
      const shown = raw === undefined ? '' : ` (got ${JSON.stringify(raw)})`;
      return { key, message: `${issue.message}${shown}` };
    }),
  );
}

/**
 * Reads and validates the stage parameters from CDK context (`-c stage=dev -c natGateways=1`).
 *
 * @param getContext usually `(key) => app.node.tryGetContext(key)`.
 */
export function readStageConfig(getContext: (key: string) => unknown): StageConfig {
  const input: Record<string, unknown> = {};
  for (const key of STAGE_CONTEXT_KEYS) {
    const value = getContext(key);
    if (value !== undefined) input[key] = value;
  }
  return parseStageConfig(input);
}
