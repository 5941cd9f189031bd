import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

import { createIdGenerator } from '@lgm/core';
import { encodeS3EventKey } from '@lgm/local-stack';
import {
  ChunkRepository,
  createDatabase,
  createS3Client,
  DocumentRepository,
  type DocumentRow,
  S3BlobStore,
} from '@lgm/persistence';
import { Document, Packer, Paragraph } from 'docx';
import { PDFDocument, StandardFonts } from 'pdf-lib';

import { EVENTS_TOKEN_HEADER } from './event-forwarder';
import { LOCAL_BUCKETS } from './local-stores';
import { randomPortBase, startDevStack } from './test-support/dev-stack-process';

/**
 * Ingestion end to end through `npm start`: uploads through the owner-scoped blob store reach
 * doc-ingestor as the local S3's object events, and the documents end `ready` (searchable) or
 * `failed` with their own code; a redelivered event changes nothing; a deleted object loses its
 * chunks. Everything is written and read through the production clients.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'lgm-ingestion-'));
const portBase = randomPortBase();
const eventsToken = `test-token-${Date.now()}-abcdefgh`;
const env = {
  LGM_DATA_DIR: dataDir,
  LGM_PORT_BASE: String(portBase),
  LGM_WEB: 'false',
  INGESTOR_EVENTS_TOKEN: eventsToken,
};
const nextId = createIdGenerator();
const owner = `owner-${nextId()}`;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * Two pages of filler with the sentence at the foot of page 2, so the chunk that holds it starts
 * on page 2 rather than sharing a chunk with page 1.
 */
async function pdfWithTwoPages(): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const filler = (page: number) =>
    Array.from(
      { length: 70 },
      (_, line) => `Page ${page} line ${line} records routine harbour tide tables and ferry notes.`,
    );
  for (const lines of [
    filler(1),
    [...filler(2), 'The orchard harvest begins when the quinces turn golden.'],
  ]) {
    pdf.addPage([595, 842]).drawText(lines.join('\n'), {
      x: 40,
      y: 810,
      size: 8,
      lineHeight: 11,
      font,
    });
  }
  return pdf.save();
}

async function docx(): Promise<Uint8Array> {
  const document = new Document({
    sections: [
      { children: [new Paragraph('The glacier museum opens its ice cave every winter.')] },
    ],
  });
  return new Uint8Array(await Packer.toBuffer(document));
}

/** A real one-file ZIP archive (stored, not deflated) that is not a Word document. */
function zipArchive(name: string, content: string): Uint8Array {
  const nameBytes = Buffer.from(name);
  const data = Buffer.from(content);
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  const centralOffset = local.length + nameBytes.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + nameBytes.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return new Uint8Array(Buffer.concat([local, nameBytes, data, central, nameBytes, end]));
}

interface Upload {
  readonly name: string;
  readonly fileName: string;
  readonly contentType: string;
  readonly bytes: Uint8Array;
  /** A sentence to search for, or the failure code expected. */
  readonly expect: { readonly query: string; readonly page?: number } | { readonly code: string };
}

async function uploads(): Promise<Upload[]> {
  const text = (value: string) => new TextEncoder().encode(value);
  return [
    {
      name: 'markdown',
      fileName: 'guide.md',
      contentType: 'text/markdown',
      bytes: text('# Lighthouse\n\nThe lighthouse keeper polishes the brass lens every evening.\n'),
      expect: { query: 'lighthouse keeper polishes brass lens' },
    },
    {
      name: 'html',
      fileName: 'recipes.html',
      contentType: 'text/html',
      bytes: text(
        '<!doctype html><html><body><h1>Recipes</h1><p>The baker folds cardamom into the morning dough.</p></body></html>',
      ),
      expect: { query: 'baker folds cardamom dough' },
    },
    {
      name: 'csv',
      fileName: 'rivers.csv',
      contentType: 'text/csv',
      bytes: text('city,river\nVienna,Danube\nKoblenz,Moselle\n'),
      expect: { query: 'Koblenz Moselle' },
    },
    {
      name: 'docx',
      fileName: 'museum.docx',
      contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      bytes: await docx(),
      expect: { query: 'glacier museum ice cave' },
    },
    {
      name: 'pdf',
      fileName: 'orchard.pdf',
      contentType: 'application/pdf',
      bytes: await pdfWithTwoPages(),
      expect: { query: 'orchard harvest quinces golden', page: 2 },
    },
    {
      name: 'text',
      fileName: 'train.txt',
      contentType: 'text/plain',
      bytes: text('The night train to Lisbon departs at eleven.\n'),
      expect: { query: 'night train Lisbon departs' },
    },
    {
      name: 'corrupt pdf',
      fileName: 'broken.pdf',
      contentType: 'application/pdf',
      bytes: text('%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >> garbage garbage\n'),
      expect: { code: 'DOCUMENT_CORRUPT' },
    },
    {
      name: 'zip renamed .pdf',
      fileName: 'archive.pdf',
      contentType: 'application/pdf',
      bytes: zipArchive('notes.txt', 'These notes were zipped, then renamed to .pdf.'),
      expect: { code: 'UNSUPPORTED_DOCUMENT_TYPE' },
    },
    {
      name: 'empty file',
      fileName: 'empty.txt',
      contentType: 'text/plain',
      bytes: new Uint8Array(),
      expect: { code: 'EMPTY_DOCUMENT' },
    },
  ];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 40_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('ingests every supported type, fails bad files with their codes, ignores a redelivery and drops removed objects', async () => {
  const stack = await startDevStack(env);
  const { db, close } = createDatabase({
    url: `postgres://postgres:postgres@127.0.0.1:${portBase + 10}/postgres`,
    maxConnections: 1,
  });
  const s3 = createS3Client({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${portBase + 12}`,
    credentials,
  });
  try {
    const documents = new DocumentRepository(db, owner);
    const chunks = new ChunkRepository(db, owner);
    const blobs = new S3BlobStore({ s3, bucket: LOCAL_BUCKETS.documents }).forOwner(
      owner,
      'documents',
    );

    // Arrange: rows first (as chat-api will create them), then the uploads.
    const files = await uploads();
    const ids = new Map<string, string>();
    for (const file of files) {
      const id = nextId();
      ids.set(file.name, id);
      await documents.create({
        id,
        title: file.name,
        fileName: file.fileName,
        contentType: file.contentType,
        sizeBytes: file.bytes.length,
        s3Key: `documents/${owner}/${id}/${file.fileName}`,
      });
      await blobs.put({ id, fileName: file.fileName }, file.bytes, {
        contentType: file.contentType,
      });
    }

    // Act: wait for every document to settle.
    const settled = new Map<string, DocumentRow>();
    for (const file of files) {
      const id = ids.get(file.name) ?? '';
      settled.set(
        file.name,
        await waitFor(`${file.name} to settle`, async () => {
          const row = await documents.get(id);
          return row.status === 'ready' || row.status === 'failed' ? row : undefined;
        }),
      );
    }

    // Assert: good files are ready and searchable, bad ones failed with their own code.
    for (const file of files) {
      const row = settled.get(file.name);
      const id = ids.get(file.name) ?? '';
      if ('code' in file.expect) {
        expect({ file: file.name, status: row?.status, code: row?.errorCode }).toEqual({
          file: file.name,
          status: 'failed',
          code: file.expect.code,
        });
        expect(row?.errorMessage).toBeTruthy();
        continue;
      }
      expect({ file: file.name, status: row?.status, error: row?.errorMessage }).toEqual({
        file: file.name,
        status: 'ready',
        error: null,
      });
      expect(row?.progress).toBe(100);
      expect((await chunks.listForDocument(id)).length).toBeGreaterThan(0);
      const matches = await chunks.fullText(file.expect.query, 5);
      const match = matches.find((candidate) => candidate.documentId === id);
      expect({ file: file.name, found: match !== undefined }).toEqual({
        file: file.name,
        found: true,
      });
      if (file.expect.page !== undefined) expect(match?.pageStart).toBe(file.expect.page);
    }

    // The same event delivered again changes nothing: same chunk ids, same row version.
    const markdownId = ids.get('markdown') ?? '';
    const markdownFile = files[0];
    const before = await documents.get(markdownId);
    const chunkIds = (await chunks.listForDocument(markdownId)).map((chunk) => chunk.id);
    const source = JSON.parse(before.sourceVersion ?? '{}') as {
      eTag?: string;
      sequencer?: string;
    };
    expect(source.sequencer).toBeDefined();
    const response = await fetch(`http://127.0.0.1:${portBase + 3}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [EVENTS_TOKEN_HEADER]: eventsToken },
      body: JSON.stringify({
        Records: [
          {
            eventName: 'ObjectCreated:Put',
            s3: {
              bucket: { name: LOCAL_BUCKETS.documents },
              object: {
                key: encodeS3EventKey(before.s3Key),
                size: markdownFile?.bytes.length ?? 0,
                eTag: source.eTag,
                sequencer: source.sequencer,
              },
            },
          },
        ],
      }),
    });
    expect(response.status).toBe(202);
    await sleep(1_500);
    expect((await documents.get(markdownId)).version).toBe(before.version);
    expect((await chunks.listForDocument(markdownId)).map((chunk) => chunk.id)).toEqual(chunkIds);

    // Deleting the object removes its chunks.
    await blobs.delete({ id: markdownId, fileName: markdownFile?.fileName ?? '' });
    const removed = await waitFor('the removed document', async () => {
      const row = await documents.get(markdownId);
      return row.errorCode === 'DOCUMENT_SOURCE_DELETED' ? row : undefined;
    });
    expect(removed.status).toBe('failed');
    expect(await chunks.listForDocument(markdownId)).toEqual([]);
    expect(
      (await chunks.fullText('lighthouse keeper', 5)).some((m) => m.documentId === markdownId),
    ).toBe(false);
  } finally {
    s3.destroy();
    await close();
    expect(await stack.stop()).toBe(0);
  }
}, 120_000);
