import type { AxeResults, Result } from 'axe-core';
import type { Page } from 'playwright-core';

/** axe-core's browser bundle, from node_modules: nothing is fetched from a CDN. */
const AXE_SCRIPT = require.resolve('axe-core/axe.min.js');

/** Impacts that fail the suite; `minor` and `moderate` findings are printed only. */
export const BLOCKING_IMPACTS: ReadonlySet<string> = new Set(['serious', 'critical']);

export interface AccessibilityReport {
  readonly screen: string;
  readonly violations: readonly Result[];
  /** The violations whose impact is serious or critical. */
  readonly blocking: readonly Result[];
}

/**
 * Runs axe-core on the page as it is now (WCAG 2.0/2.1 A and AA rules and best practices), and
 * prints every violation it finds with the elements concerned.
 */
export async function scanAccessibility(page: Page, screen: string): Promise<AccessibilityReport> {
  await page.addScriptTag({ path: AXE_SCRIPT });
  const results = await page.evaluate(async () => {
    const { axe } = window as unknown as {
      axe: { run: (context: Document) => Promise<AxeResults> };
    };
    return axe.run(document);
  });
  const violations = results.violations;
  const blocking = violations.filter((violation) => BLOCKING_IMPACTS.has(violation.impact ?? ''));
  if (violations.length > 0) console.log(describeViolations(screen, violations));
  return { screen, violations, blocking };
}

/** One line per violation and one per element: rule, impact, help and the failing selector. */
export function describeViolations(screen: string, violations: readonly Result[]): string {
  const lines = [`axe on ${screen}: ${violations.length} violation(s)`];
  for (const violation of violations) {
    lines.push(`- [${violation.impact ?? 'unknown'}] ${violation.id}: ${violation.help}`);
    for (const node of violation.nodes.slice(0, 8)) {
      lines.push(
        `    ${node.target.join(' ')}: ${node.failureSummary?.replace(/\s+/g, ' ') ?? ''}`,
      );
    }
    if (violation.nodes.length > 8) lines.push(`    … and ${violation.nodes.length - 8} more`);
  }
  return lines.join('\n');
}
