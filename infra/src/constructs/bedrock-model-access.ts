import { ArnFormat, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/** Converse and ConverseStream are authorised as these two actions; embeddings use the first. */
export const BEDROCK_INVOKE_ACTIONS = [
  'bedrock:InvokeModel',
  'bedrock:InvokeModelWithResponseStream',
] as const;

// Geographic cross-region inference profiles: `<geo>.<provider>.<model>`.
const PROFILE_PREFIX = /^(us|eu|apac|jp|au|ca|us-gov)\./;

/** The IAM statements that let a role invoke exactly the given models, and the ARNs they name. */
export interface BedrockModelAccess {
  readonly statements: readonly PolicyStatement[];
  /**
   * Foundation models granted in every region (`arn:…:bedrock:*::foundation-model/<id>`): where
   * the cross-region inference profiles route. Each is usable only through one of the configured
   * profiles (a `bedrock:InferenceProfileArn` condition); listed so the stack can acknowledge the
   * wildcard by name.
   */
  readonly regionWildcardArns: readonly string[];
}

/**
 * Statements for invoking `modelIds` (Bedrock model ids, or geographic inference profile ids such
 * as `us.anthropic.claude-haiku-4-5-20251001-v1:0`) with `actions`, and nothing else.
 *
 * A model id becomes its foundation-model ARN in the stack's region. A profile needs two grants
 * (Bedrock user guide, "Prerequisites for inference profiles"): the profile ARN in this region and
 * account, and the foundation model in every region the profile may route to. AWS decides and
 * extends those regions, so they are `*`, and a condition admits them only when the request came
 * through one of the configured profiles.
 *
 * @example
 * const access = bedrockModelAccess(stack, ['us.amazon.nova-lite-v1:0'], BEDROCK_INVOKE_ACTIONS);
 * for (const statement of access.statements) fn.addToRolePolicy(statement);
 */
export function bedrockModelAccess(
  scope: Construct,
  modelIds: readonly string[],
  actions: readonly string[],
): BedrockModelAccess {
  const stack = Stack.of(scope);
  const foundationModel = (id: string, region?: string): string =>
    stack.formatArn({
      service: 'bedrock',
      region,
      account: '',
      resource: 'foundation-model',
      resourceName: id,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });

  const ids = [...new Set(modelIds)];
  const models = ids.filter((id) => !PROFILE_PREFIX.test(id));
  const profiles = ids.filter((id) => PROFILE_PREFIX.test(id));

  const profileArns = profiles.map((id) =>
    stack.formatArn({
      service: 'bedrock',
      resource: 'inference-profile',
      resourceName: id,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    }),
  );
  const regionWildcardArns = [...new Set(profiles.map((id) => id.replace(PROFILE_PREFIX, '')))].map(
    (id) => foundationModel(id, '*'),
  );

  const statements: PolicyStatement[] = [];
  const direct = [...models.map((id) => foundationModel(id)), ...profileArns];
  if (direct.length > 0) {
    statements.push(new PolicyStatement({ actions: [...actions], resources: direct }));
  }
  if (profiles.length > 0) {
    statements.push(
      new PolicyStatement({
        actions: [...actions],
        resources: regionWildcardArns,
        conditions: { StringEquals: { 'bedrock:InferenceProfileArn': profileArns } },
      }),
    );
  }
  return { statements, regionWildcardArns };
}
