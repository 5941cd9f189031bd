import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The acknowledgement id of cdk-nag's IAM5 finding for a wildcard `resource` (an ARN string,
 * tokens allowed) in a policy of `scope`'s stack, e.g.
 * `AwsSolutions::AwsSolutions-IAM5[Resource::<LogGroupF5B4.Arn>:log-stream:*]`.
 *
 * cdk-nag names the resource by flattening its CloudFormation value (its `flattenCfnReference`,
 * which it does not export): references become `<Id>` or `<Id.Attr>`, imports their export name.
 * Building the id from the same value keeps acknowledgements exact in every environment (a stack
 * with a concrete account and region writes literal partitions and regions where an
 * environment-agnostic one writes `<AWS::Partition>`).
 */
export function iam5FindingId(scope: IConstruct, resource: string): string {
  return `AwsSolutions::AwsSolutions-IAM5[Resource::${flattenCfnValue(Stack.of(scope).resolve(resource))}]`;
}

function flattenCfnValue(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const node = value as Record<string, unknown>;
  if ('Fn::Join' in node) {
    const [delimiter, items] = node['Fn::Join'] as [string, unknown[]];
    return items.map(flattenCfnValue).join(delimiter);
  }
  if ('Fn::Sub' in node) return flattenCfnValue(node['Fn::Sub']);
  if ('Fn::GetAtt' in node) {
    const [resource, attribute] = node['Fn::GetAtt'] as [unknown, unknown];
    return `<${flattenCfnValue(resource)}.${flattenCfnValue(attribute)}>`;
  }
  if ('Fn::ImportValue' in node) return flattenCfnValue(node['Fn::ImportValue']);
  if ('Ref' in node) return `<${flattenCfnValue(node['Ref'])}>`;
  return JSON.stringify(node);
}
