// Request-body validation with zod that turns the first problems into a 400 naming the field.
import type { z } from 'zod';
import { NodeError } from './errors.js';

export function parseBody<S extends z.ZodType>(schema: S, body: unknown, what = 'request body'): z.infer<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const msg = r.error.issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
  throw new NodeError('invalid_input', `invalid ${what}: ${msg}`);
}
