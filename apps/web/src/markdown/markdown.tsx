import { Lexer, type Token, type Tokens } from 'marked';
import { type JSX, memo, type ReactNode, useMemo } from 'react';

import { CodeBlock } from './code-block';
import { decodeEntities, safeLinkHref } from './safe-url';

/** A citation marker `[n]` the renderer turned into a button. */
export interface CitationTarget {
  readonly id: string;
  readonly label: string;
}

export interface MarkdownProps {
  readonly text: string;
  /** Citation ids that exist, with their accessible labels; other `[n]` stay text. */
  readonly citations?: ReadonlyMap<string, CitationTarget>;
  readonly onCitation?: (id: string) => void;
  /** UI words in the rendered answer, translated by the caller. */
  readonly labels: MarkdownLabels;
}

export interface MarkdownLabels {
  readonly copy: string;
  readonly copied: string;
  readonly copyFailed: string;
  /** The language label of a code block without one. */
  readonly code: string;
  /** The accessible name of a scrollable table. */
  readonly table: string;
}

/**
 * Markdown from the model (or a document) rendered as React elements, never as HTML: the text is
 * tokenized by marked and each token becomes an element React creates and escapes. Raw HTML in
 * the source is shown as text; links keep only http(s) and mailto targets and open in a new tab
 * without referrer; images are shown as links rather than loaded, so a prompt-injected answer
 * cannot make the browser request an attacker's URL with data in it.
 */
export const Markdown = memo(function Markdown({
  text,
  citations,
  onCitation,
  labels,
}: MarkdownProps): JSX.Element {
  const tokens = useMemo(() => Lexer.lex(text, { gfm: true, breaks: false }), [text]);
  const context: RenderContext = { citations, onCitation, labels };
  return <>{renderBlocks(tokens, context)}</>;
});

interface RenderContext {
  readonly citations?: ReadonlyMap<string, CitationTarget>;
  readonly onCitation?: (id: string) => void;
  readonly labels: MarkdownLabels;
}

function renderBlocks(tokens: readonly Token[], context: RenderContext): ReactNode[] {
  return tokens.map((token, index) => renderBlock(token, index, context));
}

function renderBlock(token: Token, key: number, context: RenderContext): ReactNode {
  switch (token.type) {
    case 'space':
    case 'def':
      return null;
    case 'heading': {
      const heading = token as Tokens.Heading;
      // Answers live under the page's own headings: # is shown at level 3, and so on.
      const level = Math.min(6, heading.depth + 2);
      const Tag = `h${level}` as 'h3';
      return (
        <Tag key={key} className={`md-heading md-h${heading.depth}`}>
          {renderInline(heading.tokens, context)}
        </Tag>
      );
    }
    case 'paragraph':
      return <p key={key}>{renderInline((token as Tokens.Paragraph).tokens, context)}</p>;
    case 'text': {
      const textToken = token as Tokens.Text;
      return (
        <p key={key}>
          {textToken.tokens
            ? renderInline(textToken.tokens, context)
            : renderText(textToken.text, context)}
        </p>
      );
    }
    case 'code': {
      const code = token as Tokens.Code;
      return (
        <CodeBlock
          key={key}
          code={code.text}
          language={code.lang?.split(/\s/)[0] ?? ''}
          labels={context.labels}
        />
      );
    }
    case 'blockquote':
      return (
        <blockquote key={key}>
          {renderBlocks((token as Tokens.Blockquote).tokens, context)}
        </blockquote>
      );
    case 'hr':
      return <hr key={key} />;
    case 'list':
      return renderList(token as Tokens.List, key, context);
    case 'table':
      return renderTable(token as Tokens.Table, key, context);
    case 'html':
      // Never interpreted: the model's HTML is shown as the text it is.
      return (
        <p key={key} className="md-raw">
          {(token as Tokens.HTML).text}
        </p>
      );
    default:
      return 'raw' in token ? <p key={key}>{String(token.raw)}</p> : null;
  }
}

function renderList(list: Tokens.List, key: number, context: RenderContext): ReactNode {
  const items = list.items.map((item, index) => (
    <li key={index} className={item.task ? 'md-task' : undefined}>
      {item.task && (
        <input type="checkbox" checked={item.checked ?? false} disabled readOnly tabIndex={-1} />
      )}
      {renderListItem(item, list.loose, context)}
    </li>
  ));
  if (list.ordered) {
    const start = typeof list.start === 'number' ? list.start : undefined;
    return (
      <ol key={key} start={start !== 1 ? start : undefined}>
        {items}
      </ol>
    );
  }
  return <ul key={key}>{items}</ul>;
}

function renderListItem(item: Tokens.ListItem, loose: boolean, context: RenderContext): ReactNode {
  const tokens = item.tokens.filter((token) => token.type !== 'checkbox');
  // Tight lists render their text without paragraph margins.
  if (!loose) {
    return tokens.map((token, index) =>
      token.type === 'text' ? (
        <span key={index}>
          {(token as Tokens.Text).tokens
            ? renderInline((token as Tokens.Text).tokens ?? [], context)
            : renderText((token as Tokens.Text).text, context)}
        </span>
      ) : (
        renderBlock(token, index, context)
      ),
    );
  }
  return renderBlocks(tokens, context);
}

function renderTable(table: Tokens.Table, key: number, context: RenderContext): ReactNode {
  const align = (index: number) => table.align[index] ?? undefined;
  return (
    <div
      key={key}
      className="md-table"
      tabIndex={0}
      role="region"
      aria-label={context.labels.table}
    >
      <table>
        <thead>
          <tr>
            {table.header.map((cell, index) => (
              <th key={index} style={{ textAlign: align(index) }} scope="col">
                {renderInline(cell.tokens, context)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row, rowIndex) => (
            <tr key={rowIndex}>
              {row.map((cell, index) => (
                <td key={index} style={{ textAlign: align(index) }}>
                  {renderInline(cell.tokens, context)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function renderInline(tokens: readonly Token[], context: RenderContext): ReactNode[] {
  return tokens.map((token, key) => {
    switch (token.type) {
      case 'text': {
        const textToken = token as Tokens.Text;
        return textToken.tokens ? (
          <span key={key}>{renderInline(textToken.tokens, context)}</span>
        ) : (
          <span key={key}>{renderText(textToken.text, context)}</span>
        );
      }
      case 'escape':
        return (token as Tokens.Escape).text;
      case 'strong':
        return <strong key={key}>{renderInline((token as Tokens.Strong).tokens, context)}</strong>;
      case 'em':
        return <em key={key}>{renderInline((token as Tokens.Em).tokens, context)}</em>;
      case 'del':
        return <del key={key}>{renderInline((token as Tokens.Del).tokens, context)}</del>;
      case 'codespan':
        return <code key={key}>{decodeEntities((token as Tokens.Codespan).text)}</code>;
      case 'br':
        return <br key={key} />;
      case 'link': {
        const link = token as Tokens.Link;
        const href = safeLinkHref(link.href);
        const children = renderInline(link.tokens, context);
        if (!href) return <span key={key}>{children}</span>;
        return (
          <a key={key} href={href} target="_blank" rel="noopener noreferrer nofollow">
            {children}
          </a>
        );
      }
      case 'image': {
        const image = token as Tokens.Image;
        const href = safeLinkHref(image.href);
        const label = image.text || image.href;
        if (!href) return <span key={key}>{label}</span>;
        return (
          <a key={key} href={href} target="_blank" rel="noopener noreferrer nofollow">
            {label}
          </a>
        );
      }
      case 'html':
        return <span key={key}>{(token as Tokens.Tag).text}</span>;
      default:
        return 'raw' in token ? <span key={key}>{String(token.raw)}</span> : null;
    }
  });
}

const CITATION = /\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/g;

/** Plain text with its `[n]` markers turned into citation buttons where the citation exists. */
function renderText(raw: string, context: RenderContext): ReactNode {
  const text = decodeEntities(raw);
  const { citations, onCitation } = context;
  if (!citations || citations.size === 0 || !text.includes('[')) return text;
  const parts: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(CITATION)) {
    const ids = (match[1] ?? '').split(',').map((id) => id.trim());
    if (!ids.some((id) => citations.has(id))) continue;
    parts.push(text.slice(last, match.index));
    parts.push(
      <span key={match.index} className="cite-group">
        {ids.map((id) => {
          const target = citations.get(id);
          return target ? (
            <button
              key={id}
              type="button"
              className="cite"
              aria-label={target.label}
              title={target.label}
              data-citation={id}
              onClick={() => onCitation?.(id)}
            >
              {id}
            </button>
          ) : (
            <span key={id}>[{id}]</span>
          );
        })}
      </span>,
    );
    last = (match.index ?? 0) + match[0].length;
  }
  if (parts.length === 0) return text;
  parts.push(text.slice(last));
  return parts;
}
