import { ValidationError } from '@lgm/core';

import { parsePassages, type Passage } from './extractive-passages';
import type {
  ChatCompletion,
  ChatMessage,
  ChatModel,
  ChatRequest,
  ChatStreamEvent,
  TokenUsage,
} from './ports';

/**
 * The default ChatModel when no LLM is configured: it answers by quoting the sentences of the
 * given passages (see `extractive-passages.ts` for the `<passage id="1">…</passage>` convention)
 * that best match the question, with their citation markers, and says plainly that no language
 * model wrote it. It never calls tools and never follows anything written in a passage.
 *
 * Relevance is lexical, not the local embedder: it must work for every language (the embedder
 * knows English words only), stay deterministic and synchronous, and explain itself — a quoted
 * sentence shares words with the question. Words match exactly or by a long common prefix, which
 * absorbs English inflection (password/passwords) and Korean particles (비밀번호를/비밀번호는)
 * without a stemmer; each question word is weighted by how few sentences contain it (IDF), so
 * words that occur everywhere count little. Sentences come from `Intl.Segmenter` (ICU rules for
 * every script) and line breaks, not from an English-only regex.
 */

export const EXTRACTIVE_MODEL_ID = 'extractive-v1';

export interface ExtractiveChatModelOptions {
  /** How many sentences to quote at most (default 3). */
  readonly maxQuotes?: number;
  /** Minimum share of the question's weighted words a sentence must contain (default 0.2). */
  readonly minScore?: number;
}

interface Sentence {
  readonly passage: Passage;
  readonly order: number;
  readonly text: string;
  readonly words: readonly string[];
}

const MESSAGES = {
  en: {
    intro:
      'No language model is configured, so this is not a written answer: below are the passages ' +
      'most relevant to your question, quoted as they appear in your documents.',
    noPassages:
      'No language model is configured, and no passages from your documents were found for this ' +
      'question, so I cannot answer it. Upload documents that cover it, or ask an administrator to ' +
      'configure a language model.',
    irrelevant: (count: number): string =>
      `No language model is configured, and none of the ${count} passage${count === 1 ? '' : 's'} ` +
      'found seem relevant to your question, so I cannot answer it.',
  },
  ko: {
    intro:
      '언어 모델이 설정되어 있지 않아 답변을 작성할 수 없습니다. 질문과 가장 관련 있는 문서 구절을 ' +
      '그대로 인용합니다.',
    noPassages:
      '언어 모델이 설정되어 있지 않고 이 질문에 해당하는 문서 구절도 찾지 못해 답변할 수 없습니다. ' +
      '관련 문서를 업로드하거나 관리자에게 언어 모델 설정을 요청하세요.',
    irrelevant: (count: number): string =>
      `언어 모델이 설정되어 있지 않으며, 찾은 문서 구절 ${count}개 중 질문과 관련된 내용이 없어 ` +
      '답변할 수 없습니다.',
  },
} as const;

// Function words that would otherwise match everywhere. English only, as an addition: IDF does
// the same job for every language, just less sharply on a handful of sentences.
const STOPWORDS = new Set(
  (
    'a an and are as at be been but by can could did do does for from had has have how i if in ' +
    'into is it its me my no not of on or our so than that the their them then there these they ' +
    'this to was we were what when where which who whom why will with would you your'
  ).split(' '),
);

const WORD = /[\p{L}\p{M}\p{N}]+/gu;
const HAN = /\p{Script=Han}/u;
const HANGUL = /\p{Script=Hangul}/u;
/** Scripts where one character is a syllable or a morpheme: shorter prefixes are meaningful. */
const DENSE = /[\p{Script=Hangul}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;

function words(text: string): string[] {
  return (text.normalize('NFKC').toLowerCase().match(WORD) ?? []).filter(
    (word) => !STOPWORDS.has(word) && (Array.from(word).length > 1 || HAN.test(word)),
  );
}

function wordsMatch(query: string, candidate: string): boolean {
  if (query === candidate) return true;
  const a = Array.from(query);
  const b = Array.from(candidate);
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common += 1;
  const minimum = DENSE.test(query) ? 2 : 4;
  return common >= minimum && common >= 0.75 * Math.min(a.length, b.length);
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'sentence' });

function splitSentences(passage: Passage, order: number): Sentence[] {
  const sentences: Sentence[] = [];
  for (const line of passage.text.split(/\n+/)) {
    // ICU also breaks after `?`/`!`/`.` with no space after them (`example.com/?q=1`): in text
    // written with spaces a real sentence end is followed by one, so such pieces are rejoined.
    // Full-width terminators (。！？) take no space and stay breaks.
    const pieces: string[] = [];
    for (const { segment } of segmenter.segment(line)) {
      const previous = pieces.at(-1);
      if (previous !== undefined && /[.?!]$/u.test(previous)) pieces[pieces.length - 1] += segment;
      else pieces.push(segment);
    }
    for (const piece of pieces) {
      const text = piece.replace(/\s+/gu, ' ').trim();
      if (text === '' || !/[\p{L}\p{N}]/u.test(text)) continue;
      sentences.push({ passage, order: order + sentences.length, text, words: words(text) });
    }
  }
  return sentences;
}

/** Rough token count: ~4 characters per token for alphabetic text, 1 per CJK/Hangul character. */
export function approximateTokens(text: string): number {
  let dense = 0;
  let other = 0;
  for (const char of text) {
    if (DENSE.test(char)) dense += 1;
    else other += 1;
  }
  return dense + Math.ceil(other / 4);
}

function textOf(message: ChatMessage): string {
  return message.content
    .map((block) => (block.type === 'text' ? block.text : ''))
    .filter((text) => text !== '')
    .join('\n');
}

/** A quote must not forge a citation marker or form a Markdown link or image. */
function neutralize(sentence: string): string {
  return sentence.replace(/\[/g, '(').replace(/\]/g, ')');
}

function deltas(text: string): string[] {
  const pieces = text.match(/\s*\S{1,24}/gu) ?? [];
  const out: string[] = [];
  for (let i = 0; i < pieces.length; i += 3) out.push(pieces.slice(i, i + 3).join(''));
  const trailing = text.length - out.join('').length;
  if (trailing > 0) out.push(text.slice(text.length - trailing));
  return out;
}

/** A call, not a property read, so TypeScript does not narrow it across awaits. */
const isAborted = (signal: AbortSignal | undefined): boolean => signal?.aborted === true;

const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Answers with the best-matching passage sentences; see the module comment. */
export class ExtractiveChatModel implements ChatModel {
  private readonly maxQuotes: number;
  private readonly minScore: number;

  constructor(options: ExtractiveChatModelOptions = {}) {
    this.maxQuotes = options.maxQuotes ?? 3;
    this.minScore = options.minScore ?? 0.2;
  }

  /** The full answer text for a request (what `stream` sends in deltas). */
  answer(request: ChatRequest): string {
    const lastUser = [...request.messages].reverse().find((message) => message.role === 'user');
    if (lastUser === undefined) {
      throw new ValidationError('The conversation has no user message to answer.', {
        code: 'CHAT_REQUEST_INVALID',
      });
    }
    const found = new Map<string, Passage>();
    if (request.system !== undefined) parsePassages(request.system, found);
    const question = parsePassages(textOf(lastUser), found).remainder.trim();
    const messages = HANGUL.test(question) ? MESSAGES.ko : MESSAGES.en;
    const passages = [...found.values()];
    if (passages.length === 0) return messages.noPassages;

    const sentences: Sentence[] = [];
    for (const passage of passages) sentences.push(...splitSentences(passage, sentences.length));
    const queryWords = [...new Set(words(question))];
    const weights = queryWords.map((query) => {
      const containing = sentences.filter((s) => s.words.some((w) => wordsMatch(query, w))).length;
      return Math.log(1 + (sentences.length + 1) / (containing + 1));
    });
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    const ranked = sentences
      .map((sentence) => {
        let matched = 0;
        queryWords.forEach((query, i) => {
          if (sentence.words.some((word) => wordsMatch(query, word))) matched += weights[i] ?? 0;
        });
        return { sentence, score: total > 0 ? matched / total : 0 };
      })
      .filter(({ score }) => score >= this.minScore && score > 0)
      .sort((a, b) => b.score - a.score || a.sentence.order - b.sentence.order)
      .slice(0, this.maxQuotes);
    if (ranked.length === 0) return messages.irrelevant(passages.length);

    const quotes = ranked.map(
      ({ sentence }) => `> ${neutralize(sentence.text)} [${sentence.passage.id}]`,
    );
    // The [n] markers are the citations: the platform sends each cited passage (title, page,
    // heading) as structured data beside the answer, so a "Sources" line would repeat it.
    return `${messages.intro}\n\n${quotes.join('\n\n')}`;
  }

  async *stream(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
    const inputTokens = approximateTokens(
      [request.system ?? '', ...request.messages.map(textOf)].join('\n'),
    );
    const usage = (output: string): ChatStreamEvent => {
      const value: TokenUsage = { inputTokens, outputTokens: approximateTokens(output) };
      return { type: 'usage', usage: value };
    };
    if (isAborted(request.signal)) {
      yield usage('');
      yield { type: 'stop', reason: 'cancelled' };
      return;
    }
    const answer = this.answer(request);
    let sent = '';
    for (const delta of deltas(answer)) {
      // Yield to the event loop between deltas, so an abort (or other streams) can get in.
      await nextTick();
      if (isAborted(request.signal)) {
        yield usage(sent);
        yield { type: 'stop', reason: 'cancelled' };
        return;
      }
      sent += delta;
      yield { type: 'text_delta', text: delta };
    }
    yield usage(sent);
    yield { type: 'stop', reason: 'end_turn' };
  }

  async complete(request: ChatRequest): Promise<ChatCompletion> {
    let text = '';
    let usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
    let stopReason: ChatCompletion['stopReason'] = 'end_turn';
    for await (const event of this.stream(request)) {
      if (event.type === 'text_delta') text += event.text;
      else if (event.type === 'usage') usage = event.usage;
      else if (event.type === 'stop') stopReason = event.reason;
    }
    return { message: { role: 'assistant', content: [{ type: 'text', text }] }, stopReason, usage };
  }
}

/** Builds the extractive model. */
export function createExtractiveChatModel(
  options: ExtractiveChatModelOptions = {},
): ExtractiveChatModel {
  return new ExtractiveChatModel(options);
}
