import { z } from 'zod';
import { badRequest } from '../http/task-http.errors';

const intParam = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d+$/, `${name} must be an integer`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `${name} must be between ${min} and ${max}`);

const schema = z.object({
  blockSize: intParam('blockSize', 8, 1024).optional(),
  seed: intParam('seed', 0, 4294967295).optional(),
});

export interface RandomizeQuery {
  blockSize: number;
  seed?: number;
}

/** Parses `?blockSize=&seed=`; a bad value is a 400 naming the parameter. */
export function parseRandomizeQuery(query: Record<string, unknown>): RandomizeQuery {
  const parsed = schema.safeParse({ blockSize: query.blockSize, seed: query.seed });
  if (!parsed.success) throw badRequest(parsed.error.issues.map((i) => i.message).join('; '));
  return { blockSize: parsed.data.blockSize ?? 60, seed: parsed.data.seed };
}

/** Parses `?redirect=true|false` of the result route (absent: false); anything else is a 400. */
export function parseRedirectQuery(value: unknown): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw badRequest('redirect must be true or false');
}
