import type { UsageRow } from '@lgm/contracts';
import { type JSX, useMemo, useState } from 'react';

import { useI18n } from '../i18n/i18n';
import { formatUsd } from '../ui/format';

export type UsageMetric = 'tokens' | 'cost';

export interface UsageSeries {
  /** Every day of the range, oldest first (days without use included, at zero). */
  readonly days: readonly string[];
  /** Models by total, largest first. */
  readonly models: readonly string[];
  /** value[dayIndex][modelIndex] */
  readonly values: readonly (readonly number[])[];
  readonly max: number;
}

/** Days from `from` to `to` inclusive, as `YYYY-MM-DD` (UTC). */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (
    let time = Date.parse(`${from}T00:00:00Z`);
    time <= end && days.length < 400;
    time += 86_400_000
  ) {
    days.push(new Date(time).toISOString().slice(0, 10));
  }
  return days;
}

/** Usage rows as a stacked series: one bar per day, one segment per model. */
export function toSeries(
  rows: readonly UsageRow[],
  from: string,
  to: string,
  metric: UsageMetric,
): UsageSeries {
  const value = (row: UsageRow) =>
    metric === 'tokens' ? row.inputTokens + row.outputTokens : row.costUsd;
  const totals = new Map<string, number>();
  for (const row of rows) totals.set(row.modelId, (totals.get(row.modelId) ?? 0) + value(row));
  const models = [...totals.entries()].sort((a, b) => b[1] - a[1]).map(([model]) => model);
  const days = daysBetween(from, to);
  const dayIndex = new Map(days.map((day, index) => [day, index]));
  const values = days.map(() => models.map(() => 0));
  for (const row of rows) {
    const d = dayIndex.get(row.day);
    const m = models.indexOf(row.modelId);
    const line = d === undefined ? undefined : values[d];
    if (line && m >= 0) line[m] = (line[m] ?? 0) + value(row);
  }
  const max = Math.max(0, ...values.map((line) => line.reduce((sum, v) => sum + v, 0)));
  return { days, models, values, max };
}

/** A round number at or above `max` for the axis (1, 2, 2.5, 5 × 10ⁿ). */
export function niceCeiling(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * power >= max) return step * power;
  }
  return 10 * power;
}

const WIDTH = 720;
const HEIGHT = 240;
const PAD = { top: 12, right: 12, bottom: 28, left: 56 };

/**
 * Tokens or dollars by day, stacked by model: hand-drawn SVG (no chart library in the bundle).
 * The chart is an image with a summary for screen readers; the same numbers are in a table.
 */
export function UsageChart({
  rows,
  from,
  to,
  metric,
}: {
  rows: readonly UsageRow[];
  from: string;
  to: string;
  metric: UsageMetric;
}): JSX.Element {
  const { t, locale, formatNumber, formatDate } = useI18n();
  const series = useMemo(() => toSeries(rows, from, to, metric), [rows, from, to, metric]);
  const [hover, setHover] = useState<number>();
  const top = niceCeiling(series.max);
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotWidth / Math.max(1, series.days.length);
  const barWidth = Math.max(2, Math.min(28, slot * 0.7));
  const format = (value: number) =>
    metric === 'cost'
      ? formatUsd(value, locale)
      : formatNumber(value, { notation: 'compact', maximumFractionDigits: 1 });
  const dayLabel = (day: string) =>
    formatDate(`${day}T12:00:00Z`, { month: 'short', day: 'numeric', timeZone: 'UTC' });
  const labelEvery = Math.ceil(series.days.length / 8);
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const total = series.values.reduce(
    (sum, line) => sum + line.reduce((inner, v) => inner + v, 0),
    0,
  );

  return (
    <figure className="usage-chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={t('usage.chartLabel', {
          metric: metric === 'tokens' ? t('usage.tokens') : t('usage.cost'),
          total: format(total),
          days: series.days.length,
        })}
        onMouseLeave={() => setHover(undefined)}
      >
        {ticks.map((tick) => {
          const y = PAD.top + plotHeight * (1 - tick);
          return (
            <g key={tick} className="chart-grid">
              <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y} y2={y} />
              <text x={PAD.left - 8} y={y + 4} textAnchor="end">
                {format(top * tick)}
              </text>
            </g>
          );
        })}
        {series.days.map((day, dayIndex) => {
          const x = PAD.left + slot * dayIndex + (slot - barWidth) / 2;
          let y = PAD.top + plotHeight;
          const line = series.values[dayIndex] ?? [];
          return (
            <g
              key={day}
              onMouseEnter={() => setHover(dayIndex)}
              className={hover === dayIndex ? 'chart-bar-hover' : undefined}
            >
              <rect
                className="chart-hit"
                x={PAD.left + slot * dayIndex}
                y={PAD.top}
                width={slot}
                height={plotHeight}
              />
              {line.map((value, modelIndex) => {
                const height = (value / top) * plotHeight;
                y -= height;
                return value > 0 ? (
                  <rect
                    key={modelIndex}
                    className={`chart-series-${modelIndex % 6}`}
                    x={x}
                    y={y}
                    width={barWidth}
                    height={Math.max(height, 1)}
                    rx={Math.min(3, barWidth / 4)}
                  />
                ) : null;
              })}
              {dayIndex % labelEvery === 0 && (
                <text
                  className="chart-axis"
                  x={PAD.left + slot * dayIndex + slot / 2}
                  y={HEIGHT - 8}
                  textAnchor="middle"
                >
                  {dayLabel(day)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      {hover !== undefined && series.days[hover] && (
        <div className="chart-tooltip" aria-hidden="true">
          <strong>{dayLabel(series.days[hover] ?? '')}</strong>
          {series.models.map((model, index) => (
            <span key={model}>
              <i className={`legend-swatch chart-series-${index % 6}`} /> {model}:{' '}
              {format(series.values[hover]?.[index] ?? 0)}
            </span>
          ))}
        </div>
      )}
      <figcaption>
        <ul className="chart-legend" aria-label={t('usage.legend')}>
          {series.models.map((model, index) => (
            <li key={model}>
              <i className={`legend-swatch chart-series-${index % 6}`} aria-hidden="true" />
              {model}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
