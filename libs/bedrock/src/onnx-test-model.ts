import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Test helper (not exported from the lib): writes a tiny BERT-shaped model directory that
 * `@huggingface/transformers` can load with no download — an ONNX graph encoded by hand (a Gather
 * over an embedding matrix, producing `last_hidden_state` [batch, seq, dim]), a WordPiece
 * `tokenizer.json` with a few words, `tokenizer_config.json` and `config.json`.
 *
 * Encoding follows onnx.proto3 (ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto)
 * with IR version 7 and opset 13; only the fields the runtime needs are written.
 */

// --- a minimal protobuf writer --------------------------------------------------------------

type Field = Uint8Array;

function varint(value: number | bigint): number[] {
  let v = BigInt(value);
  if (v < 0n) v += 1n << 64n; // two's complement, as protobuf encodes negative int64
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const tag = (field: number, wireType: number): number[] => varint((field << 3) | wireType);

function intField(field: number, value: number | bigint): Field {
  return Uint8Array.from([...tag(field, 0), ...varint(value)]);
}

function bytesField(field: number, bytes: Uint8Array): Field {
  return concat([Uint8Array.from([...tag(field, 2), ...varint(bytes.length)]), bytes]);
}

function stringField(field: number, text: string): Field {
  return bytesField(field, new TextEncoder().encode(text));
}

const message = (...fields: readonly Field[]): Uint8Array => concat(fields);

// --- ONNX messages ---------------------------------------------------------------------------

const FLOAT = 1;
const INT64 = 7;

/** TensorShapeProto.Dimension: a number or a symbolic name. */
function dimension(value: number | string): Uint8Array {
  return typeof value === 'number' ? message(intField(1, value)) : message(stringField(2, value));
}

function valueInfo(
  name: string,
  elemType: number,
  shape: readonly (number | string)[],
): Uint8Array {
  const tensorShape = message(...shape.map((d) => bytesField(1, dimension(d))));
  const tensorType = message(intField(1, elemType), bytesField(2, tensorShape));
  const typeProto = message(bytesField(1, tensorType));
  return message(stringField(1, name), bytesField(2, typeProto));
}

function floatTensor(name: string, dims: readonly number[], values: Float32Array): Uint8Array {
  const raw = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return message(
    ...dims.map((d) => intField(1, d)),
    intField(2, FLOAT),
    stringField(8, name),
    bytesField(9, raw),
  );
}

function node(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  intAttributes: Readonly<Record<string, number>> = {},
): Uint8Array {
  const attributes = Object.entries(intAttributes).map(([name, value]) =>
    // AttributeProto: name (1), i (3), type (20) = INT (2)
    bytesField(5, message(stringField(1, name), intField(3, value), intField(20, 2))),
  );
  return message(
    ...inputs.map((input) => stringField(1, input)),
    ...outputs.map((output) => stringField(2, output)),
    stringField(3, `${opType.toLowerCase()}_0`),
    stringField(4, opType),
    ...attributes,
  );
}

/** An ONNX model: `last_hidden_state = embeddings[input_ids]`. */
export function encodeEmbeddingModel(vocabSize: number, hiddenSize: number): Uint8Array {
  const weights = new Float32Array(vocabSize * hiddenSize);
  // Deterministic, distinct rows: what matters is that different tokens give different vectors.
  for (let i = 0; i < weights.length; i += 1) weights[i] = Math.sin(i * 12.9898 + 1) * 0.5;
  const graph = message(
    bytesField(1, node('Gather', ['embeddings', 'input_ids'], ['last_hidden_state'], { axis: 0 })),
    stringField(2, 'tiny-bert'),
    bytesField(5, floatTensor('embeddings', [vocabSize, hiddenSize], weights)),
    bytesField(11, valueInfo('input_ids', INT64, ['batch_size', 'sequence_length'])),
    bytesField(11, valueInfo('attention_mask', INT64, ['batch_size', 'sequence_length'])),
    bytesField(
      12,
      valueInfo('last_hidden_state', FLOAT, ['batch_size', 'sequence_length', hiddenSize]),
    ),
  );
  const opset = message(stringField(1, ''), intField(2, 13));
  return message(
    intField(1, 7),
    stringField(2, 'lgm-test'),
    bytesField(7, graph),
    bytesField(8, opset),
  );
}

const SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'];
const WORDS = [
  'the',
  'cat',
  'dog',
  'sat',
  'on',
  'mat',
  'reset',
  'password',
  'how',
  'do',
  'i',
  '##s',
];

/** Writes the model directory (config, tokenizer, onnx/model.onnx) and returns its path. */
export function writeTinyBertModel(dir: string, hiddenSize = 8): string {
  const vocab = Object.fromEntries([...SPECIAL, ...WORDS].map((token, id) => [token, id]));
  const vocabSize = SPECIAL.length + WORDS.length;
  const special = (token: string): { id: string; type_id: number } => ({ id: token, type_id: 0 });
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: special('[CLS]') },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: special('[SEP]') },
      ],
      pair: [
        { SpecialToken: special('[CLS]') },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: special('[SEP]') },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab,
    },
  };
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify({
      tokenizer_class: 'BertTokenizer',
      do_lower_case: true,
      model_max_length: 512,
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      unk_token: '[UNK]',
    }),
  );
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      model_type: 'bert',
      architectures: ['BertModel'],
      hidden_size: hiddenSize,
      vocab_size: vocabSize,
      num_attention_heads: 1,
      num_hidden_layers: 1,
      max_position_embeddings: 512,
    }),
  );
  writeFileSync(join(dir, 'onnx/model.onnx'), encodeEmbeddingModel(vocabSize, hiddenSize));
  return dir;
}
