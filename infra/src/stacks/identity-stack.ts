import { CfnOutput, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { Construct } from 'constructs';

import { AppUserPool } from '../constructs/app-user-pool';
import type { StageConfig } from '../stage-config';

/** Properties of {@link IdentityStack}. */
export interface IdentityStackProps extends StackProps {
  readonly config: StageConfig;
}

/**
 * Who the users are (ARCHITECTURE §1, Identity): the Cognito user pool, the web app's client and
 * the hosted sign-in domain. Tokens it issues are checked by API Gateway's Cognito authorizer,
 * the WebSocket `$connect` authorizer and `libs/auth` in every service (issuer, client id, expiry,
 * token use).
 */
export class IdentityStack extends Stack {
  readonly userPool: IUserPool;
  readonly webClient: IUserPoolClient;
  /** `https://cognito-idp.<region>.amazonaws.com/<poolId>`: AUTH_ISSUER of the services. */
  readonly issuerUrl: string;
  /** `https://<prefix>.auth.<region>.amazoncognito.com`: the hosted sign-in. */
  readonly domainUrl: string;

  constructor(scope: Construct, id: string, props: IdentityStackProps) {
    super(scope, id, props);
    const { config } = props;

    const users = new AppUserPool(this, 'Users', {
      selfSignUp: config.selfSignUp,
      featurePlan: config.cognitoFeaturePlan,
      // Audit-only outside prod: testers signing in from CI or new places are not challenged.
      enforceThreatProtection: config.isProduction,
      domainPrefix: config.cognitoDomainPrefix,
      callbackUrls: config.authCallbackUrls,
      logoutUrls: config.authLogoutUrls,
      deletionProtection: config.deletionProtection,
      removalPolicy:
        config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.userPool = users.userPool;
    this.webClient = users.webClient;
    // The `iss` claim of Cognito's tokens, spelled out (the pool's ProviderURL attribute carries
    // the same host and path, but the verifier compares the whole string).
    this.issuerUrl = `https://cognito-idp.${this.region}.${this.urlSuffix}/${this.userPool.userPoolId}`;
    this.domainUrl = users.domain.baseUrl();

    new CfnOutput(this, 'IssuerUrl', {
      description: 'OIDC issuer of the user pool (AUTH_ISSUER)',
      value: this.issuerUrl,
    });
    new CfnOutput(this, 'WebClientId', {
      description: 'App client id of the web app (AUTH_AUDIENCE)',
      value: this.webClient.userPoolClientId,
    });
    new CfnOutput(this, 'UserPoolId', {
      description: 'Id of the user pool',
      value: this.userPool.userPoolId,
    });
    new CfnOutput(this, 'HostedDomainUrl', {
      description: 'Base URL of the hosted sign-in (authorize, token and logout endpoints)',
      value: this.domainUrl,
    });

    Validations.of(users.userPool).acknowledge({
      id: 'AwsSolutions::AwsSolutions-COG2',
      reason:
        'MFA is optional by design: anyone may try the assistant with an email and a strong ' +
        'password, and users can turn on an authenticator app; on the Plus plan, threat ' +
        'protection asks for more only when a sign-in looks risky.',
    });
    if (config.cognitoFeaturePlan !== 'plus') {
      Validations.of(users.userPool).acknowledge({
        id: 'AwsSolutions::AwsSolutions-COG8',
        reason:
          `Stage ${config.stage} chose the Essentials plan in its config to save the Plus price ` +
          'per monthly active user; it goes without threat protection (compromised credentials, ' +
          'adaptive authentication) on purpose.',
      });
    }
  }
}
