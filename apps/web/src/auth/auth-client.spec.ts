import { cognitoLogoutUrl, safeReturnPath } from './auth-client';

describe('cognitoLogoutUrl', () => {
  it('ends the Cognito session and returns to the web origin', () => {
    const url = new URL(
      cognitoLogoutUrl(
        'https://lgm-prod.auth.eu-west-1.amazoncognito.com/logout',
        'abc123',
        'https://chat.example.com',
      ),
    );
    expect(url.origin + url.pathname).toBe(
      'https://lgm-prod.auth.eu-west-1.amazoncognito.com/logout',
    );
    expect(url.searchParams.get('client_id')).toBe('abc123');
    expect(url.searchParams.get('logout_uri')).toBe('https://chat.example.com/');
  });
});

describe('safeReturnPath', () => {
  it('keeps paths on this origin and refuses anything else', () => {
    expect(safeReturnPath('/documents')).toBe('/documents');
    expect(safeReturnPath('//evil.example.com/x')).not.toContain('evil');
    expect(safeReturnPath('https://evil.example.com/')).not.toContain('evil');
  });
});
