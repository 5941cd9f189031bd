import { Aws, type CfnElement, Stack } from 'aws-cdk-lib';
import { LogGroup } from 'aws-cdk-lib/aws-logs';

import { createApp } from './app';
import { iam5FindingId } from './nag-findings';

describe('iam5FindingId', () => {
  it('names references and pseudo parameters the way cdk-nag flattens them', () => {
    const stack = new Stack(createApp(), 'Findings');
    const logGroup = new LogGroup(stack, 'Logs');
    const logGroupId = stack.getLogicalId(logGroup.node.defaultChild as CfnElement);

    expect(iam5FindingId(stack, `${logGroup.logGroupArn}:log-stream:*`)).toBe(
      `AwsSolutions::AwsSolutions-IAM5[Resource::<${logGroupId}.Arn>:log-stream:*]`,
    );
    expect(iam5FindingId(stack, `arn:${Aws.PARTITION}:s3:::bucket/documents/*`)).toBe(
      'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::bucket/documents/*]',
    );
  });

  it('writes literals where a concrete environment resolves them', () => {
    const stack = new Stack(createApp(), 'Concrete', {
      env: { account: '123456789012', region: 'eu-west-1' },
    });

    expect(
      iam5FindingId(
        stack,
        stack.formatArn({
          service: 'bedrock',
          region: '*',
          account: '',
          resource: 'foundation-model/x',
        }),
      ),
    ).toBe('AwsSolutions::AwsSolutions-IAM5[Resource::arn:aws:bedrock:*::foundation-model/x]');
  });
});
