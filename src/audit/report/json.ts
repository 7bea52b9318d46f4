// The report as JSON: the same object the other formats are made from, stable field names.
import type { AuditReport } from '../types.js';

export function renderJson(report: AuditReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
