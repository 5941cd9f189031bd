import { assignToolNames, BEDROCK_TOOL_NAME, hashedToolName, plainToolName } from './tool-names';

describe('tool names for Bedrock', () => {
  it('namespaces as <server>__<tool> with refused characters replaced', () => {
    expect(plainToolName('Weather', 'get_forecast')).toBe('Weather__get_forecast');
    expect(plainToolName('My Tools (beta)', 'files/read.v2')).toBe('My_Tools_beta__files_read_v2');
    expect(plainToolName('天气', '预报')).toBe('mcp__tool');
  });

  it('keeps plain names when unique and hashes the colliding and the too long ones', () => {
    const names = assignToolNames([
      { serverId: 'S1', serverName: 'Tools', toolName: 'echo' },
      { serverId: 'S2', serverName: 'Tools', toolName: 'echo' },
      { serverId: 'S2', serverName: 'Tools', toolName: 'add' },
      {
        serverId: 'S3',
        serverName: 'A server with a rather long display name',
        toolName: 'x'.repeat(60),
      },
      { serverId: 'S4', serverName: 'Files', toolName: 'read.file' },
      { serverId: 'S4', serverName: 'Files', toolName: 'read/file' },
      { serverId: 'S4', serverName: 'Files', toolName: 'read.file' },
    ]);
    expect(names[0]).toBe(hashedToolName('S1', 'Tools', 'echo'));
    expect(names[1]).toBe(hashedToolName('S2', 'Tools', 'echo'));
    expect(names[0]).not.toBe(names[1]);
    expect(names[2]).toBe('Tools__add');
    expect(names[3]).toHaveLength(64);
    expect(names[3]).toMatch(/^A_server_with_a_rather_long_display_name__x+_[0-9a-f]{8}$/);
    // read.file and read/file sanitise alike: both hashed, apart; the exact repeat is dropped.
    expect(names[4]).not.toBe(names[5]);
    expect(names[6]).toBeUndefined();
    for (const name of names.filter((n) => n !== undefined))
      expect(name).toMatch(BEDROCK_TOOL_NAME);
  });

  it('gives the same hashed name for the same server and tool every time', () => {
    expect(hashedToolName('S1', 'Tools', 'echo')).toBe(hashedToolName('S1', 'Tools', 'echo'));
    expect(hashedToolName('S1', 'Tools', 'echo')).not.toBe(hashedToolName('S9', 'Tools', 'echo'));
  });
});
