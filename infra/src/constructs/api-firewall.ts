import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/** Properties of {@link ApiFirewall}. */
export interface ApiFirewallProps {
  /** Prefix of the web ACL's CloudWatch metrics, e.g. `lgm-prod-chat`. */
  readonly metricPrefix: string;
  /** ARN of the REST API stage to protect (`Stage.stageArn`). */
  readonly stageArn: string;
  /** Requests one IP address may send in 5 minutes before it is blocked for a while. */
  readonly requestsPerIpPer5Minutes: number;
}

/**
 * An AWS WAF web ACL in front of a REST API stage: AWS's common rule set, known bad inputs and
 * the Amazon IP reputation list, plus a per-IP rate limit. Costs about 5 USD per ACL and 1 USD per
 * rule a month, plus 0.60 USD per million requests.
 *
 * The common rule set's 8 KB body limit only counts instead of blocking: a long chat message or
 * tool result is legitimate, and chat-api enforces its own size limits with a clear error code.
 */
export class ApiFirewall extends Construct {
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: ApiFirewallProps) {
    super(scope, id);
    const visibility = (name: string): CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName: `${props.metricPrefix}-${name}`,
    });
    const managed = (
      priority: number,
      name: string,
      countOnly: readonly string[] = [],
    ): CfnWebACL.RuleProperty => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: 'AWS',
          name,
          ruleActionOverrides: countOnly.map((rule) => ({
            name: rule,
            actionToUse: { count: {} },
          })),
        },
      },
      visibilityConfig: visibility(name),
    });

    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('web-acl'),
      rules: [
        {
          name: 'rate-limit-per-ip',
          priority: 0,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit: props.requestsPerIpPer5Minutes,
              aggregateKeyType: 'IP',
              evaluationWindowSec: 300,
            },
          },
          visibilityConfig: visibility('rate-limit-per-ip'),
        },
        managed(1, 'AWSManagedRulesAmazonIpReputationList'),
        managed(2, 'AWSManagedRulesKnownBadInputsRuleSet'),
        managed(3, 'AWSManagedRulesCommonRuleSet', ['SizeRestrictions_BODY']),
      ],
    });

    new CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }
}
