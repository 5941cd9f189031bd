/**
 * Reading tool results for display. A tool's output is untrusted text; when it is JSON in the
 * shape of a code run (`stdout`, `stderr`, `files`) or names artifacts, the UI shows those parts
 * in their own places. Nothing here interprets the text as markup.
 */

export interface ArtifactRef {
  readonly artifactId: string;
  readonly name: string;
  readonly contentType?: string;
  readonly sizeBytes?: number;
}

export interface CodeRunOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode?: number;
  readonly status?: string;
  readonly files: readonly ArtifactRef[];
}

/** A tool whose results are code runs (`run_code`, or `lgm__run_code` as the model names it). */
export function isCodeRunTool(name: string): boolean {
  return /(^|__)run_code$/.test(name);
}

export function parseJson(text: string | undefined): unknown {
  if (!text) return undefined;
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return undefined;
  try {
    return JSON.parse(trimmed);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

function artifactRef(value: unknown): ArtifactRef | undefined {
  if (!isRecord(value)) return undefined;
  const id = value['artifactId'] ?? value['id'];
  if (typeof id !== 'string' || !ULID.test(id)) return undefined;
  const name = typeof value['name'] === 'string' ? value['name'] : id;
  return {
    artifactId: id,
    name,
    contentType: typeof value['contentType'] === 'string' ? value['contentType'] : undefined,
    sizeBytes: typeof value['sizeBytes'] === 'number' ? value['sizeBytes'] : undefined,
  };
}

/** Artifacts a tool result names: `files`/`artifacts` arrays, `artifact`, or the result itself. */
export function artifactsIn(output: unknown): ArtifactRef[] {
  if (!isRecord(output)) return [];
  const lists = [output['files'], output['artifacts']].filter(Array.isArray) as unknown[][];
  const refs = lists.flat().map(artifactRef);
  refs.push(artifactRef(output['artifact']));
  if (typeof output['artifactId'] === 'string') refs.push(artifactRef(output));
  const seen = new Set<string>();
  return refs.filter((ref): ref is ArtifactRef => {
    if (!ref || seen.has(ref.artifactId)) return false;
    seen.add(ref.artifactId);
    return true;
  });
}

/** The parts of a code run's result, or undefined when the output has no such shape. */
export function parseCodeRun(output: string | undefined): CodeRunOutput | undefined {
  const json = parseJson(output);
  if (!isRecord(json)) return undefined;
  const text = (key: string) => (typeof json[key] === 'string' ? (json[key] as string) : '');
  if (!('stdout' in json) && !('stderr' in json)) return undefined;
  return {
    stdout: text('stdout'),
    stderr: text('stderr'),
    exitCode: typeof json['exitCode'] === 'number' ? json['exitCode'] : undefined,
    status: typeof json['status'] === 'string' ? json['status'] : undefined,
    files: artifactsIn(json),
  };
}

/** Pretty JSON when the text is JSON, else the text itself. */
export function prettyOutput(text: string | undefined): string {
  const json = parseJson(text);
  return json === undefined ? (text ?? '') : JSON.stringify(json, null, 2);
}

export function prettyInput(input: unknown): string {
  if (input === undefined) return '';
  if (typeof input === 'string') return input;
  try {
    return JSON.stringify(input, null, 2);
  } catch {
    return String(input);
  }
}

/** The code of a `run_code` call's input, when it has one, with its language. */
export function codeOfInput(input: unknown): { code: string; language: string } | undefined {
  if (!isRecord(input) || typeof input['code'] !== 'string') return undefined;
  return {
    code: input['code'],
    language: typeof input['language'] === 'string' ? input['language'] : '',
  };
}
