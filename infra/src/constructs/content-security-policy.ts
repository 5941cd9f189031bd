/** Origins the web app talks to besides its own (each `scheme://host[:port]`, tokens allowed). */
export interface WebAppOrigins {
  /** The REST API (chat-api): `https://<id>.execute-api.<region>.amazonaws.com`. */
  readonly api: string;
  /** The WebSocket API (ws-gateway): `wss://<id>.execute-api.<region>.amazonaws.com`. */
  readonly socket: string;
  /**
   * The OIDC issuer's host: discovery and signing keys
   * (`https://cognito-idp.<region>.amazonaws.com`).
   */
  readonly issuer: string;
  /**
   * The hosted sign-in (`https://<prefix>.auth.<region>.amazoncognito.com`): the browser is sent
   * there to sign in and out, and the app calls its token, user info and revocation endpoints.
   */
  readonly signIn: string;
  /** Where presigned upload URLs point: the documents bucket. */
  readonly uploads: string;
  /** Where presigned download URLs point: the artifacts bucket (images shown inline). */
  readonly downloads: string;
}

/**
 * The Content-Security-Policy of the web app: its own scripts and styles only (the build has no
 * inline script or style element; React sets style properties through the CSSOM, which CSP does
 * not restrict), network access only to its APIs, the issuer and the two buckets' presigned URLs,
 * no plugins, no `<base>` elsewhere, forms only to itself and the sign-in, and no framing.
 *
 * `frame-src` lets oidc-client-ts try its hidden-iframe renewal at the hosted sign-in; renewal
 * normally uses the refresh token, since the hosted sign-in refuses to be framed anyway.
 *
 * @example
 * buildContentSecurityPolicy({ api: 'https://a.execute-api.eu-west-1.amazonaws.com', … })
 * // "default-src 'self'; script-src 'self'; …; frame-ancestors 'none'"
 */
export function buildContentSecurityPolicy(origins: WebAppOrigins): string {
  const directives: readonly (readonly string[])[] = [
    ['default-src', "'self'"],
    ['script-src', "'self'"],
    ['style-src', "'self'"],
    // data: and blob: for icons in the stylesheet and previews the app makes itself.
    ['img-src', "'self'", 'data:', 'blob:', origins.downloads],
    [
      'connect-src',
      "'self'",
      origins.api,
      origins.socket,
      origins.issuer,
      origins.signIn,
      origins.uploads,
    ],
    ['frame-src', origins.signIn],
    ['object-src', "'none'"],
    ['base-uri', "'self'"],
    ['form-action', "'self'", origins.signIn],
    ['frame-ancestors', "'none'"],
  ];
  return directives.map((directive) => directive.join(' ')).join('; ');
}

/**
 * Browser features the app never uses, switched off for it and anything it embeds. The clipboard
 * (copy buttons) keeps its default, this origin only.
 */
export const PERMISSIONS_POLICY = [
  'accelerometer=()',
  'camera=()',
  'geolocation=()',
  'gyroscope=()',
  'magnetometer=()',
  'microphone=()',
  'payment=()',
  'usb=()',
].join(', ');
