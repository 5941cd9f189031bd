import { assertOwner } from './ownership';

describe('assertOwner', () => {
  const principal = { sub: 'user-a' };

  it('passes for the owner', () => {
    expect(() => assertOwner(principal, 'user-a', 'Session', 's1')).not.toThrow();
  });

  it.each([['user-b'], [undefined], ['']])(
    'reports a resource owned by %j as not found, never as forbidden',
    (ownerId) => {
      expect(() => assertOwner(principal, ownerId, 'Session', 's1')).toThrow(
        expect.objectContaining({ code: 'SESSION_NOT_FOUND', status: 404 }),
      );
    },
  );
});
