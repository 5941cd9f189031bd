import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { VALIDATION_REPORT_FILE } from 'aws-cdk-lib/cx-api';
import * as z from 'zod';

// The subset of the report that aws-cdk-lib's policy validation writes into the cloud assembly
// (cdk-nag 3 reports through it: nothing is annotated, and only error-level findings fail synth).
const violationSchema = z.object({
  ruleName: z.string(),
  description: z.string(),
  severity: z.string().optional(),
  violatingConstructs: z.array(z.object({ constructPath: z.string().optional() })).default([]),
});
const reportSchema = z.object({
  pluginReports: z.array(
    z.object({
      pluginName: z.string(),
      violations: z.array(violationSchema),
      suppressedViolations: z.array(violationSchema.extend({ reason: z.string() })).optional(),
    }),
  ),
});

/** One rule broken by one or more constructs. */
export interface ValidationFinding {
  /** e.g. `AwsSolutions` (cdk-nag) or `CloudFormation Validate` (built into aws-cdk-lib). */
  readonly plugin: string;
  readonly rule: string;
  readonly severity: string;
  readonly description: string;
  readonly constructPaths: readonly string[];
}

/** A finding acknowledged with `Validations.of(construct).acknowledge({ id, reason })`. */
export interface AcknowledgedFinding extends ValidationFinding {
  readonly reason: string;
}

/** What the validation plugins found in a synthesised app. */
export interface ValidationSummary {
  /** Findings nobody acknowledged, warnings included. */
  readonly findings: readonly ValidationFinding[];
  readonly acknowledged: readonly AcknowledgedFinding[];
}

/**
 * Reads the validation report of a cloud assembly directory (`app.synth().directory`, or the
 * `-o` directory of `cdk synth`).
 *
 * @throws Error when there is no report: no validation plugin ran.
 */
export function readValidationReport(assemblyDirectory: string): ValidationSummary {
  const path = join(assemblyDirectory, VALIDATION_REPORT_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`No validation report at ${path}: were the validation plugins added?`, {
      cause: error,
    });
  }
  const report = reportSchema.parse(JSON.parse(text));
  const findings: ValidationFinding[] = [];
  const acknowledged: AcknowledgedFinding[] = [];
  for (const plugin of report.pluginReports) {
    for (const violation of plugin.violations) {
      findings.push(toFinding(plugin.pluginName, violation));
    }
    for (const violation of plugin.suppressedViolations ?? []) {
      acknowledged.push({ ...toFinding(plugin.pluginName, violation), reason: violation.reason });
    }
  }
  return { findings, acknowledged };
}

function toFinding(plugin: string, violation: z.output<typeof violationSchema>): ValidationFinding {
  return {
    plugin,
    rule: violation.ruleName,
    severity: violation.severity ?? 'unknown',
    description: violation.description,
    constructPaths: violation.violatingConstructs.flatMap((construct) =>
      construct.constructPath === undefined ? [] : [construct.constructPath],
    ),
  };
}
