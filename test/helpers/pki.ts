// Test helper: a fresh test UZI PKI in a temporary directory, and reading an organisation's chain as x5c.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { certificatesFromPem, initPki, type OrganisationInput, type PkiKeyType, type PkiOrganisation, type PkiResult } from '../../node/src/pki/index.js';

export const ZORG: OrganisationInput = { name: 'Zorggroep De Linde & Co', city: 'Den Haag', ura: '90000380', agb: '11223344', uzi: '900030787' };

export async function tempPki(organisations: OrganisationInput[], keyType: PkiKeyType = 'RSA'): Promise<PkiResult & { cleanup(): void }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nll-pki-'));
  const r = await initPki({ dir, organisations, keyType });
  return { ...r, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function x5cOf(org: PkiOrganisation): string[] {
  return certificatesFromPem(readFileSync(org.files.chain, 'utf8')).map((c) => Buffer.from(c.rawData).toString('base64'));
}
