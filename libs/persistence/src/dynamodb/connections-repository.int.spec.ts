import { AppError, createManualClock } from '@lgm/core';

import { ConnectionRepository } from './connections-repository';
import { type LocalTables, newOwnerId, startLocalTables } from './test/local-tables';

let local: LocalTables;

beforeAll(async () => {
  local = await startLocalTables('connections-int');
});

afterAll(async () => {
  await local.stop();
});

function setup() {
  const clock = createManualClock('2026-03-01T09:00:00.000Z');
  const connections = new ConnectionRepository({
    documents: local.documents,
    tableName: local.tableNames.connections,
    clock,
  });
  return { clock, connections };
}

async function expectAppError(promise: Promise<unknown>, code: string, status: number) {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  expect(error).toMatchObject({ code, status });
}

describe('ConnectionRepository on the local DynamoDB', () => {
  it('puts, gets, lists by user and deletes connections', async () => {
    const { connections } = setup();
    const alice = newOwnerId('alice');
    const bob = newOwnerId('bob');

    const stored = await connections.put('L0SM9cOFvHcCIhw=', alice, 7_200);
    await connections.put('conn-a2', alice, 7_200);
    await connections.put('conn-b1', bob, 7_200);

    expect(stored).toEqual({
      connectionId: 'L0SM9cOFvHcCIhw=',
      userId: alice,
      connectedAt: '2026-03-01T09:00:00.000Z',
      expiresAt: '2026-03-01T11:00:00.000Z',
    });
    expect(await connections.get('L0SM9cOFvHcCIhw=')).toEqual(stored);
    expect((await connections.listByUser(alice)).sort()).toEqual(['L0SM9cOFvHcCIhw=', 'conn-a2']);
    expect(await connections.listByUser(bob)).toEqual(['conn-b1']);

    await connections.delete('conn-a2');
    await connections.delete('conn-a2'); // $disconnect may be delivered twice
    expect(await connections.get('conn-a2')).toBeUndefined();
    expect(await connections.listByUser(alice)).toEqual(['L0SM9cOFvHcCIhw=']);
    expect(await connections.listByUser(newOwnerId())).toEqual([]);
  });

  it('treats an expired connection as gone', async () => {
    const { clock, connections } = setup();
    await connections.put('conn-expiring', newOwnerId(), 60);
    clock.advance(59_000);
    expect(await connections.get('conn-expiring')).toBeDefined();
    clock.advance(1_000);
    expect(await connections.get('conn-expiring')).toBeUndefined();
  });

  it('rejects malformed ids and lifetimes', async () => {
    const { connections } = setup();
    await expectAppError(connections.put('bad id!', 'u', 60), 'INVALID_CONNECTION_ID', 400);
    await expectAppError(connections.put('c1', 'a#b', 60), 'INVALID_USER_ID', 400);
    await expectAppError(connections.put('c1', 'u', 0), 'INVALID_CONNECTION_TTL', 400);
    await expectAppError(connections.put('c1', 'u', 86_401), 'INVALID_CONNECTION_TTL', 400);
    await expectAppError(connections.get(''), 'INVALID_CONNECTION_ID', 400);
    await expectAppError(connections.listByUser(''), 'INVALID_USER_ID', 400);
  });
});
