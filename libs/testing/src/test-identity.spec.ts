import { createManualClock } from '@lgm/core';
import { decodeJwt, decodeProtectedHeader } from 'jose';

import { authHeader, createTestIdentity, type TestTokenOverrides } from './test-identity';

describe('createTestIdentity', () => {
  const identity = createTestIdentity();

  it('issues access tokens shaped like Cognito’s that its verifier accepts', async () => {
    const token = await identity.tokenFor('user-a', { groups: ['admins'] });

    const principal = await identity.verifier.verify(token);

    expect(principal).toMatchObject({ sub: 'user-a', username: 'user-a', groups: ['admins'] });
    expect(decodeJwt(token)).toMatchObject({
      iss: identity.issuer,
      client_id: identity.audience,
      token_use: 'access',
    });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', kid: identity.jwks.keys[0]?.kid });
  });

  it('publishes only public key material', () => {
    expect(identity.jwks.keys).toHaveLength(1);
    expect(identity.jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(identity.jwks.keys[0]).not.toHaveProperty('d');
  });

  it('issues id tokens for an identity configured for them', async () => {
    const ids = createTestIdentity({ tokenUse: 'id', audience: 'web' });

    const principal = await ids.verifier.verify(
      await ids.tokenFor('user-b', { email: 'b@x.test' }),
    );

    expect(principal).toMatchObject({ sub: 'user-b', email: 'b@x.test' });
  });

  it.each<[string, TestTokenOverrides, string]>([
    ['expired', { expiresInSeconds: -120 }, 'TOKEN_EXPIRED'],
    ['from another issuer', { issuer: 'https://evil.example' }, 'TOKEN_WRONG_ISSUER'],
    ['for another client', { audience: 'other-client' }, 'TOKEN_WRONG_AUDIENCE'],
    ['of another use', { tokenUse: 'id' }, 'TOKEN_WRONG_USE'],
    ['signed by a foreign key', { signature: 'foreign-key' }, 'TOKEN_INVALID'],
    ['unsigned', { signature: 'alg-none' }, 'TOKEN_INVALID'],
    ['HMAC-signed with the public key', { signature: 'hs256-public-key' }, 'TOKEN_INVALID'],
    ['under an unknown kid', { kid: 'rotated-away' }, 'TOKEN_INVALID'],
    ['without sub', { claims: { sub: undefined } }, 'TOKEN_INVALID'],
    ['not valid yet', { notBeforeInSeconds: 600 }, 'TOKEN_INVALID'],
  ])('makes tokens the verifier rejects: %s', async (_name, overrides, code) => {
    const token = await identity.tokenFor('user-a', overrides);

    await expect(identity.verifier.verify(token)).rejects.toMatchObject({ code, status: 401 });
  });

  it('follows the clock it is given', async () => {
    const clock = createManualClock('2026-05-01T00:00:00.000Z');
    const timed = createTestIdentity({ clock });
    const token = await timed.tokenFor('user-a', { expiresInSeconds: 60 });

    clock.advance(60_000 + 31_000);

    expect(decodeJwt(token).iat).toBe(Date.parse('2026-05-01T00:00:00.000Z') / 1000);
    await expect(timed.verifier.verify(token)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
  });

  it('trusts only its own keys: another identity’s tokens are rejected', async () => {
    const other = createTestIdentity();

    await expect(identity.verifier.verify(await other.tokenFor('user-a'))).rejects.toMatchObject({
      code: 'TOKEN_INVALID',
    });
  });

  it('builds the Authorization header', () => {
    expect(authHeader('abc.def.ghi')).toEqual({ authorization: 'Bearer abc.def.ghi' });
  });
});
