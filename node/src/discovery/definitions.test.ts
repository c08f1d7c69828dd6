// Service definitions: the upstream nuts-node definitions and the shipped one load; broken ones name the problem.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { externalMissing, readExternalJson } from '../../../test/helpers/external.js';
import { loadServiceDefinitions, parseServiceDefinition } from './definitions.js';

describe('service definitions', () => {
  it.skipIf(externalMissing('nuts-node'))('parses the upstream nuts-node definitions', () => {
    const eo = parseServiceDefinition(readExternalJson('nuts-node', 'discovery', 'test', 'valid', 'eoverdracht.json'), 'eoverdracht.json');
    expect(eo).toMatchObject({ id: 'urn:nuts.nl:usecase:eOverdrachtDev2023', presentation_max_validity: 36000 });
    const e2e = parseServiceDefinition(readExternalJson('nuts-node', 'e2e-tests', 'oauth-flow', 'rfc021', 'shared', 'discovery', 'definition.json'), 'definition.json');
    expect(e2e.presentation_definition.input_descriptors[0]!.id).toBe('id_nuts_care_organization_cred');
  });

  it('loads the shipped definitions', () => {
    expect([...loadServiceDefinitions(fileURLToPath(new URL('../../../credentials/discovery', import.meta.url))).keys()]).toContain('mp9-medicatieoverdracht');
  });

  it('names what is missing or duplicated', () => {
    expect(() => parseServiceDefinition({ id: 'x', endpoint: 'https://x.example/d', presentation_definition: { id: 'p', input_descriptors: [] } }, 'x.json')).toThrow('x.json: presentation_max_validity must be an integer ≥ 1');
    expect(() => parseServiceDefinition({ id: 'x', endpoint: 'not a url', presentation_max_validity: 1, presentation_definition: {} }, 'x.json')).toThrow("x.json: endpoint 'not a url' is not a URL");
    const dir = mkdtempSync(path.join(tmpdir(), 'defs-'));
    const def = { id: 'dup', endpoint: 'https://x.example/d', presentation_max_validity: 10, presentation_definition: { id: 'p', input_descriptors: [] } };
    writeFileSync(path.join(dir, 'a.json'), JSON.stringify(def));
    writeFileSync(path.join(dir, 'b.json'), JSON.stringify(def));
    expect(() => loadServiceDefinitions(dir)).toThrow("duplicate discovery service 'dup' in a.json and b.json");
  });
});
