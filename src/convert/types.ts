// The converter contract: every converter family (one file in converters/) and every user
// plugin exports a manifest and a convert() function with exactly these shapes.
import type { z } from 'zod';
import type { FormatId } from './formats.js';

export interface ConverterManifest<S extends z.ZodType = z.ZodType> {
  /** Stable id, e.g. 'image'. Used in job records and the API. */
  id: string;
  title: string;
  /** Input formats this converter reads. */
  from: readonly FormatId[];
  /** Output formats it writes. Not every from→to pair need be valid; see `pairs`. */
  to: readonly FormatId[];
  /** Optional explicit list of supported pairs when the cross product is too generous. */
  pairs?: readonly (readonly [FormatId, FormatId])[];
  /** zod schema of the options; unknown keys are refused. */
  options: S;
  /** What the worker must be granted for this converter (Node permission model). */
  needs?: { workerThreads?: boolean };
  /** Accepts several inputs in one job (ConvertInput.more). */
  multiInput?: boolean;
  /**
   * System converters: whether this pair can run here (the program and the part it needs are
   * installed), else why not with the install hint. Absent: always available.
   */
  availability?: (from: FormatId, to: FormatId) => { ok: true } | { ok: false; reason: string };
  /** System converters: the program, as detected at start-up (shown in the catalog). */
  tool?: () => { id: string; name: string; version: string | null; apt: string[]; available: boolean; reason: string };
}

export interface ConvertInput {
  data: Buffer;
  from: FormatId;
  to: FormatId;
  /**
   * Further inputs of a combining job (PDF merge, several images → one PDF), in order, each
   * already checked by content. Only converters whose manifest says `multiInput` get these.
   */
  more?: { data: Buffer; from: FormatId }[];
}

export interface ConvertOutput {
  data: Buffer;
  format: FormatId;
  /** Facts about the result shown to the user (OCR: { confidence }). Small, JSON; never file contents. */
  info?: Record<string, string | number | boolean>;
  /** Things the user should know (e.g. remote references left in an HTML result). */
  warnings?: string[];
}

export interface Converter<S extends z.ZodType = z.ZodType> {
  manifest: ConverterManifest<S>;
  convert(input: ConvertInput, options: z.infer<S>): Promise<ConvertOutput>;
}
