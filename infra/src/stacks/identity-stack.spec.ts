import { Template } from 'aws-cdk-lib/assertions';

import { buildApp, createApp } from '../app';
import { parseStageConfig, type StageConfigInput } from '../stage-config';

type Resource = { Properties: Record<string, unknown> } & Record<string, unknown>;

const STUB = 'infra/src/test-support/stub-handler.ts';
function synthIdentity(input: StageConfigInput): Template {
  const { identity } = buildApp(
    parseStageConfig(input),
    createApp({
      builtinCloudFormationValidation: false,
      context: { 'aws:cdk:bundling-stacks': [] },
    }),
    { chatEntries: { chatApi: STUB, socket: STUB, authorizer: STUB, worker: STUB } },
  );
  return Template.fromStack(identity);
}

function only(template: Template, type: string): Resource {
  const found = Object.values(template.findResources(type)) as Resource[];
  expect(found).toHaveLength(1);
  return found[0] as Resource;
}

describe('IdentityStack (dev defaults)', () => {
  let template: Template;

  beforeAll(() => {
    template = synthIdentity({ stage: 'dev' });
  });

  it('signs people in by verified email with a strong password and optional authenticator MFA', () => {
    expect(only(template, 'AWS::Cognito::UserPool').Properties).toMatchObject({
      UsernameAttributes: ['email'],
      AutoVerifiedAttributes: ['email'],
      UsernameConfiguration: { CaseSensitive: false },
      UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ['email'] },
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
          TemporaryPasswordValidityDays: 3,
        },
      },
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
      DeletionProtection: 'INACTIVE',
    });
  });

  it('is on the Plus plan with threat protection auditing (enforcing only in prod)', () => {
    expect(only(template, 'AWS::Cognito::UserPool').Properties).toMatchObject({
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'AUDIT' },
    });
  });

  it('gives the web app a public client: code grant, no secret, short tokens, no user enumeration', () => {
    expect(only(template, 'AWS::Cognito::UserPoolClient').Properties).toMatchObject({
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      CallbackURLs: ['http://localhost:5173/auth/callback'],
      LogoutURLs: ['http://localhost:5173/'],
      SupportedIdentityProviders: ['COGNITO'],
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
      AccessTokenValidity: 60,
      IdTokenValidity: 60,
      RefreshTokenValidity: 43_200,
      AuthSessionValidity: 5,
      TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' },
    });
  });

  it('hosts sign-in under the stage’s domain prefix', () => {
    expect(only(template, 'AWS::Cognito::UserPoolDomain').Properties).toMatchObject({
      Domain: 'lgm-dev',
    });
  });

  it('outputs the issuer, the client id and the hosted domain', () => {
    const outputs = template.toJSON()['Outputs'] as Record<string, { Value: unknown }>;
    const [poolId] = Object.keys(template.findResources('AWS::Cognito::UserPool'));
    const [clientId] = Object.keys(template.findResources('AWS::Cognito::UserPoolClient'));
    const [domainId] = Object.keys(template.findResources('AWS::Cognito::UserPoolDomain'));
    expect(outputs['IssuerUrl']?.Value).toEqual({
      'Fn::Join': [
        '',
        [
          'https://cognito-idp.',
          { Ref: 'AWS::Region' },
          '.',
          { Ref: 'AWS::URLSuffix' },
          '/',
          { Ref: poolId },
        ],
      ],
    });
    expect(outputs['WebClientId']?.Value).toEqual({ Ref: clientId });
    expect(JSON.stringify(outputs['HostedDomainUrl']?.Value)).toContain(String(domainId));
    expect(JSON.stringify(outputs['HostedDomainUrl']?.Value)).toContain('.auth.');
  });
});

describe('IdentityStack (configured)', () => {
  it('turns self sign-up off, and uses its own domain prefix and redirect URLs', () => {
    const template = synthIdentity({
      stage: 'test',
      selfSignUp: 'false',
      cognitoDomainPrefix: 'acme-chat-test',
      authCallbackUrls: 'https://app.example.com/signed-in',
      authLogoutUrls: 'https://app.example.com/bye',
    });
    expect(only(template, 'AWS::Cognito::UserPool').Properties).toMatchObject({
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    });
    expect(only(template, 'AWS::Cognito::UserPoolClient').Properties).toMatchObject({
      CallbackURLs: ['https://app.example.com/signed-in'],
      LogoutURLs: ['https://app.example.com/bye'],
    });
    expect(only(template, 'AWS::Cognito::UserPoolDomain').Properties['Domain']).toBe(
      'acme-chat-test',
    );
  });

  it('goes without threat protection on the Essentials plan', () => {
    const pool = only(
      synthIdentity({ stage: 'dev', cognitoFeaturePlan: 'essentials' }),
      'AWS::Cognito::UserPool',
    );
    expect(pool.Properties['UserPoolTier']).toBe('ESSENTIALS');
    expect(pool.Properties['UserPoolAddOns']).toBeUndefined();
  });

  it('enforces threat protection and protects the pool from deletion in prod', () => {
    const template = synthIdentity({
      stage: 'prod',
      webOrigins: 'https://app.example.com',
    });
    expect(only(template, 'AWS::Cognito::UserPool')).toMatchObject({
      Properties: {
        UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
        DeletionProtection: 'ACTIVE',
      },
      DeletionPolicy: 'Retain',
    });
    expect(only(template, 'AWS::Cognito::UserPoolClient').Properties['CallbackURLs']).toEqual([
      'https://app.example.com/auth/callback',
    ]);
  });
});
