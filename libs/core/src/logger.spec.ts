import { Writable } from 'node:stream';

import { createLogger } from './logger';

function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ service: 'chat-api', destination, level: 'debug' }), lines };
}

describe('createLogger', () => {
  it('writes JSON lines stamped with the service', () => {
    const { logger, lines } = captureLogger();
    logger.info({ sessionId: 's1' }, 'turn started');
    expect(lines[0]).toMatchObject({
      service: 'chat-api',
      level: 'info',
      sessionId: 's1',
      msg: 'turn started',
    });
  });

  it('redacts authorization headers, tokens and secrets wherever they are', () => {
    const { logger, lines } = captureLogger();
    logger.info(
      {
        req: { headers: { authorization: 'Bearer eyJhbGciOi.secret.jwt', 'x-request-id': 'r1' } },
        event: { queryStringParameters: { token: 'ws-jwt' }, headers: { cookie: 'sid=1' } },
        config: { databaseUrl: 'postgres://user:pw@host/db', password: 'pw' },
        token: 'top-level',
      },
      'request',
    );
    const text = JSON.stringify(lines[0]);
    expect(text).not.toContain('eyJhbGciOi');
    expect(text).not.toContain('ws-jwt');
    expect(text).not.toContain('sid=1');
    expect(text).not.toContain('user:pw');
    expect(text).not.toContain('top-level');
    expect(text).toContain('r1');
    expect(text).toContain('[REDACTED]');
  });
});
