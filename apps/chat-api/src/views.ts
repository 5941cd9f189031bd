import {
  type ArtifactView,
  type Citation,
  citationSchema,
  type DocumentView,
  type MessageView,
  type Session as SessionView,
  type ToolCallRecord,
  toolCallRecordSchema,
  type TurnUsage,
} from '@lgm/contracts';
import type { ArtifactRow, DocumentRow, Message, Session } from '@lgm/persistence';
import type * as z from 'zod';

/**
 * Stored rows → the REST contract. Each view names its fields, so a column added to a table never
 * reaches clients by accident (the response schemas are strict and would refuse it anyway).
 */

export function sessionView(session: Session): SessionView {
  return {
    id: session.id,
    title: session.title,
    model: session.model,
    createdAt: session.createdAt,
    updatedAt: session.updatedAt,
    version: session.version,
  };
}

export function messageView(message: Message): MessageView {
  const content = message.content.map((block) => ({ ...block }));
  const text = content
    .filter((block) => block.type === 'text' && typeof block['text'] === 'string')
    .map((block) => block['text'] as string)
    .join('');
  const view: { -readonly [K in keyof MessageView]: MessageView[K] } = {
    id: message.id,
    sessionId: message.sessionId,
    role: message.role,
    text,
    content,
    createdAt: message.createdAt,
    citations: parsedList(citationSchema, message.citations) as Citation[],
    toolCalls: parsedList(toolCallRecordSchema, message.toolCalls) as ToolCallRecord[],
  };
  if (message.status !== undefined) view.status = message.status;
  if (message.clientMessageId !== undefined) view.clientMessageId = message.clientMessageId;
  if (message.turnId !== undefined) view.turnId = message.turnId;
  if (message.stopReason !== undefined) view.stopReason = message.stopReason;
  if (message.model !== undefined) view.model = message.model;
  const usage = usageView(message.usage);
  if (usage !== undefined) view.usage = usage;
  return view;
}

/**
 * Citations and tool calls are stored as the turn engine wrote them; entries that do not match
 * the contract (written by an older engine) are left out rather than failing the whole message.
 */
function parsedList(schema: z.ZodType, values: readonly unknown[] | undefined): unknown[] {
  return (values ?? []).flatMap((value) => {
    const parsed = schema.safeParse(value);
    return parsed.success ? [parsed.data] : [];
  });
}

/** Stored usage holds whole numbers only, so dollars are kept as micro-dollars there. */
function usageView(usage: Readonly<Record<string, number>> | undefined): TurnUsage | undefined {
  if (usage === undefined) return undefined;
  const inputTokens = usage['inputTokens'];
  const outputTokens = usage['outputTokens'];
  if (inputTokens === undefined || outputTokens === undefined) return undefined;
  const micro = usage['costMicroUsd'];
  const dollars = usage['costUsd'];
  return {
    inputTokens,
    outputTokens,
    costUsd: dollars ?? (micro === undefined ? null : micro / 1_000_000),
  };
}

export function documentView(row: DocumentRow): DocumentView {
  return {
    id: row.id,
    title: row.title,
    fileName: row.fileName,
    contentType: row.contentType,
    sizeBytes: row.sizeBytes,
    status: row.status,
    progress: row.progress,
    error:
      row.errorCode === null
        ? null
        : { code: row.errorCode, message: row.errorMessage ?? row.errorCode },
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function artifactView(row: ArtifactRow): ArtifactView {
  return {
    id: row.id,
    sessionId: row.sessionId,
    turnId: row.turnId,
    name: row.name,
    contentType: row.contentType,
    sizeBytes: row.sizeBytes,
    createdAt: row.createdAt.toISOString(),
  };
}
