import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { loadConfig } from '@lgm/core';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import * as z from 'zod';

import { authConfigShape, createVerifierFromConfig } from './auth-config';

const schema = z.object({ ...authConfigShape });

describe('authConfigShape', () => {
  it('defaults the token use to access and leaves the JWKS URL to the issuer', () => {
    const config = loadConfig(schema, {
      AUTH_ISSUER: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc',
      AUTH_AUDIENCE: 'client-1',
      AUTH_JWKS_URL: '',
    });

    expect(config).toEqual({
      AUTH_ISSUER: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc',
      AUTH_AUDIENCE: 'client-1',
      AUTH_TOKEN_USE: 'access',
    });
  });

  it('reports every bad key at once', () => {
    expect(() =>
      loadConfig(schema, {
        AUTH_ISSUER: 'ftp://example.com',
        AUTH_AUDIENCE: ' ',
        AUTH_JWKS_URL: 'not a url',
        AUTH_TOKEN_USE: 'refresh',
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        issues: expect.arrayContaining([
          expect.objectContaining({ key: 'AUTH_ISSUER' }),
          expect.objectContaining({ key: 'AUTH_AUDIENCE' }),
          expect.objectContaining({ key: 'AUTH_JWKS_URL' }),
          expect.objectContaining({ key: 'AUTH_TOKEN_USE' }),
        ]),
      }),
    );
  });

  it('builds a verifier that fetches the configured JWKS URL and checks the configured token use', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' };
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const issuer = 'https://issuer.example/pool';
      const config = loadConfig(schema, {
        AUTH_ISSUER: issuer,
        AUTH_AUDIENCE: 'client-1',
        AUTH_JWKS_URL: `http://127.0.0.1:${port}/keys`,
        AUTH_TOKEN_USE: 'id',
      });
      const verifier = createVerifierFromConfig(config);
      const now = Math.floor(Date.now() / 1000);
      const token = (claims: Record<string, unknown>) =>
        new SignJWT({ iss: issuer, sub: 'user-1', exp: now + 600, ...claims })
          .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
          .sign(privateKey);

      await expect(
        verifier.verify(await token({ aud: 'client-1', token_use: 'id' })),
      ).resolves.toMatchObject({ sub: 'user-1' });
      await expect(
        verifier.verify(await token({ client_id: 'client-1', token_use: 'access' })),
      ).rejects.toMatchObject({ code: 'TOKEN_WRONG_USE' });
    } finally {
      server.close();
    }
  });
});
