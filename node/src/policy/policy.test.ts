// Policy loading: the shipped medicatieoverdracht policies (Dezi and self-declared), the upstream e2e mapping, duplicate scopes and scope rules.
import { mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { externalMissing, externalPath } from '../../../test/helpers/external.js';
import { matchDefinition } from '../pe/index.js';
import { loadPolicies } from './policy.js';

const shipped = fileURLToPath(new URL('../../../credentials/policies', import.meta.url));
const tmp = () => mkdtempSync(path.join(tmpdir(), 'policy-'));

describe('loadPolicies', () => {
  const fieldIds = (scope: string) => loadPolicies(shipped).definition(scope).input_descriptors.flatMap((d) => (d.constraints?.fields ?? []).map((f) => f.id)).filter(Boolean);

  it('loads the shipped medicatieoverdracht scopes with the agreed field ids: Dezi-verified, and self-declared for labs without Dezi', () => {
    expect(loadPolicies(shipped).scopes).toEqual(expect.arrayContaining(['medicatieoverdracht', 'medicatieoverdracht-employee']));
    expect(fieldIds('medicatieoverdracht-employee')).toEqual(['organization_ura', 'organization_name', 'organization_city', 'employee_identifier', 'employee_name', 'employee_role', 'employee_role_code']);
    expect(fieldIds('medicatieoverdracht')).toEqual([
      'organization_ura',
      'organization_name',
      'organization_city',
      'dezi_nummer',
      'employee_identifier',
      'employee_initials',
      'employee_surname_prefix',
      'employee_surname',
      'employee_role_code',
      'employee_role',
      'employee_role_registry',
      'dezi_organization_ura',
      'dezi_organization_name',
    ]);
  });

  const p0 = () => loadPolicies(shipped);

  it('the Dezi scope takes no self-declared employee credential, the employee scope no Dezi credential in its place', () => {
    const proof = { type: 'JsonWebSignature2020', jws: 'x..y', verificationMethod: 'did:y#k', proofPurpose: 'assertionMethod' };
    const ura = { type: ['VerifiableCredential', 'NutsUraCredential'], issuer: 'did:y', credentialSubject: { id: 'did:x', organization: { ura: '12345678', name: 'Zorg', city: 'Utrecht' } }, proof };
    const emp = { type: ['VerifiableCredential', 'NutsEmployeeCredential'], issuer: 'did:x', credentialSubject: { id: 'did:x', name: 'J', roleName: 'Nurse', roleCode: '30.000', identifier: '1' } };
    expect(matchDefinition(p0().definition('medicatieoverdracht-employee'), [ura, emp]).ok).toBe(true);
    const dezi = {
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      type: ['VerifiableCredential', 'DeziUserCredential'],
      issuer: 'https://auth.dezi.example',
      credentialSubject: { id: 'did:x', identifier: '12345678', name: 'Zorg', employee: { identifier: '900010001', initials: 'C.', surnamePrefix: '', surname: 'Jansen', role: '30.000' } },
      proof: { type: 'DeziIDJWT07', jwt: 'a.b.c' },
    };
    const p = p0();
    expect(matchDefinition(p.definition('medicatieoverdracht'), [ura, emp]).ok).toBe(false);
    const withDezi = matchDefinition(p.definition('medicatieoverdracht'), [ura, dezi]);
    expect(withDezi.ok).toBe(true);
    expect(withDezi.chosen[1]!.values).toMatchObject({ dezi_nummer: '900010001', employee_role_code: '30.000', dezi_organization_ura: '12345678' });
    expect(matchDefinition(p.definition('medicatieoverdracht-employee'), [ura, dezi]).ok).toBe(false);
  });

  it('extracts the URA from a NutsUraCredential and from a UZI otherName', () => {
    const pd = loadPolicies(shipped).definition('medicatieoverdracht-employee');
    // the employee is self-attested (issuer = subject), the organisation credentials carry a proof
    const proof = { type: 'JsonWebSignature2020', jws: 'x..y', verificationMethod: 'did:y#k', proofPurpose: 'assertionMethod' };
    const emp = { type: ['VerifiableCredential', 'NutsEmployeeCredential'], issuer: 'did:x', credentialSubject: { id: 'did:x', name: 'J', roleName: 'Nurse', identifier: '1' } };
    const ura = { type: ['VerifiableCredential', 'NutsUraCredential'], issuer: 'did:y', credentialSubject: { id: 'did:x', organization: { ura: '12345678', name: 'Zorg', city: 'Utrecht' } }, proof };
    const x509 = { type: ['VerifiableCredential', 'X509Credential'], issuer: 'did:x509:0:sha256:abc::san:otherName:x', credentialSubject: { id: 'did:x', subject: { O: 'Because We Care', L: 'Healthland' }, san: { otherName: '2.16.528.1.1007.99.2110-1-1-S-00001-00.000-0' } }, proof };
    expect(matchDefinition(pd, [ura, emp]).chosen[0]!.values).toEqual({ organization_ura: '12345678', organization_name: 'Zorg', organization_city: 'Utrecht' });
    expect(matchDefinition(pd, [x509, emp]).chosen[0]!.values).toEqual({ organization_ura: '00001', organization_name: 'Because We Care', organization_city: 'Healthland' });
  });

  it.skipIf(externalMissing('nuts-node'))('loads the upstream rfc021 e2e mapping as is', () => {
    const dir = tmp();
    copyFileSync(externalPath('nuts-node/e2e-tests/oauth-flow/rfc021/node-A/presentationexchangemapping.json'), path.join(dir, 'mapping.json'));
    expect(loadPolicies(dir).definition('test').id).toBe('pd_any_care_organization_with_employee');
  });

  it('stops on a duplicate scope, naming both files', () => {
    const dir = tmp();
    copyFileSync(path.join(shipped, 'medicatieoverdracht.json'), path.join(dir, 'a.json'));
    copyFileSync(path.join(shipped, 'medicatieoverdracht.json'), path.join(dir, 'b.json'));
    expect(() => loadPolicies(dir)).toThrow("duplicate scope 'medicatieoverdracht-employee' in policy files a.json and b.json");
  });

  it('names the file and scope of a broken definition', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'x.json'), JSON.stringify({ s: { organization: { id: 'p', input_descriptors: [{ id: 'a', constraints: { fields: [{ path: 'notarray' }] } }] } } }));
    expect(() => loadPolicies(dir)).toThrow("policy file x.json: scope 's' organization input_descriptors[0] field[0]: path must be a non-empty array of JSONPath strings");
  });

  it('refuses a field id that would shadow an introspection claim', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'x.json'), JSON.stringify({ s: { organization: { id: 'p', input_descriptors: [{ id: 'a', constraints: { fields: [{ id: 'client_id', path: ['$.x'] }] } }] } } }));
    expect(() => loadPolicies(dir)).toThrow("policy file x.json: scope 's' organization: field id 'client_id' is a reserved introspection claim");
  });

  it('answers unknown, extra and wallet-owner scope problems as invalid_scope', () => {
    const p = loadPolicies(shipped);
    expect(() => p.profileFor('nope')).toThrow(/unsupported scope 'nope'/);
    expect(() => p.profileFor('medicatieoverdracht extra')).toThrow("scope 'medicatieoverdracht' allows no extra scopes (extra)");
    expect(() => p.definition('medicatieoverdracht', 'user')).toThrow(/no presentation definition for wallet owner type 'user'/);
    expect(() => p.profileFor('nope')).toThrow(expect.objectContaining({ oauthError: 'invalid_scope' }));
  });
});

describe('node start', () => {
  it('a duplicate scope stops the node before it listens, with a clear error', async () => {
    const { startTestNode } = await import('../../../test/helpers/node.js');
    const dir = tmp();
    copyFileSync(path.join(shipped, 'medicatieoverdracht.json'), path.join(dir, 'a.json'));
    copyFileSync(path.join(shipped, 'medicatieoverdracht.json'), path.join(dir, 'b.json'));
    await expect(startTestNode('dup', { policy: { directory: dir } })).rejects.toThrow("duplicate scope 'medicatieoverdracht-employee' in policy files a.json and b.json");
  });
});
