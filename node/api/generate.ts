// Generates the request/response types of the internal APIs from their OpenAPI files: `npm run api:generate`.
// The OpenAPI files are the one source of these types; test/integration/api-types.test.ts fails when the committed
// output no longer matches them.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import openapiTS, { type OpenAPI3 } from 'openapi-typescript';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Each OpenAPI file and the module its types go to (paths relative to the package root). */
export const API_TYPES: ReadonlyArray<{ spec: string; out: string }> = [
  ...['audit-v1', 'auth-v2', 'discovery-v1', 'monitoring-v1', 'pki-v1', 'vcr-v2', 'vdr-v2'].map((n) => ({ spec: `node/api/${n}.yaml`, out: `node/api/generated/${n}.ts` })),
  // the mock LSP's control API lives with the LSP: the node's code never imports it
  { spec: 'simulators/lsp/api/lsp-v1.yaml', out: 'simulators/shared/api/lsp-v1.ts' },
  // so does the simulated Dezi's lab control
  { spec: 'simulators/dezi/api/dezi-v1.yaml', out: 'simulators/shared/api/dezi-v1.ts' },
];

/** The TypeScript module generated from one OpenAPI file. */
export async function generateApiTypes(spec: string): Promise<string> {
  const doc = parse(readFileSync(path.join(ROOT, spec), 'utf8')) as OpenAPI3;
  const header = `// Generated from ${spec} by \`npm run api:generate\` (openapi-typescript); do not edit, change the OpenAPI file.\n\n`;
  // a schema object without properties is any JSON object, not an empty one
  return openapiTS(doc, { commentHeader: header, silent: true, emptyObjectsUnknown: true });
}

if (import.meta.url === `file://${process.argv[1]}` && process.argv.includes('--help')) {
  process.stdout.write(`npm run api:generate: writes the TypeScript types of the internal APIs from their OpenAPI files\n${API_TYPES.map((t) => `  ${t.spec} → ${t.out}`).join('\n')}\n`);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  for (const { spec, out } of API_TYPES) {
    const file = path.join(ROOT, out);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, await generateApiTypes(spec));
    process.stdout.write(`${spec} → ${out}\n`);
  }
}
