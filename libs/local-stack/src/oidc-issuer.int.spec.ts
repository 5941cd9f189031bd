import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createJwtVerifier } from '@lgm/auth';
import { createManualClock, type ManualClock } from '@lgm/core';

import { type DevOidcIssuer, type DevOidcIssuerOptions, startDevOidcIssuer } from './oidc-issuer';

const APP = 'http://localhost:5173';
const CALLBACK = `${APP}/auth/callback`;
const SIGNED_OUT = `${APP}/signed-out`;
const CLIENT_ID = 'lgm-web';

interface Pkce {
  readonly verifier: string;
  readonly challenge: string;
}

function pkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function decodePayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

function unescapeHtml(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The hidden fields of the sign-in form, as a browser would submit them. */
function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[match[1] ?? ''] = unescapeHtml(match[2] ?? '');
  }
  return fields;
}

describe('startDevOidcIssuer', () => {
  let idp: DevOidcIssuer;
  let clock: ManualClock;

  async function start(options: Partial<DevOidcIssuerOptions> = {}): Promise<DevOidcIssuer> {
    return startDevOidcIssuer({
      clients: [
        { clientId: CLIENT_ID, redirectUris: [CALLBACK], postLogoutRedirectUris: [SIGNED_OUT] },
        { clientId: 'other-app', redirectUris: ['http://localhost:6000/cb'] },
      ],
      users: [
        { username: 'ada', email: 'ada@example.com', groups: ['admins'] },
        { username: 'bob', password: 'correct horse', sub: '00000000-0000-4000-8000-0000000000b0' },
      ],
      clock,
      ...options,
    });
  }

  beforeEach(async () => {
    clock = createManualClock(new Date());
    idp = await start();
  });

  afterEach(async () => {
    await idp.close();
  });

  function url(path: string, params: Record<string, string> = {}): string {
    const target = new URL(`${idp.issuer}${path}`);
    for (const [name, value] of Object.entries(params)) target.searchParams.append(name, value);
    return target.href;
  }

  function authorizeParams(challenge: string, extra: Record<string, string> = {}) {
    return {
      client_id: CLIENT_ID,
      redirect_uri: CALLBACK,
      response_type: 'code',
      scope: 'openid email profile',
      state: 'state-123',
      nonce: 'nonce-456',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...extra,
    };
  }

  /** GET the form, submit it: the browser's part of the flow. */
  async function signIn(
    proof: Pkce,
    credentials: { username: string; password?: string } = { username: 'ada' },
    extra: Record<string, string> = {},
  ): Promise<{ response: Response; code: string; cookie: string; location: URL }> {
    const form = await fetch(url('/authorize', authorizeParams(proof.challenge, extra)), {
      redirect: 'manual',
    });
    expect(form.status).toBe(200);
    const fields = hiddenFields(await form.text());
    const response = await fetch(url('/authorize'), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, ...credentials }),
    });
    const location = new URL(response.headers.get('location') ?? 'about:blank');
    const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    return { response, code: location.searchParams.get('code') ?? '', cookie, location };
  }

  async function tokenRequest(
    params: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    return fetch(url('/token'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(params),
    });
  }

  function exchange(code: string, verifier: string, extra: Record<string, string> = {}) {
    return tokenRequest({
      grant_type: 'authorization_code',
      client_id: CLIENT_ID,
      redirect_uri: CALLBACK,
      code,
      code_verifier: verifier,
      ...extra,
    });
  }

  it('publishes discovery metadata and its keys', async () => {
    const discovery = await (await fetch(url('/.well-known/openid-configuration'))).json();
    const jwks = (await (await fetch(idp.jwksUrl)).json()) as { keys: Record<string, unknown>[] };

    expect(discovery).toMatchObject({
      issuer: idp.issuer,
      authorization_endpoint: `${idp.issuer}/authorize`,
      token_endpoint: `${idp.issuer}/token`,
      userinfo_endpoint: `${idp.issuer}/userinfo`,
      end_session_endpoint: `${idp.issuer}/logout`,
      jwks_uri: idp.jwksUrl,
      code_challenge_methods_supported: ['S256'],
      response_types_supported: ['code'],
    });
    expect(jwks.keys).toEqual([
      expect.objectContaining({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) }),
    ]);
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('issues tokens that the production verifier accepts, fetching the JWKS over HTTP', async () => {
    const verifier = createJwtVerifier({ issuer: idp.issuer, audience: CLIENT_ID, clock });

    const principal = await verifier.verify(await idp.tokenFor('ada'));

    expect(principal).toMatchObject({ username: 'ada', groups: ['admins'] });
    await expect(
      verifier.verify(await idp.tokenFor('ada', { tokenUse: 'id' })),
    ).rejects.toMatchObject({ code: 'TOKEN_WRONG_USE' });
    await expect(
      verifier.verify(await idp.tokenFor('ada', { clientId: 'other-app' })),
    ).rejects.toMatchObject({ code: 'TOKEN_WRONG_AUDIENCE' });
  });

  it('runs the authorization code flow with PKCE end to end', async () => {
    const proof = pkce();

    const { response, code, cookie, location } = await signIn(proof);
    const tokens = await exchange(code, proof.verifier, {}).then(async (reply) => ({
      status: reply.status,
      headers: reply.headers,
      body: (await reply.json()) as Record<string, unknown>,
    }));

    expect(response.status).toBe(303);
    expect(`${location.origin}${location.pathname}`).toBe(CALLBACK);
    expect(location.searchParams.get('state')).toBe('state-123');
    expect(location.searchParams.get('iss')).toBe(idp.issuer);
    expect(cookie).toMatch(/^lgm_dev_oidc_session=/);
    expect(response.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Lax/);
    expect(tokens.status).toBe(200);
    expect(tokens.headers.get('cache-control')).toBe('no-store');
    expect(tokens.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });

    const access = String(tokens.body['access_token']);
    const id = String(tokens.body['id_token']);
    const principal = await createJwtVerifier({
      issuer: idp.issuer,
      audience: CLIENT_ID,
      clock,
    }).verify(access);
    const idPrincipal = await createJwtVerifier({
      issuer: idp.issuer,
      audience: CLIENT_ID,
      tokenUse: 'id',
      clock,
    }).verify(id);
    expect(principal).toMatchObject({
      username: 'ada',
      scopes: ['openid', 'email', 'profile'],
      groups: ['admins'],
    });
    expect(idPrincipal).toMatchObject({ sub: principal.sub, email: 'ada@example.com' });
    expect(decodePayload(access)).toMatchObject({ client_id: CLIENT_ID, token_use: 'access' });
    expect(decodePayload(access)).not.toHaveProperty('aud');
    expect(decodePayload(id)).toMatchObject({
      aud: CLIENT_ID,
      token_use: 'id',
      nonce: 'nonce-456',
      email_verified: true,
    });

    const userinfo = await fetch(url('/userinfo'), {
      headers: { authorization: `Bearer ${access}` },
    });
    expect(await userinfo.json()).toEqual({
      sub: principal.sub,
      username: 'ada',
      email: 'ada@example.com',
      email_verified: true,
      'cognito:groups': ['admins'],
    });
  });

  it('renders an accessible sign-in form that escapes what the request carried', async () => {
    const hostile = '"><script>alert(1)</script>';
    const form = await fetch(
      url('/authorize', authorizeParams(pkce().challenge, { state: hostile, login_hint: hostile })),
    );
    const html = await form.text();

    expect(form.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(form.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<label for="username">Username</label>');
    expect(html).toContain('autocomplete="username"');
    expect(html).toContain('<label for="password">Password</label>');
    expect(html).not.toContain('<script>');
    expect(hiddenFields(html)['state']).toBe(hostile);
  });

  it('checks passwords of users who have one', async () => {
    const proof = pkce();

    const wrong = await signIn(proof, { username: 'bob', password: 'wrong' });
    const html = await wrong.response.text();
    const unknown = await signIn(proof, { username: 'mallory' });
    const right = await signIn(proof, { username: 'bob', password: 'correct horse' });

    expect(wrong.response.status).toBe(200);
    expect(wrong.response.headers.get('location')).toBeNull();
    expect(html).toContain('role="alert"');
    expect(html).toContain('Unknown username or wrong password.');
    expect(unknown.response.status).toBe(200);
    expect(right.response.status).toBe(303);
    const tokens = (await (await exchange(right.code, proof.verifier)).json()) as {
      access_token: string;
    };
    expect(decodePayload(tokens.access_token)).toMatchObject({
      sub: '00000000-0000-4000-8000-0000000000b0',
      username: 'bob',
    });
  });

  it('refuses a wrong code_verifier with invalid_grant, and spends the code', async () => {
    const proof = pkce();
    const { code } = await signIn(proof);

    const wrong = await exchange(code, pkce().verifier);
    const retry = await exchange(code, proof.verifier);

    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_grant' });
    expect(await retry.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a reused code and revokes the tokens it was exchanged for', async () => {
    const proof = pkce();
    const { code } = await signIn(proof);
    const first = (await (await exchange(code, proof.verifier)).json()) as {
      refresh_token: string;
    };

    const reuse = await exchange(code, proof.verifier);
    const refreshAfterReplay = await tokenRequest({
      grant_type: 'refresh_token',
      client_id: CLIENT_ID,
      refresh_token: first.refresh_token,
    });

    expect(reuse.status).toBe(400);
    expect(await reuse.json()).toMatchObject({ error: 'invalid_grant' });
    expect(await refreshAfterReplay.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a code after 60 seconds', async () => {
    const proof = pkce();
    const { code } = await signIn(proof);

    clock.advance(61_000);
    const late = await exchange(code, proof.verifier);

    expect(await late.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a code presented by another client or with another redirect_uri', async () => {
    const proof = pkce();
    const first = await signIn(proof);
    const second = await signIn(proof);

    const otherClient = await exchange(first.code, proof.verifier, { client_id: 'other-app' });
    const otherRedirect = await exchange(second.code, proof.verifier, {
      redirect_uri: `${CALLBACK}/`,
    });

    expect(await otherClient.json()).toMatchObject({ error: 'invalid_grant' });
    expect(await otherRedirect.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it.each([
    ['an unregistered redirect_uri', { redirect_uri: 'https://evil.example/callback' }],
    ['a redirect_uri with a trailing slash', { redirect_uri: `${CALLBACK}/` }],
    [
      'a redirect_uri with an extra query',
      { redirect_uri: `${CALLBACK}?next=https://evil.example` },
    ],
    ['another client’s redirect_uri', { redirect_uri: 'http://localhost:6000/cb' }],
    ['an unknown client', { client_id: 'nobody' }],
    ['no client', { client_id: '' }],
  ])('shows an error page and never redirects for %s', async (_name, extra) => {
    const response = await fetch(url('/authorize', authorizeParams(pkce().challenge, extra)), {
      redirect: 'manual',
    });

    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('role="alert"');
  });

  it.each<[string, Record<string, string>, string]>([
    ['PKCE is missing', { code_challenge: '', code_challenge_method: '' }, 'invalid_request'],
    ['PKCE uses the plain method', { code_challenge_method: 'plain' }, 'invalid_request'],
    ['the challenge is not a SHA-256 digest', { code_challenge: 'short' }, 'invalid_request'],
    ['the response type is token', { response_type: 'token' }, 'unsupported_response_type'],
    ['openid is not requested', { scope: 'email' }, 'invalid_scope'],
    ['prompt=none is combined', { prompt: 'none login' }, 'invalid_request'],
    ['the response mode is fragment', { response_mode: 'fragment' }, 'invalid_request'],
    ['max_age is not a number', { max_age: 'soon' }, 'invalid_request'],
  ])('redirects with an OAuth error when %s', async (_name, extra, error) => {
    const params = Object.fromEntries(
      Object.entries(authorizeParams(pkce().challenge, extra)).filter(([, value]) => value !== ''),
    );

    const response = await fetch(url('/authorize', params), { redirect: 'manual' });
    const location = new URL(response.headers.get('location') ?? 'about:blank');

    expect(response.status).toBe(302);
    expect(`${location.origin}${location.pathname}`).toBe(CALLBACK);
    expect(location.searchParams.get('error')).toBe(error);
    expect(location.searchParams.get('state')).toBe('state-123');
    expect(location.searchParams.get('code')).toBeNull();
  });

  it('refuses repeated authorization parameters', async () => {
    const target = new URL(url('/authorize', authorizeParams(pkce().challenge)));
    target.searchParams.append('scope', 'openid');

    const response = await fetch(target, { redirect: 'manual' });

    expect(new URL(response.headers.get('location') ?? '').searchParams.get('error')).toBe(
      'invalid_request',
    );
  });

  it('answers prompt=none with login_required without a session, and with a code with one', async () => {
    const proof = pkce();
    const silent = authorizeParams(proof.challenge, { prompt: 'none' });

    const anonymous = await fetch(url('/authorize', silent), { redirect: 'manual' });
    const { cookie } = await signIn(proof);
    const renewed = await fetch(url('/authorize', silent), {
      redirect: 'manual',
      headers: { cookie },
    });
    const forged = await fetch(url('/authorize', silent), {
      redirect: 'manual',
      headers: { cookie: 'lgm_dev_oidc_session=forged' },
    });

    const anonymousLocation = new URL(anonymous.headers.get('location') ?? '');
    expect(anonymousLocation.searchParams.get('error')).toBe('login_required');
    expect(anonymousLocation.searchParams.get('state')).toBe('state-123');
    const renewedLocation = new URL(renewed.headers.get('location') ?? '');
    expect(renewedLocation.searchParams.get('code')).toEqual(expect.any(String));
    expect(
      (await exchange(renewedLocation.searchParams.get('code') ?? '', proof.verifier)).status,
    ).toBe(200);
    expect(new URL(forged.headers.get('location') ?? '').searchParams.get('error')).toBe(
      'login_required',
    );
  });

  it('rotates refresh tokens and revokes the family when an old one is replayed', async () => {
    const proof = pkce();
    const { code } = await signIn(proof);
    const first = (await (await exchange(code, proof.verifier)).json()) as {
      refresh_token: string;
      access_token: string;
    };
    const refresh = (token: string, extra: Record<string, string> = {}) =>
      tokenRequest({
        grant_type: 'refresh_token',
        client_id: CLIENT_ID,
        refresh_token: token,
        ...extra,
      });

    const rotated = await refresh(first.refresh_token);
    const second = (await rotated.json()) as Record<string, string>;
    const replay = await refresh(first.refresh_token);
    const afterReplay = await refresh(second['refresh_token'] ?? '');

    expect(rotated.status).toBe(200);
    expect(second['refresh_token']).not.toBe(first.refresh_token);
    expect(decodePayload(second['access_token'] ?? '')).toMatchObject({
      sub: decodePayload(first.access_token)['sub'],
      client_id: CLIENT_ID,
    });
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' });
    expect(await afterReplay.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('narrows scope on refresh but never widens it, and keeps tokens to their client', async () => {
    const proof = pkce();
    const { code } = await signIn(proof, { username: 'ada' }, { scope: 'openid email' });
    const first = (await (await exchange(code, proof.verifier)).json()) as {
      refresh_token: string;
    };

    const wider = await tokenRequest({
      grant_type: 'refresh_token',
      client_id: CLIENT_ID,
      refresh_token: first.refresh_token,
      scope: 'openid email profile',
    });
    const otherClient = await tokenRequest({
      grant_type: 'refresh_token',
      client_id: 'other-app',
      refresh_token: first.refresh_token,
    });
    const narrower = await tokenRequest({
      grant_type: 'refresh_token',
      client_id: CLIENT_ID,
      refresh_token: first.refresh_token,
      scope: 'openid',
    });

    expect(await wider.json()).toMatchObject({ error: 'invalid_scope' });
    expect(await otherClient.json()).toMatchObject({ error: 'invalid_grant' });
    expect(await narrower.json()).toMatchObject({ scope: 'openid' });
  });

  it('answers malformed token requests with OAuth errors, never a 5xx', async () => {
    const cases: [Promise<Response>, number, string][] = [
      [
        fetch(url('/token'), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"grant_type":"authorization_code"}',
        }),
        400,
        'invalid_request',
      ],
      [tokenRequest({ client_id: CLIENT_ID }), 400, 'invalid_request'],
      [
        tokenRequest({ client_id: CLIENT_ID, grant_type: 'password' }),
        400,
        'unsupported_grant_type',
      ],
      [
        tokenRequest({ client_id: 'nobody', grant_type: 'authorization_code' }),
        401,
        'invalid_client',
      ],
      [tokenRequest({ grant_type: 'authorization_code' }), 401, 'invalid_client'],
      [
        tokenRequest({ client_id: CLIENT_ID, grant_type: 'authorization_code' }),
        400,
        'invalid_request',
      ],
      [exchange('no-such-code', pkce().verifier), 400, 'invalid_grant'],
      [exchange('no-such-code', 'too-short'), 400, 'invalid_request'],
      [
        tokenRequest({ client_id: CLIENT_ID, grant_type: 'refresh_token', refresh_token: 'nope' }),
        400,
        'invalid_grant',
      ],
      [tokenRequest({ client_id: CLIENT_ID, grant_type: 'refresh_token' }), 400, 'invalid_request'],
      [
        fetch(url('/token'), {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=refresh_token&grant_type=authorization_code&client_id=lgm-web',
        }),
        400,
        'invalid_request',
      ],
      [
        fetch(url('/token'), {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `client_id=lgm-web&padding=${'x'.repeat(20_000)}`,
        }),
        413,
        'invalid_request',
      ],
      [
        tokenRequest({ grant_type: 'authorization_code' }, { authorization: 'Basic !!!' }),
        401,
        'invalid_client',
      ],
      [fetch(url('/token')), 405, 'invalid_request'],
    ];

    for (const [pending, status, error] of cases) {
      const response = await pending;
      expect({ status: response.status, body: await response.json() }).toEqual({
        status,
        body: expect.objectContaining({ error, error_description: expect.any(String) }),
      });
    }
  });

  it('accepts a public client named in HTTP Basic with an empty secret', async () => {
    const proof = pkce();
    const { code } = await signIn(proof);

    const response = await tokenRequest(
      {
        grant_type: 'authorization_code',
        redirect_uri: CALLBACK,
        code,
        code_verifier: proof.verifier,
      },
      { authorization: `Basic ${Buffer.from(`${CLIENT_ID}:`).toString('base64')}` },
    );

    expect(response.status).toBe(200);
  });

  it('answers CORS for the registered app origins only', async () => {
    const preflight = await fetch(url('/userinfo'), {
      method: 'OPTIONS',
      headers: { origin: APP, 'access-control-request-method': 'GET' },
    });
    const allowed = await fetch(idp.jwksUrl, { headers: { origin: APP } });
    const denied = await fetch(idp.jwksUrl, { headers: { origin: 'https://evil.example' } });
    const token = await tokenRequest({ client_id: CLIENT_ID }, { origin: APP });

    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(APP);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Authorization');
    expect(allowed.headers.get('access-control-allow-origin')).toBe(APP);
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
    expect(token.headers.get('access-control-allow-origin')).toBe(APP);
  });

  it('refuses userinfo without a valid access token', async () => {
    const missing = await fetch(url('/userinfo'));
    const idToken = await fetch(url('/userinfo'), {
      headers: { authorization: `Bearer ${await idp.tokenFor('ada', { tokenUse: 'id' })}` },
    });
    const garbage = await fetch(url('/userinfo'), { headers: { authorization: 'Bearer a.b.c' } });
    const access = await idp.tokenFor('ada');
    clock.advance(3601_000);
    const expired = await fetch(url('/userinfo'), {
      headers: { authorization: `Bearer ${access}` },
    });

    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    for (const response of [idToken, garbage, expired]) {
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
  });

  it('signs out to a registered post-logout URI only, and ends the session', async () => {
    const proof = pkce();
    const { cookie, code } = await signIn(proof);
    const { id_token: idToken } = (await (await exchange(code, proof.verifier)).json()) as {
      id_token: string;
    };

    const unregistered = await fetch(
      url('/logout', { id_token_hint: idToken, post_logout_redirect_uri: 'https://evil.example' }),
      { redirect: 'manual', headers: { cookie } },
    );
    const forgedHint = await fetch(
      url('/logout', { id_token_hint: 'a.b.c', post_logout_redirect_uri: SIGNED_OUT }),
      { redirect: 'manual', headers: { cookie } },
    );
    const signedOut = await fetch(
      url('/logout', { id_token_hint: idToken, post_logout_redirect_uri: SIGNED_OUT, state: 's1' }),
      { redirect: 'manual', headers: { cookie } },
    );
    const silent = await fetch(
      url('/authorize', authorizeParams(pkce().challenge, { prompt: 'none' })),
      { redirect: 'manual', headers: { cookie } },
    );

    expect(unregistered.status).toBe(400);
    expect(unregistered.headers.get('location')).toBeNull();
    expect(forgedHint.status).toBe(400);
    expect(signedOut.status).toBe(302);
    expect(signedOut.headers.get('location')).toBe(`${SIGNED_OUT}?state=s1`);
    expect(signedOut.headers.get('set-cookie')).toMatch(/^lgm_dev_oidc_session=; .*Max-Age=0/);
    expect(new URL(silent.headers.get('location') ?? '').searchParams.get('error')).toBe(
      'login_required',
    );
  });

  it('lets anyone sign in with a well-formed name when no users are configured', async () => {
    const open = await start({ users: undefined });
    try {
      const first = await open.tokenFor('carol');
      const again = await open.tokenFor('carol');

      expect(decodePayload(first)['sub']).toBe(decodePayload(again)['sub']);
      await expect(open.tokenFor('<script>')).rejects.toThrow(/no user/);
    } finally {
      await open.close();
    }
  });

  it('keeps its signing key in the state directory, so tokens survive a restart', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'lgm-oidc-'));
    const issuerUrl = 'http://localhost:4001';
    try {
      const before = await start({ stateDir, issuerUrl });
      const token = await before.tokenFor('ada');
      await before.close();
      const after = await start({ stateDir, issuerUrl });
      try {
        const verifier = createJwtVerifier({
          issuer: issuerUrl,
          audience: CLIENT_ID,
          jwksUrl: `http://127.0.0.1:${after.port}/.well-known/jwks.json`,
          clock,
        });
        await expect(verifier.verify(token)).resolves.toMatchObject({ username: 'ada' });
        expect(after.issuer).toBe(issuerUrl);
      } finally {
        await after.close();
      }
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it('refuses bad options and a port that is taken', async () => {
    await expect(startDevOidcIssuer({ clients: [] })).rejects.toThrow(TypeError);
    await expect(
      startDevOidcIssuer({ clients: [{ clientId: 'x', redirectUris: ['javascript:alert(1)'] }] }),
    ).rejects.toThrow(TypeError);
    await expect(start({ port: idp.port })).rejects.toMatchObject({
      code: 'LOCAL_OIDC_START_FAILED',
    });
  });

  it('answers unknown paths with 404', async () => {
    const response = await fetch(url('/admin'));
    expect(response.status).toBe(404);
  });
});
