import { bearerToken } from './bearer-token';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl';

describe('bearerToken', () => {
  it.each([`Bearer ${JWT}`, `bearer ${JWT}`, `BEARER ${JWT}`, `Bearer  ${JWT}`])(
    'reads the token of %j',
    (header) => {
      expect(bearerToken(header)).toBe(JWT);
    },
  );

  it('keeps base64 padding and the other b64token characters', () => {
    expect(bearerToken('Bearer a-b.c_d~e+f/g==')).toBe('a-b.c_d~e+f/g==');
  });

  it.each([undefined, ''])('answers UNAUTHORIZED when the header is %j', (header) => {
    expect(() => bearerToken(header)).toThrow(
      expect.objectContaining({ code: 'UNAUTHORIZED', status: 401 }),
    );
  });

  it.each([
    'Bearer',
    'Bearer ',
    `Basic ${JWT}`,
    JWT,
    `Bearer ${JWT} extra`,
    `Bearer ${JWT}\n`,
    ` Bearer ${JWT}`,
    `Bearer\t${JWT}`,
    `Bearer ${JWT},Bearer ${JWT}`,
    'Bearer ==abc',
  ])('answers UNAUTHORIZED for the malformed header %j', (header) => {
    expect(() => bearerToken(header)).toThrow(
      expect.objectContaining({ code: 'UNAUTHORIZED', status: 401 }),
    );
  });

  it('refuses a header sent twice', () => {
    expect(() => bearerToken([`Bearer ${JWT}`, `Bearer ${JWT}`])).toThrow(
      expect.objectContaining({ code: 'UNAUTHORIZED' }),
    );
  });

  it('never echoes the header in its message', () => {
    expect(() => bearerToken(`Basic ${JWT}`)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(JWT) }),
    );
  });
});
