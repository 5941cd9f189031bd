import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
  type UserPoolDomain,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

/** Properties of {@link AppUserPool}. */
export interface AppUserPoolProps {
  /** Whether anyone may create an account (otherwise administrators invite users). */
  readonly selfSignUp: boolean;
  /**
   * `plus` brings threat protection (compromised credentials, adaptive authentication) at a price
   * per monthly active user; `essentials` has none of it.
   */
  readonly featurePlan: 'plus' | 'essentials';
  /** Act on detected risks (block, ask for MFA) instead of only reporting them; Plus only. */
  readonly enforceThreatProtection: boolean;
  /** Hosted sign-in at `<prefix>.auth.<region>.amazoncognito.com`. */
  readonly domainPrefix: string;
  /** Where the hosted sign-in may redirect the browser with the authorization code. */
  readonly callbackUrls: readonly string[];
  readonly logoutUrls: readonly string[];
  readonly deletionProtection: boolean;
  readonly removalPolicy: RemovalPolicy;
}

/** Scopes the web app asks for; API Gateway's authorizer requires `openid` on access tokens. */
export const WEB_CLIENT_SCOPES = [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE];

/**
 * The users of LGM: a Cognito user pool where people sign in with their email address (verified
 * by a code), a strong password and optional TOTP MFA; a public app client for the single-page
 * web app (authorization code grant with PKCE, no secret, short-lived tokens, revocable refresh
 * tokens, no hint whether an account exists); and the hosted sign-in domain.
 *
 * Cognito verifies the PKCE `code_verifier` whenever the authorization request carried a
 * `code_challenge`; a public client cannot be forced to send one, so the web app always does.
 */
export class AppUserPool extends Construct {
  readonly userPool: UserPool;
  readonly webClient: UserPoolClient;
  readonly domain: UserPoolDomain;

  constructor(scope: Construct, id: string, props: AppUserPoolProps) {
    super(scope, id);
    const plus = props.featurePlan === 'plus';

    this.userPool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: props.selfSignUp,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      // A changed address takes effect only once the user confirms it, so sign-in never moves to
      // an address nobody verified.
      keepOriginal: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      // Optional: users who turn on an authenticator app must use it. SMS is left out (it needs
      // an SNS role, a sandbox exit and per-message fees).
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      featurePlan: plus ? FeaturePlan.PLUS : FeaturePlan.ESSENTIALS,
      ...(plus
        ? {
            standardThreatProtectionMode: props.enforceThreatProtection
              ? StandardThreatProtectionMode.FULL_FUNCTION
              : StandardThreatProtectionMode.AUDIT_ONLY,
          }
        : {}),
      deletionProtection: props.deletionProtection,
      removalPolicy: props.removalPolicy,
    });

    this.webClient = this.userPool.addClient('WebClient', {
      generateSecret: false,
      // The hosted sign-in only; SRP lets a future in-app form sign in without sending the
      // password. Refresh tokens are always allowed.
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: WEB_CLIENT_SCOPES,
        callbackUrls: [...props.callbackUrls],
        logoutUrls: [...props.logoutUrls],
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      authSessionValidity: Duration.minutes(5),
      enableTokenRevocation: true,
    });

    this.domain = this.userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: props.domainPrefix },
    });
  }
}
