import type { UsageRow } from '@lgm/contracts';
import { render, screen } from '@testing-library/react';

import { daysBetween, niceCeiling, toSeries, UsageChart } from './usage-chart';

const rows: UsageRow[] = [
  { day: '2026-03-01', modelId: 'claude', inputTokens: 100, outputTokens: 50, costUsd: 0.5 },
  { day: '2026-03-01', modelId: 'nova', inputTokens: 10, outputTokens: 5, costUsd: 0.01 },
  { day: '2026-03-03', modelId: 'claude', inputTokens: 300, outputTokens: 100, costUsd: 1.5 },
];

describe('usage series', () => {
  it('has every day of the range, zero-filled, with models by total', () => {
    // Act
    const series = toSeries(rows, '2026-03-01', '2026-03-03', 'tokens');

    // Assert
    expect(series.days).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
    expect(series.models).toEqual(['claude', 'nova']);
    expect(series.values).toEqual([
      [150, 15],
      [0, 0],
      [400, 0],
    ]);
    expect(series.max).toBe(400);
  });

  it('sums dollars for the cost measure', () => {
    expect(toSeries(rows, '2026-03-01', '2026-03-01', 'cost').values).toEqual([[0.5, 0.01]]);
  });

  it('crosses month ends', () => {
    expect(daysBetween('2026-02-27', '2026-03-02')).toEqual([
      '2026-02-27',
      '2026-02-28',
      '2026-03-01',
      '2026-03-02',
    ]);
  });

  it.each([
    [0, 1],
    [0.7, 1],
    [4, 5],
    [12, 20],
    [230, 250],
    [4100, 5000],
  ])('rounds an axis maximum of %s up to %s', (max, expected) => {
    expect(niceCeiling(max)).toBe(expected);
  });
});

describe('UsageChart', () => {
  it('draws one segment per model and day with use, with a legend and a summary', () => {
    // Act
    const { container } = render(
      <UsageChart rows={rows} from="2026-03-01" to="2026-03-03" metric="tokens" />,
    );

    // Assert
    expect(container.querySelectorAll('rect[class^="chart-series-"]')).toHaveLength(3);
    expect(screen.getByRole('img').getAttribute('aria-label')).toBe(
      'Tokens by day and model over 3 days: 565 in total.',
    );
    expect(screen.getAllByRole('listitem').map((item) => item.textContent)).toEqual([
      'claude',
      'nova',
    ]);
  });
});
