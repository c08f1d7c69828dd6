// The request/response types of the internal-API client are generated from the OpenAPI files: the committed output must
// be what `npm run api:generate` makes of the files as they are now, and every OpenAPI file must be generated.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_TYPES, generateApiTypes } from '../../node/api/generate.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

describe('generated internal-API types', () => {
  it.each(API_TYPES.map((t) => [t.out, t.spec]))('%s is up to date with %s (else run npm run api:generate)', async (out, spec) => {
    expect(readFileSync(path.join(ROOT, out), 'utf8')).toBe(await generateApiTypes(spec));
  });

  it('every OpenAPI file of the node, the mock LSP and the simulated Dezi is generated', () => {
    const specs = ['node/api', 'simulators/lsp/api', 'simulators/dezi/api'].flatMap((dir) => readdirSync(path.join(ROOT, dir)).filter((f) => f.endsWith('.yaml')).map((f) => `${dir}/${f}`));
    expect(API_TYPES.map((t) => t.spec).sort()).toEqual(specs.sort());
  });
});
