import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign as signBytes,
  timingSafeEqual,
  verify as verifyBytes,
} from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { type Clock, ServiceUnavailableError, systemClock } from '@lgm/core';

/** An app registered with the dev issuer: a public client (no secret) using PKCE. */
export interface DevOidcClient {
  readonly clientId: string;
  /** Exact redirect URIs accepted at `/authorize` (no prefix or wildcard matching). */
  readonly redirectUris: readonly string[];
  /** Exact URIs `/logout` may send the browser back to. */
  readonly postLogoutRedirectUris?: readonly string[];
}

/** A user who can sign in. */
export interface DevOidcUser {
  readonly username: string;
  /** Stable subject; default derived from the username, so owner ids survive restarts. */
  readonly sub?: string;
  readonly email?: string;
  /** Required at sign-in when set; users without one sign in with their name alone. */
  readonly password?: string;
  readonly groups?: readonly string[];
}

export interface DevOidcIssuerOptions {
  /** Port, default 0: any free port (the real one is in `port` and `issuer`). */
  readonly port?: number;
  /** Interface to listen on (default `127.0.0.1`). */
  readonly host?: string;
  /**
   * The public base URL, when it differs from `http://host:port` (a proxy, or `localhost` for
   * browsers): it is the `iss` of every token and the base of every endpoint.
   */
  readonly issuerUrl?: string;
  readonly clients: readonly DevOidcClient[];
  /** Who may sign in. Omitted: anyone, with any well-formed username and no password. */
  readonly users?: readonly DevOidcUser[];
  /** Lifetime of access and id tokens (default 3600 s, Cognito's default). */
  readonly accessTokenTtlSeconds?: number;
  /** Lifetime of refresh tokens (default 30 days). */
  readonly refreshTokenTtlSeconds?: number;
  /**
   * Directory keeping the signing key (created if missing), so tokens issued before a dev-stack
   * restart still verify after it. Omitted: a new key per start.
   */
  readonly stateDir?: string;
  readonly clock?: Clock;
}

export interface DevTokenOptions {
  /** Default the first registered client. */
  readonly clientId?: string;
  /** Default `access`. */
  readonly tokenUse?: 'access' | 'id';
  readonly scope?: string;
}

/** A running dev OIDC issuer. */
export interface DevOidcIssuer {
  /** The `iss` of its tokens and the OIDC authority (`<issuer>/.well-known/openid-configuration`). */
  readonly issuer: string;
  readonly jwksUrl: string;
  readonly port: number;
  /** A signed token for a user, without the browser flow (tests, scripts). */
  tokenFor(username: string, options?: DevTokenOptions): Promise<string>;
  /** Stops listening; safe to call twice. */
  close(): Promise<void>;
  /** Same as `close`, like the other local servers. */
  stop(): Promise<void>;
}

/** Authorization codes live 60 s and are good for one exchange (RFC 6749 §4.1.2). */
const CODE_TTL_MS = 60_000;
const SESSION_TTL_MS = 12 * 3600_000;
const MAX_BODY_BYTES = 16 * 1024;
const MAX_PARAM_LENGTH = 2048;
const SESSION_COOKIE = 'lgm_dev_oidc_session';
const KEY_FILE = 'oidc-signing-key.pem';
/** RFC 7636 §4.1: 43–128 unreserved characters. */
const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** base64url of a SHA-256 digest. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
/** RFC 6749 §3.3 scope-token. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const USERNAME = /^[A-Za-z0-9._@+-]{1,128}$/;
const PROMPTS = new Set(['none', 'login', 'consent', 'select_account']);

interface AuthRequest {
  readonly client: DevOidcClient;
  readonly redirectUri: string;
  readonly scope: string;
  readonly state?: string;
  readonly nonce?: string;
  readonly codeChallenge: string;
  readonly prompts: ReadonlySet<string>;
  readonly maxAge?: number;
  readonly loginHint?: string;
}

interface Account {
  readonly username: string;
  readonly sub: string;
  readonly email?: string;
  readonly groups: readonly string[];
}

interface Session {
  readonly account: Account;
  readonly authTime: number;
  readonly expiresAt: number;
}

interface CodeGrant {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly scope: string;
  readonly nonce?: string;
  readonly account: Account;
  readonly authTime: number;
  readonly expiresAt: number;
  used: boolean;
  /** The refresh-token family the exchange started; revoked if the code is replayed. */
  family?: string;
}

interface RefreshGrant {
  readonly clientId: string;
  readonly scope: string;
  readonly account: Account;
  readonly authTime: number;
  readonly expiresAt: number;
  readonly family: string;
  used: boolean;
}

type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'invalid_scope'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'login_required'
  | 'server_error';

class OAuthError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly status = 400,
  ) {
    super(description);
  }
}

/**
 * Starts an OpenID Connect provider for the dev stack and tests, good enough for `oidc-client-ts`
 * in a browser and shaped like Cognito where it matters: authorization code flow with PKCE (S256
 * required), a small sign-in form, `prompt=none` silent renew over a session cookie, refresh
 * tokens with rotation and replay detection, `/userinfo`, RP-initiated logout, and RS256 tokens
 * whose claims mirror Cognito's (`client_id` + `token_use: 'access'` in access tokens, `aud` +
 * `token_use: 'id'` in id tokens), so services verify them with the same code as in production.
 *
 * Every parameter is validated; redirect URIs must match a registered one exactly, and a request
 * naming an unknown client or redirect URI gets an error page, never a redirect.
 *
 * @example
 * const idp = await startDevOidcIssuer({
 *   port: 4001,
 *   issuerUrl: 'http://localhost:4001',
 *   clients: [{ clientId: 'lgm-web', redirectUris: ['http://localhost:5173/auth/callback'] }],
 *   stateDir: '.lgm/oidc',
 * });
 * // AUTH_ISSUER=idp.issuer AUTH_AUDIENCE=lgm-web
 */
export async function startDevOidcIssuer(options: DevOidcIssuerOptions): Promise<DevOidcIssuer> {
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? systemClock;
  const accessTtl = options.accessTokenTtlSeconds ?? 3600;
  const refreshTtl = options.refreshTokenTtlSeconds ?? 30 * 24 * 3600;
  const clients = indexClients(options.clients);
  const users = options.users === undefined ? undefined : indexUsers(options.users);
  const passwords = users !== undefined && [...users.values()].some((user) => user.password);
  const allowedOrigins = corsOrigins(options.clients);
  const key = await loadSigningKey(options.stateDir);

  const sessions = new Map<string, Session>();
  const codes = new Map<string, CodeGrant>();
  const refreshTokens = new Map<string, RefreshGrant>();
  const revokedFamilies = new Set<string>();

  // Bound before the server listens, filled in once the port is known.
  let issuer = '';
  let basePath = '';
  const endpoint = (path: string): string => `${issuer}${path}`;
  const nowMs = (): number => clock.now().getTime();
  const nowSeconds = (): number => Math.floor(nowMs() / 1000);

  function accountFor(username: string): Account | undefined {
    if (users === undefined) {
      return USERNAME.test(username)
        ? { username, sub: derivedSub(username), groups: [] }
        : undefined;
    }
    const user = users.get(username);
    if (user === undefined) return undefined;
    return {
      username: user.username,
      sub: user.sub ?? derivedSub(user.username),
      ...(user.email === undefined ? {} : { email: user.email }),
      groups: user.groups ?? [],
    };
  }

  function issueTokens(grant: {
    clientId: string;
    scope: string;
    account: Account;
    authTime: number;
    nonce?: string;
    family: string;
  }): Record<string, unknown> {
    const accessToken = accessTokenFor(grant.account, grant.clientId, grant.scope, grant.authTime);
    const idToken = key.sign({
      ...baseClaims(grant.account, grant.authTime),
      aud: grant.clientId,
      token_use: 'id',
      'cognito:username': grant.account.username,
      ...(grant.nonce === undefined ? {} : { nonce: grant.nonce }),
      ...emailClaims(grant.account, grant.scope),
      at_hash: leftHalfHash(accessToken),
    });
    const refreshToken = randomToken();
    refreshTokens.set(refreshToken, {
      clientId: grant.clientId,
      scope: grant.scope,
      account: grant.account,
      authTime: grant.authTime,
      expiresAt: nowMs() + refreshTtl * 1000,
      family: grant.family,
      used: false,
    });
    return {
      access_token: accessToken,
      id_token: idToken,
      refresh_token: refreshToken,
      token_type: 'Bearer',
      expires_in: accessTtl,
      scope: grant.scope,
    };
  }

  function accessTokenFor(
    account: Account,
    clientId: string,
    scope: string,
    authTime: number,
  ): string {
    return key.sign({
      ...baseClaims(account, authTime),
      client_id: clientId,
      token_use: 'access',
      scope,
      username: account.username,
    });
  }

  function baseClaims(account: Account, authTime: number): Record<string, unknown> {
    const now = nowSeconds();
    return {
      iss: issuer,
      sub: account.sub,
      ...(account.groups.length > 0 ? { 'cognito:groups': [...account.groups] } : {}),
      auth_time: authTime,
      iat: now,
      exp: now + accessTtl,
      jti: randomToken(16),
    };
  }

  // --- /authorize ------------------------------------------------------------------------------

  /**
   * RFC 6749 §4.1.2.1: while the client and redirect URI are unproven, errors go to an error page;
   * once they are, every other error goes back to the client as `?error=`.
   */
  function parseAuthRequest(params: Params): AuthRequest {
    const clientId = params.single('client_id');
    const redirectUri = params.single('redirect_uri');
    const client = clientId === undefined ? undefined : clients.get(clientId);
    if (client === undefined) {
      throw new PageError(
        400,
        'Unknown application',
        'The client_id is missing or not registered.',
      );
    }
    if (redirectUri === undefined || !client.redirectUris.includes(redirectUri)) {
      throw new PageError(
        400,
        'Invalid redirect URI',
        'The redirect_uri is missing or not registered for this application.',
      );
    }
    // An empty state is an absent one (RFC 6749 §3.1); a repeated one fails below.
    const stateValue = params.raw.get('state') || undefined;
    const fail = (error: OAuthErrorCode, description: string): never => {
      throw new RedirectError(redirectUri, error, description, stateValue);
    };
    if (params.duplicates.length > 0) {
      fail('invalid_request', `Parameters must not repeat: ${params.duplicates.join(', ')}.`);
    }
    for (const [name, value] of params.raw) {
      if (value.length > MAX_PARAM_LENGTH) fail('invalid_request', `${name} is too long.`);
    }
    const responseMode = params.single('response_mode');
    if (responseMode !== undefined && responseMode !== 'query') {
      fail('invalid_request', 'Only response_mode=query is supported.');
    }
    if (params.single('response_type') !== 'code') {
      fail('unsupported_response_type', 'Only response_type=code is supported.');
    }
    const scopes = (params.single('scope') ?? '').split(' ').filter(Boolean);
    if (!scopes.includes('openid') || !scopes.every((scope) => SCOPE_TOKEN.test(scope))) {
      fail('invalid_scope', "scope must include 'openid'.");
    }
    if (params.single('code_challenge_method') !== 'S256') {
      fail('invalid_request', 'PKCE is required: code_challenge_method must be S256.');
    }
    const codeChallenge = params.single('code_challenge') ?? '';
    if (!S256_CHALLENGE.test(codeChallenge)) {
      fail('invalid_request', 'code_challenge must be a base64url SHA-256 digest.');
    }
    const prompts = new Set((params.single('prompt') ?? '').split(' ').filter(Boolean));
    if ([...prompts].some((prompt) => !PROMPTS.has(prompt))) {
      fail('invalid_request', 'prompt has an unknown value.');
    }
    if (prompts.has('none') && prompts.size > 1) {
      fail('invalid_request', 'prompt=none cannot be combined with other values.');
    }
    const maxAgeText = params.single('max_age');
    if (maxAgeText !== undefined && !/^\d{1,9}$/.test(maxAgeText)) {
      fail('invalid_request', 'max_age must be a whole number of seconds.');
    }
    const nonce = params.single('nonce');
    const loginHint = params.single('login_hint');
    return {
      client,
      redirectUri,
      scope: [...new Set(scopes)].join(' '),
      ...(stateValue === undefined ? {} : { state: stateValue }),
      ...(nonce === undefined ? {} : { nonce }),
      codeChallenge,
      prompts,
      ...(maxAgeText === undefined ? {} : { maxAge: Number(maxAgeText) }),
      ...(loginHint === undefined ? {} : { loginHint }),
    };
  }

  function currentSession(request: IncomingMessage): Session | undefined {
    const id = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (id === undefined) return undefined;
    const session = sessions.get(id);
    if (session === undefined || session.expiresAt <= nowMs()) {
      sessions.delete(id);
      return undefined;
    }
    return session;
  }

  function sessionSatisfies(session: Session | undefined, auth: AuthRequest): session is Session {
    if (session === undefined || auth.prompts.has('login')) return false;
    return auth.maxAge === undefined || nowSeconds() - session.authTime <= auth.maxAge;
  }

  function codeRedirect(auth: AuthRequest, session: Session): string {
    sweep(codes, (grant) => grant.expiresAt + CODE_TTL_MS <= nowMs());
    const code = randomToken();
    codes.set(code, {
      clientId: auth.client.clientId,
      redirectUri: auth.redirectUri,
      codeChallenge: auth.codeChallenge,
      scope: auth.scope,
      ...(auth.nonce === undefined ? {} : { nonce: auth.nonce }),
      account: session.account,
      authTime: session.authTime,
      expiresAt: nowMs() + CODE_TTL_MS,
      used: false,
    });
    return withParams(auth.redirectUri, {
      code,
      ...(auth.state === undefined ? {} : { state: auth.state }),
      iss: issuer,
    });
  }

  async function authorize(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const isPost = request.method === 'POST';
    let params: Params;
    if (isPost) {
      const form = await readForm(request);
      params = collectParams(form);
    } else {
      params = collectParams(new URL(request.url ?? '/', 'http://x').searchParams);
    }
    const auth = parseAuthRequest(params);
    const session = currentSession(request);

    if (!isPost) {
      if (sessionSatisfies(session, auth)) {
        return redirect(response, 302, codeRedirect(auth, session));
      }
      if (auth.prompts.has('none')) {
        throw new RedirectError(
          auth.redirectUri,
          'login_required',
          'The user is not signed in.',
          auth.state,
        );
      }
      return sendHtml(response, 200, signInPage(auth, undefined), auth.redirectUri);
    }

    const username = (params.single('username') ?? '').trim();
    const password = params.single('password') ?? '';
    const account = accountFor(username);
    const user = users?.get(username);
    const passwordOk = user?.password === undefined || sameSecret(user.password, password);
    if (account === undefined || !passwordOk) {
      const message =
        users === undefined
          ? 'Enter a username of letters, digits and . _ @ + - only.'
          : 'Unknown username or wrong password.';
      return sendHtml(response, 200, signInPage(auth, message, username), auth.redirectUri);
    }
    sweep(sessions, (entry) => entry.expiresAt <= nowMs());
    const sessionId = randomToken();
    const signedIn: Session = {
      account,
      authTime: nowSeconds(),
      expiresAt: nowMs() + SESSION_TTL_MS,
    };
    sessions.set(sessionId, signedIn);
    // 303: the browser follows with a GET, as the redirect URI expects.
    return redirect(response, 303, codeRedirect(auth, signedIn), {
      'set-cookie': sessionCookie(sessionId, SESSION_TTL_MS / 1000),
    });
  }

  function signInPage(auth: AuthRequest, error: string | undefined, username = ''): string {
    const hidden: Record<string, string | undefined> = {
      client_id: auth.client.clientId,
      redirect_uri: auth.redirectUri,
      response_type: 'code',
      scope: auth.scope,
      state: auth.state,
      nonce: auth.nonce,
      code_challenge: auth.codeChallenge,
      code_challenge_method: 'S256',
      max_age: auth.maxAge === undefined ? undefined : String(auth.maxAge),
    };
    const hiddenInputs = Object.entries(hidden)
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
      .join('\n      ');
    const known = users === undefined ? [] : [...users.keys()];
    const datalist =
      known.length === 0
        ? ''
        : `<datalist id="known-users">${known.map((name) => `<option value="${escapeHtml(name)}">`).join('')}</datalist>`;
    const prefill = username || auth.loginHint || '';
    return page(
      'Sign in',
      `<main>
    <h1>Sign in to LGM</h1>
    <p class="note">Development identity provider. Application: <code>${escapeHtml(auth.client.clientId)}</code></p>
    ${error === undefined ? '' : `<p class="error" role="alert" id="form-error">${escapeHtml(error)}</p>`}
    <form method="post" action="${escapeHtml(`${basePath}/authorize`)}"${error === undefined ? '' : ' aria-describedby="form-error"'}>
      ${hiddenInputs}
      <label for="username">Username</label>
      <input id="username" name="username" autocomplete="username" required maxlength="128" autofocus value="${escapeHtml(prefill)}"${known.length > 0 ? ' list="known-users"' : ''}${error === undefined ? '' : ' aria-invalid="true"'}>
      ${datalist}
      ${
        passwords
          ? `<label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" maxlength="1024" aria-describedby="password-hint">
      <p id="password-hint" class="note">Leave empty for users without a password.</p>`
          : ''
      }
      <button type="submit">Sign in</button>
    </form>
  </main>`,
    );
  }

  // --- /token ----------------------------------------------------------------------------------

  async function token(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const params = collectParams(await readForm(request));
    if (params.duplicates.length > 0) {
      throw new OAuthError(
        'invalid_request',
        `Parameters must not repeat: ${params.duplicates.join(', ')}.`,
      );
    }
    const client = authenticateClient(request, params);
    const grantType = params.single('grant_type');
    if (grantType === undefined) throw new OAuthError('invalid_request', 'grant_type is required.');
    let body: Record<string, unknown>;
    if (grantType === 'authorization_code') body = exchangeCode(client, params);
    else if (grantType === 'refresh_token') body = refresh(client, params);
    else
      throw new OAuthError('unsupported_grant_type', `grant_type '${grantType}' is not supported.`);
    return sendJson(response, 200, body, { 'cache-control': 'no-store', pragma: 'no-cache' });
  }

  /** Public clients name themselves in the body, or in HTTP Basic with an empty secret. */
  function authenticateClient(request: IncomingMessage, params: Params): DevOidcClient {
    const bodyClientId = params.single('client_id');
    const basic = basicClientId(request.headers.authorization);
    if (basic === null)
      throw new OAuthError('invalid_client', 'Malformed client authentication.', 401);
    if (bodyClientId !== undefined && basic !== undefined && bodyClientId !== basic) {
      throw new OAuthError('invalid_request', 'client_id differs from the authenticated client.');
    }
    const clientId = bodyClientId ?? basic;
    const client = clientId === undefined ? undefined : clients.get(clientId);
    if (client === undefined) throw new OAuthError('invalid_client', 'Unknown client.', 401);
    return client;
  }

  function exchangeCode(client: DevOidcClient, params: Params): Record<string, unknown> {
    const code = params.single('code');
    const redirectUri = params.single('redirect_uri');
    const verifier = params.single('code_verifier');
    if (code === undefined || redirectUri === undefined || verifier === undefined) {
      throw new OAuthError('invalid_request', 'code, redirect_uri and code_verifier are required.');
    }
    if (!CODE_VERIFIER.test(verifier)) {
      throw new OAuthError(
        'invalid_request',
        'code_verifier must be 43-128 unreserved characters.',
      );
    }
    const grant = codes.get(code);
    if (grant === undefined || grant.expiresAt <= nowMs()) {
      throw new OAuthError('invalid_grant', 'The code is unknown or expired.');
    }
    if (grant.used) {
      // RFC 6749 §4.1.2: a replayed code revokes what it was exchanged for.
      if (grant.family !== undefined) revokedFamilies.add(grant.family);
      throw new OAuthError('invalid_grant', 'The code has already been used.');
    }
    // Spent on any attempt, so a stolen code cannot be tried against many verifiers.
    grant.used = true;
    if (grant.clientId !== client.clientId || grant.redirectUri !== redirectUri) {
      throw new OAuthError(
        'invalid_grant',
        'The code was issued to another client or redirect_uri.',
      );
    }
    if (!sameSecret(s256(verifier), grant.codeChallenge)) {
      throw new OAuthError('invalid_grant', 'code_verifier does not match the code_challenge.');
    }
    grant.family = randomToken(16);
    return issueTokens({ ...grant, family: grant.family });
  }

  function refresh(client: DevOidcClient, params: Params): Record<string, unknown> {
    const presented = params.single('refresh_token');
    if (presented === undefined)
      throw new OAuthError('invalid_request', 'refresh_token is required.');
    const grant = refreshTokens.get(presented);
    if (
      grant === undefined ||
      grant.expiresAt <= nowMs() ||
      revokedFamilies.has(grant.family) ||
      grant.clientId !== client.clientId
    ) {
      throw new OAuthError('invalid_grant', 'The refresh token is unknown, expired or revoked.');
    }
    if (grant.used) {
      // A rotated-out token came back: someone holds a copy. Revoke the whole family.
      revokedFamilies.add(grant.family);
      throw new OAuthError('invalid_grant', 'The refresh token has already been used.');
    }
    const requested = params.single('scope');
    let scope = grant.scope;
    if (requested !== undefined) {
      const granted = new Set(grant.scope.split(' '));
      const asked = requested.split(' ').filter(Boolean);
      if (asked.length === 0 || !asked.every((item) => granted.has(item))) {
        throw new OAuthError('invalid_scope', 'scope exceeds what was granted.');
      }
      scope = asked.join(' ');
    }
    grant.used = true;
    sweep(refreshTokens, (entry) => entry.expiresAt <= nowMs());
    return issueTokens({ ...grant, scope });
  }

  // --- /userinfo, /logout ----------------------------------------------------------------------

  function userinfo(request: IncomingMessage, response: ServerResponse): void {
    const header = request.headers.authorization;
    const match =
      typeof header === 'string' ? /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i.exec(header) : null;
    const claims = match?.[1] === undefined ? undefined : key.verify(match[1], issuer);
    const valid =
      claims !== undefined &&
      claims['token_use'] === 'access' &&
      typeof claims['exp'] === 'number' &&
      claims['exp'] > nowSeconds() &&
      typeof claims['sub'] === 'string';
    if (!valid) {
      const challenge =
        header === undefined
          ? 'Bearer'
          : 'Bearer error="invalid_token", error_description="The access token is not valid."';
      return sendJson(
        response,
        401,
        { error: 'invalid_token', error_description: 'A valid access token is required.' },
        { 'www-authenticate': challenge },
      );
    }
    const account = accountFor(String(claims['username'] ?? ''));
    const scope = typeof claims['scope'] === 'string' ? claims['scope'] : '';
    return sendJson(
      response,
      200,
      {
        sub: claims['sub'],
        username: claims['username'],
        ...(account === undefined ? {} : emailClaims(account, scope)),
        ...(Array.isArray(claims['cognito:groups'])
          ? { 'cognito:groups': claims['cognito:groups'] }
          : {}),
      },
      { 'cache-control': 'no-store' },
    );
  }

  function logout(request: IncomingMessage, response: ServerResponse): void {
    const params = collectParams(new URL(request.url ?? '/', 'http://x').searchParams);
    if (params.duplicates.length > 0) {
      throw new PageError(400, 'Invalid sign-out request', 'Parameters must not repeat.');
    }
    const hint = params.single('id_token_hint');
    let clientId = params.single('client_id');
    if (hint !== undefined) {
      // An expired id token is still a fine hint (OIDC RP-Initiated Logout §2); a forged one is not.
      const claims = key.verify(hint, issuer);
      const aud = claims?.['aud'];
      if (typeof aud !== 'string') {
        throw new PageError(
          400,
          'Invalid sign-out request',
          'id_token_hint is not a token of this issuer.',
        );
      }
      if (clientId !== undefined && clientId !== aud) {
        throw new PageError(
          400,
          'Invalid sign-out request',
          'id_token_hint was issued to another client.',
        );
      }
      clientId = aud;
    }
    const target = params.single('post_logout_redirect_uri');
    const client = clientId === undefined ? undefined : clients.get(clientId);
    if (clientId !== undefined && client === undefined) {
      throw new PageError(400, 'Unknown application', 'The client_id is not registered.');
    }
    if (target !== undefined && !(client?.postLogoutRedirectUris ?? []).includes(target)) {
      throw new PageError(
        400,
        'Invalid sign-out request',
        'post_logout_redirect_uri is not registered for this application.',
      );
    }

    const sessionId = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (sessionId !== undefined) sessions.delete(sessionId);
    const clear = { 'set-cookie': sessionCookie('', 0) };
    if (target === undefined) {
      return sendHtml(
        response,
        200,
        page(
          'Signed out',
          '<main>\n    <h1>You are signed out</h1>\n    <p>You can close this page.</p>\n  </main>',
        ),
        undefined,
        clear,
      );
    }
    const state = params.single('state');
    return redirect(response, 302, withParams(target, state === undefined ? {} : { state }), clear);
  }

  function sessionCookie(value: string, maxAgeSeconds: number): string {
    const secure = issuer.startsWith('https:') ? '; Secure' : '';
    // SameSite=Lax: the cookie rides the top-level redirects and same-site silent-renew iframes
    // (ports do not make a site), never cross-site POSTs.
    return `${SESSION_COOKIE}=${value}; Path=${basePath || '/'}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure}`;
  }

  // --- routing ---------------------------------------------------------------------------------

  const corsPaths = new Set([
    '/.well-known/openid-configuration',
    '/.well-known/jwks.json',
    '/token',
    '/userinfo',
  ]);

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://x');
    const path = url.pathname.startsWith(basePath) ? url.pathname.slice(basePath.length) : '';
    const method = request.method ?? 'GET';
    if (corsPaths.has(path)) {
      const origin = request.headers.origin;
      if (typeof origin === 'string' && allowedOrigins.has(origin)) {
        response.setHeader('access-control-allow-origin', origin);
        response.setHeader('vary', 'Origin');
      }
      if (method === 'OPTIONS') {
        response.writeHead(204, {
          'access-control-allow-methods': 'GET, POST',
          'access-control-allow-headers': 'Authorization, Content-Type',
          'access-control-max-age': '600',
        });
        response.end();
        return;
      }
    }

    const allow = (methods: string[]): boolean => {
      if (methods.includes(method)) return true;
      sendJson(
        response,
        405,
        { error: 'invalid_request', error_description: `Use ${methods.join(' or ')}.` },
        {
          allow: methods.join(', '),
        },
      );
      return false;
    };

    switch (path) {
      case '/.well-known/openid-configuration':
        if (allow(['GET'])) sendJson(response, 200, discovery(), { 'cache-control': 'max-age=60' });
        return;
      case '/.well-known/jwks.json':
        if (allow(['GET']))
          sendJson(response, 200, { keys: [key.publicJwk] }, { 'cache-control': 'max-age=60' });
        return;
      case '/authorize':
        if (allow(['GET', 'POST'])) await authorize(request, response);
        return;
      case '/token':
        if (allow(['POST'])) await token(request, response);
        return;
      case '/userinfo':
        if (allow(['GET', 'POST'])) userinfo(request, response);
        return;
      case '/logout':
        if (allow(['GET'])) logout(request, response);
        return;
      default:
        sendJson(response, 404, { error: 'not_found', error_description: 'No such endpoint.' });
    }
  }

  function discovery(): Record<string, unknown> {
    return {
      issuer,
      authorization_endpoint: endpoint('/authorize'),
      token_endpoint: endpoint('/token'),
      userinfo_endpoint: endpoint('/userinfo'),
      jwks_uri: endpoint('/.well-known/jwks.json'),
      end_session_endpoint: endpoint('/logout'),
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['none'],
      code_challenge_methods_supported: ['S256'],
      scopes_supported: ['openid', 'email', 'profile', 'offline_access'],
      claims_supported: [
        'sub',
        'email',
        'email_verified',
        'username',
        'cognito:username',
        'cognito:groups',
      ],
      prompt_values_supported: ['none', 'login'],
      authorization_response_iss_parameter_supported: true,
    };
  }

  const server = createServer((request, response) => {
    response.setHeader('x-content-type-options', 'nosniff');
    // Codes and tokens travel in URLs here: never hand them to another site in a Referer.
    response.setHeader('referrer-policy', 'no-referrer');
    route(request, response).catch((error: unknown) => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      if (error instanceof RedirectError) {
        redirect(response, 302, error.location());
      } else if (error instanceof PageError) {
        sendHtml(
          response,
          error.status,
          page(
            error.title,
            `<main>\n    <h1>${escapeHtml(error.title)}</h1>\n    <p role="alert">${escapeHtml(error.message)}</p>\n  </main>`,
          ),
        );
      } else if (error instanceof OAuthError) {
        sendJson(
          response,
          error.status,
          { error: error.error, error_description: error.description },
          { 'cache-control': 'no-store' },
        );
      } else {
        sendJson(response, 500, { error: 'server_error', error_description: 'Internal error.' });
      }
    });
  });

  const port = options.port ?? 0;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    throw new ServiceUnavailableError(
      `The dev OIDC issuer could not listen on ${host}:${port}: ${(error as Error).message}`,
      { code: 'LOCAL_OIDC_START_FAILED', cause: error },
    );
  }
  const address = server.address() as AddressInfo;
  issuer = (options.issuerUrl ?? `http://${dialableHost(host)}:${address.port}`).replace(
    /\/+$/,
    '',
  );
  basePath = new URL(issuer).pathname.replace(/\/+$/, '');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };

  return {
    issuer,
    jwksUrl: endpoint('/.well-known/jwks.json'),
    port: address.port,
    close,
    stop: close,
    async tokenFor(username, tokenOptions = {}) {
      const account = accountFor(username);
      if (account === undefined) throw new Error(`startDevOidcIssuer: no user '${username}'`);
      const clientId = tokenOptions.clientId ?? options.clients[0]?.clientId ?? '';
      if (!clients.has(clientId)) throw new Error(`startDevOidcIssuer: no client '${clientId}'`);
      const scope = tokenOptions.scope ?? 'openid email profile';
      if (tokenOptions.tokenUse === 'id') {
        return key.sign({
          ...baseClaims(account, nowSeconds()),
          aud: clientId,
          token_use: 'id',
          'cognito:username': account.username,
          ...emailClaims(account, scope),
        });
      }
      return accessTokenFor(account, clientId, scope, nowSeconds());
    },
  };
}

// --- signing key -------------------------------------------------------------------------------

interface SigningKey {
  readonly publicJwk: Record<string, unknown>;
  sign(claims: Record<string, unknown>): string;
  /** The claims of a token this key signed for `issuer` (expiry not checked), else undefined. */
  verify(token: string, issuer: string): Record<string, unknown> | undefined;
}

async function loadSigningKey(stateDir: string | undefined): Promise<SigningKey> {
  let privateKey: KeyObject | undefined;
  const file = stateDir === undefined ? undefined : join(stateDir, KEY_FILE);
  if (file !== undefined) {
    const pem = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (pem !== undefined) privateKey = createPrivateKey(pem);
  }
  if (privateKey === undefined) {
    privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    if (stateDir !== undefined && file !== undefined) {
      await mkdir(stateDir, { recursive: true });
      await writeFile(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    }
  }
  const publicKey = createPublicKey(privateKey);
  const { n, e } = publicKey.export({ format: 'jwk' });
  // RFC 7638 thumbprint: the kid changes exactly when the key does.
  const kid = createHash('sha256')
    .update(JSON.stringify({ e, kty: 'RSA', n }))
    .digest('base64url');
  const header = encodeJson({ alg: 'RS256', typ: 'JWT', kid });
  const signingKey = privateKey;
  return {
    publicJwk: { kty: 'RSA', n, e, kid, alg: 'RS256', use: 'sig' },
    sign(claims) {
      const input = `${header}.${encodeJson(claims)}`;
      const signature = signBytes('sha256', Buffer.from(input), signingKey);
      return `${input}.${signature.toString('base64url')}`;
    },
    verify(token, issuer) {
      const parts = token.split('.');
      if (parts.length !== 3) return undefined;
      const [head, body, signature] = parts as [string, string, string];
      try {
        const parsedHeader = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as unknown;
        if (
          typeof parsedHeader !== 'object' ||
          parsedHeader === null ||
          (parsedHeader as { alg?: unknown }).alg !== 'RS256' ||
          (parsedHeader as { kid?: unknown }).kid !== kid
        ) {
          return undefined;
        }
        const ok = verifyBytes(
          'sha256',
          Buffer.from(`${head}.${body}`),
          publicKey,
          Buffer.from(signature, 'base64url'),
        );
        if (!ok) return undefined;
        const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
        if (typeof claims !== 'object' || claims === null || Array.isArray(claims))
          return undefined;
        const record = claims as Record<string, unknown>;
        return record['iss'] === issuer ? record : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

// --- request helpers ---------------------------------------------------------------------------

interface Params {
  readonly raw: URLSearchParams;
  readonly duplicates: readonly string[];
  /** The value of a parameter sent once and not empty (RFC 6749 §3.1: empty means absent). */
  single(name: string): string | undefined;
}

function collectParams(raw: URLSearchParams): Params {
  const counts = new Map<string, number>();
  for (const name of raw.keys()) counts.set(name, (counts.get(name) ?? 0) + 1);
  const duplicates = [...counts].filter(([, count]) => count > 1).map(([name]) => name);
  return {
    raw,
    duplicates,
    single(name) {
      if ((counts.get(name) ?? 0) !== 1) return undefined;
      const value = raw.get(name);
      return value === null || value === '' ? undefined : value;
    },
  };
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    request.resume();
    throw new OAuthError('invalid_request', 'The body must be application/x-www-form-urlencoded.');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new OAuthError('invalid_request', 'The body is too large.', 413);
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** The client id of `Authorization: Basic`, undefined without one, null when malformed. */
function basicClientId(header: string | undefined): string | undefined | null {
  if (header === undefined) return undefined;
  const match = /^Basic ([A-Za-z0-9+/]+=*)$/i.exec(header);
  if (match?.[1] === undefined) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) {
      const value = rest.join('=');
      return /^[A-Za-z0-9_-]{1,100}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

// --- responses ---------------------------------------------------------------------------------

class PageError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
  ) {
    super(message);
  }
}

/** An error told to a proven client at its proven redirect URI. */
class RedirectError extends Error {
  constructor(
    readonly redirectUri: string,
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly state: string | undefined,
  ) {
    super(description);
  }

  location(): string {
    return withParams(this.redirectUri, {
      error: this.error,
      error_description: this.description,
      ...(this.state === undefined ? {} : { state: this.state }),
    });
  }
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  response.end(JSON.stringify(body));
}

function sendHtml(
  response: ServerResponse,
  status: number,
  html: string,
  formTarget?: string,
  headers: Record<string, string> = {},
): void {
  // The sign-in form posts to us and is then redirected to the app: CSP's form-action covers the
  // redirect too, so the app's origin is allowed there.
  const formAction = formTarget === undefined ? "'self'" : `'self' ${new URL(formTarget).origin}`;
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
    'x-frame-options': 'DENY',
    ...headers,
  });
  response.end(html);
}

function redirect(
  response: ServerResponse,
  status: 302 | 303,
  location: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { location, 'cache-control': 'no-store', ...headers });
  response.end();
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(title)} · LGM dev identity</title>
  <style>
    body { font-family: system-ui, sans-serif; background: #f4f5f7; color: #1b1d21; margin: 0; }
    main { max-width: 24rem; margin: 10vh auto; background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px rgb(0 0 0 / 15%); }
    h1 { font-size: 1.4rem; margin-top: 0; }
    label { display: block; font-weight: 600; margin: 1rem 0 0.25rem; }
    input { width: 100%; box-sizing: border-box; padding: 0.5rem; font-size: 1rem; border: 1px solid #6b7280; border-radius: 4px; }
    input:focus, button:focus { outline: 3px solid #2563eb; outline-offset: 1px; }
    button { margin-top: 1.5rem; width: 100%; padding: 0.6rem; font-size: 1rem; background: #1d4ed8; color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
    .note { color: #4b5563; font-size: 0.9rem; }
    .error { color: #991b1b; background: #fee2e2; padding: 0.5rem; border-radius: 4px; }
  </style>
</head>
<body>
  ${body}
</body>
</html>
`;
}

function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (char) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char,
  );
}

// --- small helpers -----------------------------------------------------------------------------

function indexClients(list: readonly DevOidcClient[]): Map<string, DevOidcClient> {
  if (list.length === 0) throw new TypeError('startDevOidcIssuer: register at least one client');
  const map = new Map<string, DevOidcClient>();
  for (const client of list) {
    if (!/^[\x21-\x7E]{1,128}$/.test(client.clientId) || map.has(client.clientId)) {
      throw new TypeError(`startDevOidcIssuer: bad or duplicate clientId '${client.clientId}'`);
    }
    for (const uri of [...client.redirectUris, ...(client.postLogoutRedirectUris ?? [])]) {
      const parsed = URL.canParse(uri) ? new URL(uri) : undefined;
      if (parsed === undefined || !/^https?:$/.test(parsed.protocol) || parsed.hash !== '') {
        throw new TypeError(
          `startDevOidcIssuer: '${uri}' must be an absolute http(s) URL without a fragment`,
        );
      }
    }
    map.set(client.clientId, client);
  }
  return map;
}

function indexUsers(list: readonly DevOidcUser[]): Map<string, DevOidcUser> {
  const map = new Map<string, DevOidcUser>();
  for (const user of list) {
    if (!USERNAME.test(user.username) || map.has(user.username)) {
      throw new TypeError(`startDevOidcIssuer: bad or duplicate username '${user.username}'`);
    }
    map.set(user.username, user);
  }
  return map;
}

function corsOrigins(list: readonly DevOidcClient[]): Set<string> {
  return new Set(
    list.flatMap((client) =>
      [...client.redirectUris, ...(client.postLogoutRedirectUris ?? [])].map(
        (uri) => new URL(uri).origin,
      ),
    ),
  );
}

function emailClaims(account: Account, scope: string): Record<string, unknown> {
  if (account.email === undefined || !scope.split(' ').includes('email')) return {};
  return { email: account.email, email_verified: true };
}

/** A UUID-shaped subject that is the same for a username on every start (like Cognito's subs). */
function derivedSub(username: string): string {
  const hex = createHash('sha256').update(`lgm-dev-user:${username}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** OIDC Core §3.1.3.6: base64url of the left half of the SHA-256 of the access token. */
function leftHalfHash(value: string): string {
  return createHash('sha256').update(value).digest().subarray(0, 16).toString('base64url');
}

/** Compares secrets in constant time (digests first, so lengths leak nothing either). */
function sameSecret(expected: string, actual: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(actual).digest();
  return timingSafeEqual(a, b);
}

function withParams(uri: string, params: Record<string, string>): string {
  const url = new URL(uri);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.href;
}

function encodeJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function sweep<T>(map: Map<string, T>, expired: (entry: T) => boolean): void {
  for (const [id, entry] of map) if (expired(entry)) map.delete(id);
}

function dialableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
