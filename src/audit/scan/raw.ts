// A finding as one file's scan sees it, before the package it belongs to is attached.
import type { RuleId } from '../types.js';

export interface RawFinding {
  rule: RuleId;
  message: string;
  subject?: string;
  line?: number;
  column?: number;
  /** The source line of the location, trimmed (and cut around the column when long). */
  snippet?: string;
  /** How many times the same rule and subject occurred in the file (first location kept). */
  count?: number;
}
