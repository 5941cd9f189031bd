import { createHash, randomBytes } from 'node:crypto';

/**
 * Signs a user in at the dev OIDC issuer the way the web app does (authorization code + PKCE):
 * GET the sign-in form, submit it, exchange the code with the verifier. Returns the access token
 * the services accept.
 */
export async function signIn(options: {
  readonly issuer: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly username: string;
}): Promise<string> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const authorize = new URL('/authorize', options.issuer);
  for (const [key, value] of Object.entries({
    client_id: options.clientId,
    redirect_uri: options.redirectUri,
    response_type: 'code',
    scope: 'openid email profile',
    state: randomBytes(8).toString('hex'),
    code_challenge: challenge,
    code_challenge_method: 'S256',
  })) {
    authorize.searchParams.set(key, value);
  }
  const form = await fetch(authorize, { redirect: 'manual' });
  if (form.status !== 200) throw new Error(`sign-in form: HTTP ${form.status}`);
  const submitted = await fetch(new URL('/authorize', options.issuer), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...hiddenFields(await form.text()), username: options.username }),
  });
  const location = new URL(submitted.headers.get('location') ?? 'about:blank');
  const code = location.searchParams.get('code');
  if (code === null) throw new Error(`sign-in did not return a code (HTTP ${submitted.status})`);
  const token = await fetch(new URL('/token', options.issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: options.clientId,
      redirect_uri: options.redirectUri,
      code,
      code_verifier: verifier,
    }),
  });
  const body = (await token.json()) as { access_token?: unknown };
  if (typeof body.access_token !== 'string') throw new Error(`token: HTTP ${token.status}`);
  return body.access_token;
}

function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(match[0])?.[1];
    const value = /value="([^"]*)"/.exec(match[0])?.[1];
    if (name !== undefined) fields[name] = unescapeHtml(value ?? '');
  }
  return fields;
}

function unescapeHtml(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
