import { z } from 'zod';

// The building blocks of every area's *.config.ts: the units their defaults are written in and the
// zod fields they share, so that `true`/`yes`/`on` and empty strings read the same everywhere.

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

export const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));
export const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max);
export const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v));

/** The validated values of one area's variables (its `…Env` shape), as its reader gets them. */
export type EnvOf<Shape extends z.ZodRawShape> = z.output<z.ZodObject<Shape>>;
