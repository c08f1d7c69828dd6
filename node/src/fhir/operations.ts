// FHIR operations the server offers: $validate (type/instance, `profile`), $latest-stops (MP9 3.0) and $purge (internal, test data).
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { FhirBackend } from './backend.js';
import { FhirError } from './errors.js';
import type { FhirCaller } from './caller.js';
import { r4Model } from './fhirxml.js';
import { parseQueryString, parseSearch, type ParsedSearch } from './search.js';
import { SUPPORTED_TYPES, type FhirResource, type OperationOutcome } from './types.js';
import type { ProfileValidator } from './profiles.js';

export type OperationName = 'validate' | 'latest-stops' | 'purge';

export interface OperationCall {
  name: OperationName;
  resourceType?: string;
  id?: string;
  /** $validate: the resource to check (absent at instance level: the stored one) */
  resource?: unknown;
  profile?: string;
  /** $latest-stops: the search that selects the patient's building blocks */
  search?: ParsedSearch;
  includeDetails?: boolean;
}

const LATEST_STOPS_TYPES = ['MedicationRequest', 'MedicationDispense'];

/** Parameters of an operation from the query and a Parameters body (name → values). */
function operationParams(query: string, body: unknown): Map<string, any[]> {
  const out = new Map<string, any[]>();
  const add = (k: string, v: any) => out.set(k, [...(out.get(k) ?? []), v]);
  for (const [k, v] of parseQueryString(query)) if (k !== '_format') add(k, v);
  const b = body as FhirResource | undefined;
  if (b?.resourceType === 'Parameters') {
    for (const p of Array.isArray(b.parameter) ? b.parameter : []) {
      const value = p?.resource ?? Object.entries(p ?? {}).find(([k]) => k.startsWith('value'))?.[1];
      if (typeof p?.name === 'string' && value !== undefined) add(p.name, value);
    }
  }
  return out;
}

/** Reads `[type]/[id]/$op` or `[type]/$op` into an operation call; unknown operations are 404 like unknown paths. */
export function routeOperation(method: string, parts: string[], query: string, body: unknown): OperationCall {
  const opAt = parts.findIndex((p) => p.startsWith('$'));
  const name = parts[opAt]!.slice(1);
  if (opAt !== parts.length - 1 || opAt > 2) throw new FhirError({ status: 404, issueCode: 'not-supported', message: `/${parts.join('/')} is not supported` });
  const resourceType = opAt >= 1 ? parts[0] : undefined;
  const id = opAt === 2 ? parts[1] : undefined;
  // $validate checks any R4 resource (a searchset Bundle too); the other operations work on what the server stores
  const validatable = name === 'validate' && !id && r4Model()[resourceType ?? '']?.k === 'resource';
  if (resourceType && !SUPPORTED_TYPES.includes(resourceType) && !validatable) throw new FhirError({ status: 404, issueCode: 'not-supported', message: `resource type ${resourceType} is not supported by this server` });
  const params = operationParams(query, body);
  const one = (k: string): any => {
    const v = params.get(k);
    if (v && v.length > 1) throw new FhirError({ status: 400, issueCode: 'invalid', message: `parameter '${k}' may be given once`, expression: [k] });
    return v?.[0];
  };
  switch (name) {
    case 'validate': {
      if (!resourceType) throw new FhirError({ status: 400, issueCode: 'not-supported', message: '$validate is invoked on a resource type or instance (e.g. POST /MedicationRequest/$validate)' });
      if (method !== 'POST' && !(method === 'GET' && id)) throw new FhirError({ status: 405, issueCode: 'not-supported', message: `${method} is not allowed on $validate` });
      const resource = (body as FhirResource | undefined)?.resourceType === 'Parameters' ? one('resource') : body;
      if (!id && !resource) throw new FhirError({ status: 400, issueCode: 'required', message: '$validate needs the resource to check (the body, or a Parameters body with a `resource` parameter)', expression: ['resource'] });
      const profile = one('profile');
      if (profile !== undefined && typeof profile !== 'string') throw new FhirError({ status: 400, issueCode: 'invalid', message: 'profile must be a canonical URL', expression: ['profile'] });
      return { name, resourceType, ...(id ? { id } : {}), ...(resource ? { resource } : {}), ...(profile ? { profile } : {}) };
    }
    case 'latest-stops': {
      if (!resourceType || !LATEST_STOPS_TYPES.includes(resourceType) || id) throw new FhirError({ status: 400, issueCode: 'not-supported', message: '$latest-stops is invoked on MedicationRequest or MedicationDispense (type level)' });
      if (method !== 'GET' && method !== 'POST') throw new FhirError({ status: 405, issueCode: 'not-supported', message: `${method} is not allowed on $latest-stops` });
      const patient = token(one('patient'));
      if (!patient) throw new FhirError({ status: 400, issueCode: 'required', message: "$latest-stops needs 'patient' (an Identifier, e.g. http://fhir.nl/fhir/NamingSystem/bsn|999901084)", expression: ['patient'] });
      const category = one('category');
      const cat = typeof category === 'string' ? category : category?.coding?.[0] ? `${category.coding[0].system ?? ''}|${category.coding[0].code}` : undefined;
      const mbh = (params.get('mbh') ?? []).map(token).filter(Boolean) as string[];
      const pairs: Array<[string, string]> = [['patient.identifier', patient]];
      if (cat) pairs.push(['category', cat]);
      if (mbh.length) pairs.push(['pharmaceutical-treatment-identifier', mbh.join(',')]);
      const details = one('include-details');
      const includeDetails = details === true || details === 'true';
      if (includeDetails) pairs.push(['_include', `${resourceType}:medication`]);
      pairs.push(['_count', '1000']);
      return { name, resourceType, search: parseSearch(resourceType, pairs, { strict: true }), includeDetails };
    }
    case 'purge': {
      if (resourceType !== 'Patient' || !id) throw new FhirError({ status: 400, issueCode: 'not-supported', message: '$purge is invoked on a Patient instance (Patient/[id]/$purge)' });
      if (method !== 'POST' && method !== 'DELETE') throw new FhirError({ status: 405, issueCode: 'not-supported', message: `${method} is not allowed on $purge` });
      return { name, resourceType, id };
    }
  }
  throw new FhirError({ status: 404, issueCode: 'not-supported', message: `operation $${name} is not supported (this server offers $validate, $latest-stops and, internally, $purge)` });
}

/** An Identifier (Parameters) or a token string `system|value` → `system|value`. */
function token(v: any): string | undefined {
  if (typeof v === 'string') return v.includes('|') ? v : undefined;
  if (v && typeof v === 'object' && v.value) return `${v.system ?? ''}|${v.value}`;
  return undefined;
}

/** $validate's answer: the issues found, or one informational issue saying there were none. */
export function validationOutcome(validator: ProfileValidator, resource: FhirResource, profile?: string): OperationOutcome {
  const issues = validator.validate(resource, profile);
  return { resourceType: 'OperationOutcome', issue: issues.length ? issues : [{ severity: 'information', code: 'informational', diagnostics: `no issues found${profile ? ` against ${profile}` : ''}` }] };
}

/** Resource types of the patient compartment that $purge empties before the Patient itself. */
const PURGED_TYPES = ['MedicationRequest', 'MedicationDispense', 'MedicationStatement', 'MedicationAdministration', 'Observation', 'Communication', 'Specimen', 'Condition', 'RelatedPerson', 'Consent'];

/** Deletes a patient and everything that refers to them as subject/patient; returns what was deleted. */
export async function purgePatient(backend: FhirBackend, id: string, caller: FhirCaller): Promise<FhirResource[]> {
  const gone: FhirResource[] = [];
  for (const type of PURGED_TYPES) {
    const param = type === 'Consent' ? undefined : type === 'RelatedPerson' ? 'patient' : 'subject';
    if (!param) continue;
    for (;;) {
      const bundle = await backend.search(parseSearch(type, [[param, `Patient/${id}`], ['_count', '1000']]), caller);
      const found = ((bundle.entry ?? []) as any[]).map((e) => e.resource).filter((r) => r?.resourceType === type);
      for (const r of found) {
        await backend.delete(type, r.id, caller);
        gone.push(r);
      }
      if (found.length < 1000) break;
    }
  }
  const patient = await backend.read('Patient', id, caller);
  if (patient) {
    await backend.delete('Patient', id, caller);
    gone.push(patient);
  }
  return gone;
}
