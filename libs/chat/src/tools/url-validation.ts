import { lookup } from 'node:dns/promises';

import { ValidationError } from '@lgm/core';

import { type AddressKind, classifyAddress } from './ip-addresses';

/** Longest accepted MCP server URL (the registry stores at most this much). */
export const MAX_MCP_SERVER_URL_CHARS = 2_048;

/** Resolves a host name to every address it has (A and AAAA), like `dns.lookup({all: true})`. */
export type HostResolver = (hostname: string) => Promise<readonly string[]>;

/** The system resolver (getaddrinfo): what `fetch` and `http.request` would connect to. */
export const systemResolver: HostResolver = async (hostname) => {
  const addresses = await lookup(hostname, { all: true, verbatim: true });
  return addresses.map((entry) => entry.address);
};

export interface McpUrlPolicy {
  /**
   * Allow loopback and private addresses, and plain http to loopback: the local dev stack and
   * tests. Off on AWS, where such a URL would reach the VPC or the host (SSRF).
   */
  readonly allowPrivateNetworks: boolean;
  /** DNS, injectable for tests; the system resolver by default. */
  readonly resolve?: HostResolver;
}

/** Why a host or address may not be contacted, or undefined when it may. */
export function addressRefusal(
  kind: AddressKind | undefined,
  allowPrivateNetworks: boolean,
): string | undefined {
  if (kind === 'metadata') return 'is a cloud metadata endpoint';
  if (allowPrivateNetworks || kind === 'public' || kind === undefined) return undefined;
  return kind === 'loopback' ? 'is a loopback address' : 'is a private or reserved address';
}

/**
 * Checks a user-supplied MCP server URL before it is stored and again before every connection
 * (the host's DNS answer may have changed since: DNS rebinding).
 *
 * - https only; http only to a loopback host, and only when private networks are allowed;
 * - no credentials (they would end up in logs) and no fragment;
 * - the host, literally and through every address DNS gives for it, must not be loopback,
 *   private, link-local, reserved or a metadata endpoint, unless private networks are allowed
 *   (metadata endpoints never are).
 *
 * @returns the URL, normalised by the WHATWG parser (lower-case host, default port dropped).
 * @throws ValidationError `INVALID_MCP_SERVER_URL` for a malformed URL or scheme,
 *   `MCP_SERVER_URL_NOT_ALLOWED` for a host that may not be contacted.
 * @example
 * const url = await validateMcpServerUrl(body.url, { allowPrivateNetworks: false });
 */
export async function validateMcpServerUrl(url: string, policy: McpUrlPolicy): Promise<string> {
  const invalid = (why: string) =>
    new ValidationError(`The MCP server URL ${why}.`, { code: 'INVALID_MCP_SERVER_URL' });
  const notAllowed = (why: string) =>
    new ValidationError(`The MCP server URL is not allowed: its host ${why}.`, {
      code: 'MCP_SERVER_URL_NOT_ALLOWED',
    });

  if (typeof url !== 'string' || url.trim() === '') throw invalid('is missing');
  if (url.length > MAX_MCP_SERVER_URL_CHARS) {
    throw invalid(`must be at most ${MAX_MCP_SERVER_URL_CHARS} characters`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('is not a URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw invalid('must use https');
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw invalid('must not contain credentials (send them as a header)');
  }
  if (parsed.hash !== '') throw invalid('must not have a fragment');

  const host = parsed.hostname.replace(/\.$/, '');
  if (host === '') throw invalid('has no host');
  const literal = classifyAddress(host);
  // RFC 6761: "localhost" and its subdomains are loopback whatever DNS says.
  const kind: AddressKind | undefined =
    literal ?? (/(^|\.)localhost$/i.test(host) ? 'loopback' : undefined);

  if (parsed.protocol === 'http:' && !(policy.allowPrivateNetworks && kind === 'loopback')) {
    throw invalid(
      policy.allowPrivateNetworks
        ? 'must use https (or http to a loopback host)'
        : 'must use https',
    );
  }
  const refusal = addressRefusal(kind, policy.allowPrivateNetworks);
  if (refusal) throw notAllowed(refusal);

  // A DNS name: every address it resolves to must pass, or one of them could be picked.
  if (kind === undefined && !policy.allowPrivateNetworks) {
    let addresses: readonly string[];
    try {
      addresses = await (policy.resolve ?? systemResolver)(host);
    } catch (error) {
      throw new ValidationError('The MCP server URL host could not be resolved.', {
        code: 'INVALID_MCP_SERVER_URL',
        cause: error,
      });
    }
    if (addresses.length === 0) {
      throw new ValidationError('The MCP server URL host could not be resolved.', {
        code: 'INVALID_MCP_SERVER_URL',
      });
    }
    for (const address of addresses) {
      const why = addressRefusal(classifyAddress(address) ?? 'private', false);
      if (why) throw notAllowed(`resolves to an address that ${why}`);
    }
  }
  return parsed.toString();
}
