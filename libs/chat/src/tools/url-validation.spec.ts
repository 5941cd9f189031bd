import { AppError } from '@lgm/core';

import { classifyAddress } from './ip-addresses';
import { type HostResolver, systemResolver, validateMcpServerUrl } from './url-validation';

/** A DNS that answers from a table, so no test depends on the network. */
const dns: Record<string, readonly string[]> = {
  'mcp.example.com': ['93.184.216.34'],
  'v6.example.com': ['2606:4700:4700::1111'],
  'loopback.example.com': ['127.0.0.1'],
  'mixed.example.com': ['93.184.216.34', '10.0.0.7'],
  'ula.example.com': ['2606:4700:4700::1111', 'fd12:3456::1'],
  'metadata.example.com': ['169.254.169.254'],
  'mapped.example.com': ['::ffff:192.168.0.1'],
  'empty.example.com': [],
};
const resolve: HostResolver = async (hostname) => {
  const addresses = dns[hostname];
  if (!addresses)
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return addresses;
};

async function codeOf(url: string, allowPrivateNetworks: boolean): Promise<string> {
  try {
    return await validateMcpServerUrl(url, { allowPrivateNetworks, resolve });
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(400);
    return (error as AppError).code;
  }
}

const INVALID = 'INVALID_MCP_SERVER_URL';
const NOT_ALLOWED = 'MCP_SERVER_URL_NOT_ALLOWED';

describe('validateMcpServerUrl without private networks (AWS)', () => {
  it.each([
    // Accepted, and normalised.
    ['https://mcp.example.com/mcp', 'https://mcp.example.com/mcp'],
    ['HTTPS://MCP.Example.COM:443/mcp?x=1', 'https://mcp.example.com/mcp?x=1'],
    ['https://mcp.example.com', 'https://mcp.example.com/'],
    ['https://mcp.example.com:8443/a/b', 'https://mcp.example.com:8443/a/b'],
    ['https://v6.example.com/mcp', 'https://v6.example.com/mcp'],
    ['https://8.8.8.8/mcp', 'https://8.8.8.8/mcp'],
    ['https://[2606:4700:4700::1111]/mcp', 'https://[2606:4700:4700::1111]/mcp'],
    // Malformed or wrong scheme.
    ['', INVALID],
    ['not a url', INVALID],
    ['/relative/mcp', INVALID],
    ['ftp://mcp.example.com/', INVALID],
    ['file:///etc/passwd', INVALID],
    ['javascript:alert(1)', INVALID],
    ['http://mcp.example.com/mcp', INVALID],
    ['http://localhost:3001/mcp', INVALID],
    ['http://127.0.0.1:3001/mcp', INVALID],
    [`https://mcp.example.com/${'a'.repeat(2_048)}`, INVALID],
    // Credentials and fragments.
    ['https://user:secret@mcp.example.com/mcp', INVALID],
    ['https://token@mcp.example.com/mcp', INVALID],
    ['https://mcp.example.com/mcp#frag', INVALID],
    // Literal private, loopback, link-local, reserved and metadata addresses.
    ['https://127.0.0.1/mcp', NOT_ALLOWED],
    ['https://127.1.2.3/mcp', NOT_ALLOWED],
    ['https://10.1.2.3/mcp', NOT_ALLOWED],
    ['https://172.16.0.1/mcp', NOT_ALLOWED],
    ['https://172.31.255.255/mcp', NOT_ALLOWED],
    ['https://192.168.1.1/mcp', NOT_ALLOWED],
    ['https://100.64.0.1/mcp', NOT_ALLOWED],
    ['https://0.0.0.0/mcp', NOT_ALLOWED],
    ['https://169.254.169.254/latest/meta-data/', NOT_ALLOWED],
    ['https://169.254.170.2/v2/credentials', NOT_ALLOWED],
    ['https://224.0.0.1/mcp', NOT_ALLOWED],
    ['https://255.255.255.255/mcp', NOT_ALLOWED],
    // The WHATWG parser reads these as 127.0.0.1.
    ['https://2130706433/mcp', NOT_ALLOWED],
    ['https://0x7f.1/mcp', NOT_ALLOWED],
    ['https://0177.0.0.1/mcp', NOT_ALLOWED],
    // IPv6.
    ['https://[::1]/mcp', NOT_ALLOWED],
    ['https://[::]/mcp', NOT_ALLOWED],
    ['https://[fd00:ec2::254]/latest/meta-data/', NOT_ALLOWED],
    ['https://[fd12:3456::1]/mcp', NOT_ALLOWED],
    ['https://[fc00::1]/mcp', NOT_ALLOWED],
    ['https://[fe80::1]/mcp', NOT_ALLOWED],
    ['https://[ff02::1]/mcp', NOT_ALLOWED],
    ['https://[::ffff:127.0.0.1]/mcp', NOT_ALLOWED],
    ['https://[::ffff:a9fe:a9fe]/mcp', NOT_ALLOWED],
    ['https://[64:ff9b::10.0.0.1]/mcp', NOT_ALLOWED],
    ['https://[2002:7f00:1::]/mcp', NOT_ALLOWED],
    // Names: localhost never reaches DNS; others must resolve only to public addresses.
    ['https://localhost/mcp', NOT_ALLOWED],
    ['https://LOCALHOST./mcp', NOT_ALLOWED],
    ['https://tools.localhost/mcp', NOT_ALLOWED],
    ['https://loopback.example.com/mcp', NOT_ALLOWED],
    ['https://mixed.example.com/mcp', NOT_ALLOWED],
    ['https://ula.example.com/mcp', NOT_ALLOWED],
    ['https://metadata.example.com/mcp', NOT_ALLOWED],
    ['https://mapped.example.com/mcp', NOT_ALLOWED],
    ['https://nowhere.example.com/mcp', INVALID],
    ['https://empty.example.com/mcp', INVALID],
  ])('%s → %s', async (url, expected) => {
    expect(await codeOf(url, false)).toBe(expected);
  });
});

describe('validateMcpServerUrl with private networks allowed (dev stack, tests)', () => {
  it.each([
    ['http://127.0.0.1:3001/mcp', 'http://127.0.0.1:3001/mcp'],
    ['http://localhost:3001/mcp', 'http://localhost:3001/mcp'],
    ['http://[::1]:3001/mcp', 'http://[::1]:3001/mcp'],
    ['https://10.0.0.5/mcp', 'https://10.0.0.5/mcp'],
    ['https://loopback.example.com/mcp', 'https://loopback.example.com/mcp'],
    // Plain http only to this host.
    ['http://10.0.0.5/mcp', INVALID],
    ['http://mcp.example.com/mcp', INVALID],
    ['http://loopback.example.com/mcp', INVALID],
    // Metadata endpoints stay out of reach.
    ['https://169.254.169.254/latest/meta-data/', NOT_ALLOWED],
    ['https://[fd00:ec2::254]/latest/meta-data/', NOT_ALLOWED],
    ['https://[::ffff:169.254.169.254]/', NOT_ALLOWED],
    ['https://user:secret@127.0.0.1/mcp', INVALID],
  ])('%s → %s', async (url, expected) => {
    expect(await codeOf(url, true)).toBe(expected);
  });
});

describe('classifyAddress', () => {
  it.each([
    ['93.184.216.34', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['[2606:4700:4700::1111]', 'public'],
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['fe80::1%eth0', 'private'],
    ['FD12:3456::1', 'private'],
    ['64:ff9b::c0a8:1', 'private'],
    ['64:ff9b::8.8.8.8', 'public'],
    ['2002:0808:0808::1', 'public'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['fd00:ec2:0:0:0:0:0:254', 'metadata'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['example.com', undefined],
    ['1.2.3', undefined],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });
});

describe('systemResolver', () => {
  it('returns every address of a name from the system resolver', async () => {
    const addresses = await systemResolver('localhost');
    expect(addresses.length).toBeGreaterThan(0);
    expect(addresses.every((address) => classifyAddress(address) === 'loopback')).toBe(true);
  });
});
