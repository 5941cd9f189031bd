// Ingestion throughput and memory (ARCHITECTURE §5: a 1,000-page text PDF indexed with bounded
// memory and visible progress). Generates a text PDF with pdf-lib (chapter and section headings,
// wrapped paragraphs), then runs the library path in this process, as the doc-ingestor does:
// `parsePdfPages` → `chunkBlocks` → local embedder (batches of BENCH_EMBED_BATCH) →
// `ChunkRepository.replaceForDocument` on PGlite (`startLocalPostgres`, production migrations).
// Prints pages/s, chunks, total time, the time per stage, and peak RSS / heap / external memory
// sampled every 50 ms (baseline before the PDF exists, peak, and peak minus baseline).
//
// Figures only, never asserted. Loopback only; nothing is kept afterwards.
// Environment: BENCH_PAGES (1000)  BENCH_EMBED_BATCH (64)
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  createLocalEmbedder,
  findLocalEmbedderAssets,
  LOCAL_EMBEDDER_DIMENSIONS,
} from '@lgm/bedrock';
import { createIdGenerator } from '@lgm/core';
import { startLocalPostgres } from '@lgm/local-stack';
import {
  type ChunkInput,
  ChunkRepository,
  createDatabase,
  DocumentRepository,
  migrateDatabase,
} from '@lgm/persistence';
import { type Chunk, chunkBlocks, type DocumentBlock, parsePdfPages } from '@lgm/rag';
import { PDFDocument, StandardFonts } from 'pdf-lib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const PAGES = Number(process.env['BENCH_PAGES'] ?? 1000);
const EMBED_BATCH = Number(process.env['BENCH_EMBED_BATCH'] ?? 64);
const PROGRESS_EVERY = 100;
const OWNER = 'bench-owner';

// --- memory sampling ------------------------------------------------------------------------------

const peak = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
const sample = (): void => {
  const usage = process.memoryUsage();
  peak.rss = Math.max(peak.rss, usage.rss);
  peak.heapUsed = Math.max(peak.heapUsed, usage.heapUsed);
  peak.external = Math.max(peak.external, usage.external);
  peak.arrayBuffers = Math.max(peak.arrayBuffers, usage.arrayBuffers);
};
const resetPeak = (): void => {
  peak.rss = 0;
  peak.heapUsed = 0;
  peak.external = 0;
  peak.arrayBuffers = 0;
  sample();
};
const sampler = setInterval(sample, 50);
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const seconds = (value: number): string => `${(value / 1000).toFixed(2)} s`;

// --- the PDF ----------------------------------------------------------------------------------------

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'the a of to and in that is for on with as by it from at this be are was an or which ' +
  'security group inbound rule subnet route table gateway endpoint policy role bucket object ' +
  'version lifecycle queue message retry timeout function memory concurrency cluster replica ' +
  'index query latency throughput partition key stream shard snapshot backup restore region ' +
  'zone network traffic encryption certificate token session user request response error ' +
  'metric alarm dashboard log trace deployment pipeline stage template parameter secret'
).split(' ');

async function generatePdf(pages: number): Promise<Uint8Array> {
  const random = mulberry32(0x5eed);
  const word = (): string => WORDS[Math.floor(random() * WORDS.length)] ?? 'the';
  const sentence = (): string => {
    const words = Array.from({ length: 8 + Math.floor(random() * 14) }, word);
    const text = words.join(' ');
    return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
  };
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  const [width, height, margin] = [595, 842, 56];
  const bodySize = 10.5;
  const leading = 14;
  const wrap = (text: string): string[] => {
    const lines: string[] = [];
    let line = '';
    for (const next of text.split(' ')) {
      const candidate = line ? `${line} ${next}` : next;
      if (font.widthOfTextAtSize(candidate, bodySize) > width - 2 * margin && line) {
        lines.push(line);
        line = next;
      } else {
        line = candidate;
      }
    }
    if (line) lines.push(line);
    return lines;
  };
  let section = 0;
  for (let n = 1; n <= pages; n += 1) {
    const page = pdf.addPage([width, height]);
    let y = height - margin;
    if (n % 10 === 1) {
      page.drawText(`Chapter ${Math.ceil(n / 10)}: ${word()} ${word()} operations`, {
        x: margin,
        y: y - 20,
        size: 20,
        font: bold,
      });
      y -= 48;
    }
    while (y > margin + 6 * leading) {
      if (random() < 0.3) {
        section += 1;
        page.drawText(`${section}. ${word()} ${word()} ${word()}`, {
          x: margin,
          y: y - 14,
          size: 14,
          font: bold,
        });
        y -= 30;
      }
      const paragraph = Array.from({ length: 3 + Math.floor(random() * 4) }, sentence).join(' ');
      for (const line of wrap(paragraph)) {
        if (y < margin) break;
        page.drawText(line, { x: margin, y, size: bodySize, font });
        y -= leading;
      }
      y -= 10; // paragraph gap
    }
    page.drawText(String(n), { x: width / 2, y: margin / 2, size: 9, font });
  }
  return pdf.save();
}

// --- the run ----------------------------------------------------------------------------------------

const baseline = process.memoryUsage();
const genStart = performance.now();
let bytes: Uint8Array | undefined = await generatePdf(PAGES);
const pdfSize = bytes.byteLength;
const genMs = performance.now() - genStart;
console.log(
  `ingestion: generated a ${PAGES}-page text PDF (${mb(pdfSize)}) with pdf-lib in ${seconds(genMs)}`,
);

const postgres = await startLocalPostgres();
const { db, pool, close } = createDatabase({ url: postgres.url, maxConnections: 1 });
try {
  await migrateDatabase(pool, {
    migrationsFolder: join(root, 'libs/persistence/drizzle'),
    embeddingDimensions: LOCAL_EMBEDDER_DIMENSIONS,
  });
  const embedder = createLocalEmbedder({ assetsDir: findLocalEmbedderAssets(root) });
  embedder.load();
  const nextId = createIdGenerator();
  const documentId = nextId();
  const documents = new DocumentRepository(db, OWNER);
  const repository = new ChunkRepository(db, OWNER);
  let document = await documents.create({
    id: documentId,
    title: 'Bench manual',
    fileName: 'bench.pdf',
    contentType: 'application/pdf',
    sizeBytes: pdfSize,
    s3Key: `bench/${documentId}.pdf`,
  });

  global.gc?.();
  const before = process.memoryUsage();
  resetPeak();
  const time = { parse: 0, chunk: 0, embed: 0, store: 0 };
  let pages = 0;
  let blocks = 0;
  const started = performance.now();

  // Parser time is what `pages.next()` takes; chunking is chunkBlocks' time minus the parser's.
  async function* timedBlocks(pdf: Uint8Array): AsyncGenerator<DocumentBlock> {
    const iterator = parsePdfPages(pdf)[Symbol.asyncIterator]();
    for (;;) {
      const t0 = performance.now();
      const next = await iterator.next();
      time.parse += performance.now() - t0;
      if (next.done) return;
      pages = next.value.pageNumber;
      blocks += next.value.blocks.length;
      if (pages % PROGRESS_EVERY === 0 || pages === next.value.pageCount) {
        const rate = pages / ((performance.now() - started) / 1000);
        console.log(
          `  progress ${pages}/${next.value.pageCount} pages  ${rate.toFixed(1)} pages/s  rss ${mb(process.memoryUsage().rss)}`,
        );
      }
      yield* next.value.blocks;
    }
  }

  const inputs: ChunkInput[] = [];
  let batch: Chunk[] = [];
  const embedBatch = async (): Promise<void> => {
    if (batch.length === 0) return;
    const t0 = performance.now();
    const vectors = await embedder.embed(
      batch.map((chunk) => chunk.text),
      { purpose: 'document' },
    );
    time.embed += performance.now() - t0;
    batch.forEach((chunk, i) =>
      inputs.push({
        id: nextId(),
        ordinal: chunk.ordinal,
        text: chunk.text,
        headingPath: [...chunk.headingPath],
        pageStart: chunk.pageStart,
        pageEnd: chunk.pageEnd,
        tokenCount: chunk.tokenCount,
        embedding: vectors[i] ?? null,
      }),
    );
    batch = [];
  };

  const chunks = chunkBlocks(timedBlocks(bytes))[Symbol.asyncIterator]();
  for (;;) {
    const parseBefore = time.parse;
    const t0 = performance.now();
    const next = await chunks.next();
    time.chunk += performance.now() - t0 - (time.parse - parseBefore);
    if (next.done) break;
    batch.push(next.value);
    if (batch.length >= EMBED_BATCH) await embedBatch();
  }
  await embedBatch();
  bytes = undefined; // the PDF is no longer needed once parsed

  const t0 = performance.now();
  const stored = await repository.replaceForDocument(documentId, inputs);
  document = await documents.update(documentId, document.version, {
    status: 'ready',
    progress: 100,
  });
  time.store += performance.now() - t0;
  const total = performance.now() - started;
  sample();
  clearInterval(sampler);

  const tokens = inputs.reduce((sum, input) => sum + input.tokenCount, 0);
  console.log(
    `\n${pages} pages, ${blocks.toLocaleString('en')} blocks → ${stored.toLocaleString('en')} chunks (${Math.round(tokens / stored)} tokens/chunk on average), document ${document.status}`,
  );
  console.log(
    `total ${seconds(total)}  →  ${(pages / (total / 1000)).toFixed(1)} pages/s, ${(stored / (total / 1000)).toFixed(0)} chunks/s`,
  );
  console.log('stage                               time     share');
  for (const [name, value] of [
    ['parsePdfPages (pdfjs)', time.parse],
    ['chunkBlocks', time.chunk],
    [`local embedder (batches of ${EMBED_BATCH})`, time.embed],
    ['replaceForDocument + status (PGlite)', time.store],
  ] as const) {
    console.log(
      `${name.padEnd(36)} ${seconds(value).padStart(8)}  ${((value / total) * 100).toFixed(1).padStart(5)}%`,
    );
  }
  console.log(`memory (sampled every 50 ms; PDF ${mb(pdfSize)}):`);
  console.log(`  process start   rss ${mb(baseline.rss)}  heap ${mb(baseline.heapUsed)}`);
  console.log(
    `  before ingest   rss ${mb(before.rss)}  heap ${mb(before.heapUsed)}  external ${mb(before.external)}  (includes PGlite and the embedder's vectors)`,
  );
  console.log(
    `  peak during     rss ${mb(peak.rss)}  heap ${mb(peak.heapUsed)}  external ${mb(peak.external)}  arrayBuffers ${mb(peak.arrayBuffers)}`,
  );
  console.log(
    `  peak − before   rss ${mb(peak.rss - before.rss)}  heap ${mb(peak.heapUsed - before.heapUsed)}  (${((peak.rss - before.rss) / pdfSize).toFixed(1)}× the PDF size)`,
  );
  console.log(
    '  note: replaceForDocument takes the whole document in one transaction, so every chunk and its embedding are held until the end (bounded by its 20,000-chunk cap); the parser and chunker stream page by page.',
  );
} finally {
  clearInterval(sampler);
  await close();
  await postgres.stop();
}
