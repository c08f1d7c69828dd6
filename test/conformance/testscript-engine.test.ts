// The TestScript engine on scripts of our own (no upstream material needed): variables, fixtures, operations, every assert kind, exit codes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabNode } from '../../node/src/main.js';
import { parseXml } from '../../node/src/fhir/xml.js';
import { resourceToXml } from '../../node/src/fhir/fhirxml.js';
import { compare, evaluate, missing } from '../../simulators/conformance/testscript/engine.js';
import { currentDate, expand, shiftDate } from '../../simulators/conformance/testscript/variables.js';
import { testScriptMain } from '../../simulators/conformance/testscript/cli.js';
import { startTestNode } from '../helpers/node.js';
import { freePort } from '../helpers/ports.js';

const dir = mkdtempSync(path.join(tmpdir(), 'nll-testscript-'));

describe('variables and operators', () => {
  it('expands Nictiz date variables relative to T (days, months with month-end clamping, years)', () => {
    const vars: Record<string, string> = { T: '2026-03-31', id: 'p1' };
    const x = (s: string) => expand(s, (n) => vars[n], Date.UTC(2026, 0, 1));
    expect(x('${DATE, T, D, -21}|${DATE, T, D,+1}|${DATE, T, M, -1}|${DATE, T, Y, 1}')).toBe('2026-03-10|2026-04-01|2026-02-28|2027-03-31');
    expect(x('Patient/${id}')).toBe('Patient/p1');
    expect(() => x('${nope}')).toThrow('variable ${nope} is not defined');
    expect(shiftDate('2024-01-31', 'M', 1)).toBe('2024-02-29');
  });

  it('reads ${CURRENTDATE} on the Amsterdam calendar: 23:30 UTC on 31 December is already New Year', () => {
    expect(currentDate(Date.UTC(2026, 11, 31, 23, 30))).toBe('2027-01-01');
    expect(currentDate(Date.UTC(2026, 6, 31, 21, 59))).toBe('2026-07-31');
    expect(currentDate(Date.UTC(2026, 6, 31, 22, 0))).toBe('2026-08-01');
  });

  it('compares like TestScript operators and matches minimum content', () => {
    expect([compare('200', 'in', '200,201'), compare('404', 'in', '200,201'), compare('6', 'equals', '6.0'), compare('7', 'greaterThan', '10'), compare('abc', 'contains', 'b')]).toEqual([true, false, true, false, true]);
    expect(() => compare('a', 'between', 'b')).toThrow('unknown operator');
    expect(missing({ name: [{ family: 'X' }] }, { id: 'n', name: [{ given: ['a'] }, { family: 'X', given: ['b'] }] }, 'Patient')).toBeUndefined();
    expect(missing({ name: [{ family: 'Y' }] }, { name: [{ family: 'X' }] }, 'Patient')).toBe('Patient.name[0]');
  });

  it('matches type names in is() without regard to case, as the Java FHIRPath engine does', () => {
    const r = { resourceType: 'Patient', maritalStatus: { coding: [{ system: 'urn:oid:1.2', code: 'M' }] } };
    expect(evaluate(r, "Patient.descendants().where($this.is(coding)).where(system.startsWith('urn:oid:1')).exists()")).toEqual([true]);
  });
});

const PATIENT = {
  resourceType: 'Patient',
  id: 'ts-patient',
  meta: { profile: ['http://nictiz.nl/fhir/StructureDefinition/nl-core-Patient'] },
  identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999911120' }],
  name: [{ family: 'Testscript', given: ['Tess'] }],
  birthDate: '${DATE, T, Y, -80}',
};

/** One script exercising each feature; its asserts' expected outcomes are in the descriptions (pass/warn/fail/never). */
function script(format: 'xml' | 'json'): unknown {
  const op = (o: Record<string, unknown>) => ({ operation: { encodeRequestUrl: true, ...o } });
  const as = (description: string, a: Record<string, unknown>) => ({ assert: { description, warningOnly: false, ...a } });
  return {
    resourceType: 'TestScript',
    id: `engine-${format}`,
    name: `Engine_${format}`,
    status: 'active',
    fixture: [{ id: 'patient', autocreate: false, autodelete: false, resource: { reference: `patient.${format}` } }],
    profile: [{ id: 'patient-profile', reference: 'http://hl7.org/fhir/StructureDefinition/Patient' }],
    variable: [
      { name: 'T', defaultValue: '${CURRENTDATE}' },
      { name: 'pid', expression: 'Patient.id', sourceId: 'patient' },
      { name: 'family', expression: 'Patient.name.family', sourceId: 'patient' },
      { name: 'etag', headerField: 'ETag', sourceId: 'put-answer' },
    ],
    setup: { action: [op({ type: { code: 'update' }, resource: 'Patient', params: '/${pid}', contentType: format, accept: format, sourceId: 'patient', responseId: 'put-answer' }), as('pass: stored', { operator: 'in', responseCode: '200,201' })] },
    test: [
      {
        name: 'read',
        action: [
          op({ type: { code: 'read' }, resource: 'Patient', params: '/${pid}', accept: 'xml', responseId: 'read-answer' }),
          as('pass: okay', { response: 'okay' }),
          as('pass: XML answer', { contentType: 'xml' }),
          as('pass: a Patient', { resource: 'Patient' }),
          as('pass: birth date 80 years before T', { expression: 'Patient.birthDate', operator: 'equals', value: '${DATE, T, Y, -80}' }),
          as('pass: boolean expression', { expression: "Patient.identifier.where(system = 'http://fhir.nl/fhir/NamingSystem/bsn').exists()" }),
          as('pass: minimum content', { minimumId: 'patient' }),
          as('pass: same family as the fixture', { compareToSourceId: 'patient', compareToSourceExpression: 'Patient.name.family', expression: 'Patient.name.family' }),
          as('pass: same BSN as the fixture (one expression for both)', { compareToSourceId: 'patient', compareToSourceExpression: 'Patient.identifier.value' }),
          as('pass: valid (target $validate)', { validateProfileId: 'patient-profile' }),
          as('pass: header variable', { headerField: 'ETag', operator: 'equals', value: '${etag}' }),
          as('warn: wrong family, warning only', { expression: 'Patient.name.family', value: 'Other', warningOnly: true }),
          as('fail: wrong count, stops the test', { expression: 'Patient.name.count() = 2', stopTestOnFail: true }),
          as('never: after the stop', { resource: 'Patient' }),
        ],
      },
      {
        name: 'search',
        action: [
          op({ type: { code: 'search' }, resource: 'Patient', params: '?identifier=http://fhir.nl/fhir/NamingSystem/bsn|999911120&family=${family}', accept: format }),
          as('pass: one match', { expression: 'Bundle.total', value: '1' }),
          as('pass: searchset', { expression: 'Bundle.type', operator: 'in', value: 'searchset,batch-response' }),
          as('fail: status not 404', { responseCode: '404' }),
        ],
      },
      {
        name: 'purge',
        action: [op({ type: { system: 'http://fhir.interoplab.eu/fhir/CodeSystem/Interoplab-CL-operation-codes', code: 'purge' }, resource: 'Patient', params: '${pid}/$purge' }), as('pass: purged', { operator: 'in', responseCode: '200,204' })],
      },
    ],
  };
}

/** XML as Nictiz writes it: R4, plus the R5 `stopTestOnFail` element Touchstone reads (which R4 XML cannot carry). */
function touchstoneXml(s: unknown): string {
  const json = JSON.stringify(s);
  const xml = resourceToXml(JSON.parse(json.replace(/,"stopTestOnFail":true/g, '')));
  return xml.replace(/(<description value="fail: wrong count, stops the test"\/>)/, '$1<stopTestOnFail value="true"/>');
}

let node: LabNode;
beforeAll(async () => {
  node = await startTestNode('testscript-engine');
  for (const format of ['xml', 'json'] as const) {
    const s = script(format);
    writeFileSync(path.join(dir, `engine-${format}.${format}`), format === 'xml' ? touchstoneXml(s) : JSON.stringify(s, null, 2));
    writeFileSync(path.join(dir, `patient.${format}`), format === 'xml' ? resourceToXml(PATIENT) : JSON.stringify(PATIENT));
  }
});
afterAll(async () => {
  await node?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) } };
}
const opts = (o: Record<string, unknown> = {}) => ({ target: `${node.internalUrl}/internal/fhir`, validate: 'target', timeout: '10000', ...o });

describe('nuts-lsp-lab conformance testscript', () => {
  it('runs XML and JSON scripts: each assert kind, warningOnly, stopTestOnFail, progress, JUnit, exit code 1', async () => {
    const junit = path.join(dir, 'out', 'junit.xml');
    const c = io();
    const code = await testScriptMain(dir, opts({ junit }) as never, c.io);
    expect(code).toBe(1);
    expect(c.out[0]).toMatch(/^\[1\/2\] ✗ engine-json — 14\/17 asserts, 1 warnings \(\d+\.\d s\)/);
    expect(c.out.join('\n')).toContain('✗ read: fail: wrong count, stops the test — Patient.name.count() = 2 is [false]');
    expect(c.out.join('\n')).toContain('✗ search: fail: status not 404 — HTTP status 200, expected equals 404');
    expect(c.out.at(-2)).toBe('scripts: 0 passed, 2 failed; asserts: 28 passed, 4 failed, 2 warnings');
    const report = parseXml(readFileSync(junit, 'utf8'));
    expect(report.children.map((s) => [s.attrs.name, s.attrs.tests, s.attrs.failures])).toEqual([
      ['engine-json', '17', '2'],
      ['engine-xml', '17', '2'],
    ]);
    const names = report.children[0]!.children.filter((c) => c.name === 'testcase').map((c) => c.attrs.name!.slice(4));
    expect(names.every((n) => !n.startsWith('never'))).toBe(true);
    expect(names.filter((n) => n.startsWith('pass')).length).toBe(14);
  });

  it('passes with exit code 0 once the failing asserts are gone, validating locally or at the target', async () => {
    const s = script('json') as { test: Array<{ action: Array<{ assert?: { description: string } }> }> };
    for (const t of s.test) t.action = t.action.filter((a) => !a.assert?.description.startsWith('fail') && !a.assert?.description.startsWith('never'));
    const file = path.join(dir, 'only-pass.json');
    writeFileSync(file, JSON.stringify({ ...s, id: 'only-pass' }));
    for (const validate of ['target', 'local']) {
      const c = io();
      expect(await testScriptMain(file, opts({ validate, json: true }) as never, c.io)).toBe(0);
      const json = JSON.parse(c.out.join('\n'));
      expect(json).toMatchObject({ ok: true, exitCode: 0, summary: 'scripts: 1 passed, 0 failed; asserts: 14 passed, 0 failed, 1 warnings' });
    }
    rmSync(file);
  });

  it('answers usage errors with 2 and an unreachable target with 3', async () => {
    const missingDir = io();
    expect(await testScriptMain(path.join(dir, 'nope'), opts() as never, missingDir.io)).toBe(2);
    expect(missingDir.err[0]).toContain('does not exist');
    const badTarget = io();
    expect(await testScriptMain(dir, opts({ target: 'ftp://x' }) as never, badTarget.io)).toBe(2);
    const badHeader = io();
    expect(await testScriptMain(dir, opts({ header: ['no colon'] }) as never, badHeader.io)).toBe(2);
    const port = await freePort();
    const down = io();
    expect(await testScriptMain(dir, opts({ target: `http://127.0.0.1:${port}/fhir` }) as never, down.io)).toBe(3);
    expect(down.err[0]).toContain('target unreachable');
  });
});
