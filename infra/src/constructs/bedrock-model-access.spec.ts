import { Stack } from 'aws-cdk-lib';

import { createApp } from '../app';
import { BEDROCK_INVOKE_ACTIONS, bedrockModelAccess } from './bedrock-model-access';

function resolved(stack: Stack, access: ReturnType<typeof bedrockModelAccess>) {
  return access.statements.map((statement) => stack.resolve(statement.toStatementJson()));
}

describe('bedrockModelAccess', () => {
  const stack = () =>
    new Stack(createApp(), 'Models', { env: { account: '123456789012', region: 'eu-west-1' } });

  it('grants a model id in the stack region, and a profile with its destinations behind a condition', () => {
    const scope = stack();
    const access = bedrockModelAccess(
      scope,
      [
        'amazon.titan-embed-text-v2:0',
        'eu.anthropic.claude-haiku-4-5-20251001-v1:0',
        'eu.anthropic.claude-haiku-4-5-20251001-v1:0',
        'us-gov.amazon.nova-lite-v1:0',
      ],
      BEDROCK_INVOKE_ACTIONS,
    );
    const profiles = [
      'arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-haiku-4-5-20251001-v1:0',
      'arn:aws:bedrock:eu-west-1:123456789012:inference-profile/us-gov.amazon.nova-lite-v1:0',
    ];

    expect(resolved(scope, access)).toEqual([
      {
        Effect: 'Allow',
        Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
        Resource: [
          'arn:aws:bedrock:eu-west-1::foundation-model/amazon.titan-embed-text-v2:0',
          ...profiles,
        ],
      },
      {
        Effect: 'Allow',
        Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
        Resource: [
          'arn:aws:bedrock:*::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0',
          'arn:aws:bedrock:*::foundation-model/amazon.nova-lite-v1:0',
        ],
        Condition: { StringEquals: { 'bedrock:InferenceProfileArn': profiles } },
      },
    ]);
    expect(access.regionWildcardArns).toEqual([
      'arn:aws:bedrock:*::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0',
      'arn:aws:bedrock:*::foundation-model/amazon.nova-lite-v1:0',
    ]);
  });

  it('needs no condition and no wildcard for plain model ids', () => {
    const scope = stack();
    const access = bedrockModelAccess(scope, ['amazon.nova-pro-v1:0'], ['bedrock:InvokeModel']);

    expect(resolved(scope, access)).toEqual([
      {
        Effect: 'Allow',
        Action: 'bedrock:InvokeModel',
        Resource: 'arn:aws:bedrock:eu-west-1::foundation-model/amazon.nova-pro-v1:0',
      },
    ]);
    expect(access.regionWildcardArns).toEqual([]);
  });
});
