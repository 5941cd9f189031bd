import { principalFromAuthorizerContext, toAuthorizerContext } from './authorize';
import { credentialsOf } from './socket-routes';

describe('credentialsOf (the token of a handshake)', () => {
  it.each([
    [{ queryToken: 'q.t.k' }, { token: 'q.t.k' }],
    [{ protocolHeader: 'bearer, a.b.c' }, { token: 'a.b.c', protocol: 'bearer' }],
    [{ protocolHeader: 'Bearer,a.b.c' }, { token: 'a.b.c', protocol: 'bearer' }],
    [{ protocolHeader: 'graphql-ws, bearer, a.b.c' }, { token: 'a.b.c', protocol: 'bearer' }],
    [{ protocolHeader: 'bearer' }, { protocol: 'bearer' }],
    [{ protocolHeader: 'graphql-ws' }, {}],
    [{ authorization: 'Bearer h.d.r' }, { token: 'h.d.r' }],
    [{ authorization: 'Basic abc' }, {}],
    // The query parameter wins; the offered subprotocol is still answered.
    [
      { queryToken: 'q.t.k', protocolHeader: 'bearer, a.b.c' },
      { token: 'q.t.k', protocol: 'bearer' },
    ],
    [{}, {}],
  ])('%j → %j', (handshake, expected) => {
    expect(credentialsOf({ connectionId: 'c', ...handshake })).toEqual(expected);
  });
});

describe('authorizer context', () => {
  it('carries a principal from the authorizer to the socket route and back', () => {
    const principal = {
      sub: 'user-1',
      username: 'ada',
      email: 'ada@example.com',
      groups: ['admins', 'beta'],
      expiresAt: 1_795_867_200,
    };
    const context = toAuthorizerContext(principal);
    expect(context).toEqual({ ...principal, groups: 'admins,beta' });
    // API Gateway may hand numbers back as strings.
    expect(
      principalFromAuthorizerContext({
        ...context,
        expiresAt: '1795867200',
        integrationLatency: 3,
      }),
    ).toEqual(principal);
    expect(principalFromAuthorizerContext({ principalId: 'x' })).toBeUndefined();
  });
});
