// Presentation Exchange matching with an explainable report: which input descriptor, which credential, which field failed and why.
import { invalidInput } from '../core/errors.js';
import { checkFilter, compilePattern } from './filter.js';
import { select } from './jsonpath.js';
import { credentialLabel, credentialSubjectIds, credentialTypes, toPeCredential, type PeCredential, type WireCredential } from './credential.js';
import { allowsSelfAttestation, type DescriptorMapEntry, type Field, type FormatDesignations, type InputDescriptor, type PresentationDefinition, type PresentationSubmission } from './definition.js';

export interface FieldResult {
  fieldId?: string;
  path: string[];
  ok: boolean;
  /** why the field failed */
  reason?: string;
  /** the value the field selected (when it matched) */
  value?: unknown;
}

export interface CandidateResult {
  index: number;
  label: string;
  ok: boolean;
  /** format mismatch, or the first failing field in words */
  reason?: string;
  fields: FieldResult[];
}

export interface DescriptorResult {
  descriptorId: string;
  ok: boolean;
  /** index of the chosen credential among the candidates */
  selected?: number;
  reason?: string;
  candidates: CandidateResult[];
}

export interface MatchReport {
  definitionId: string;
  ok: boolean;
  descriptors: DescriptorResult[];
}

const fieldName = (f: Field) => (f.id ? `field '${f.id}' (${f.path.join(' | ')})` : `field ${f.path.join(' | ')}`);

/** Checks one field against a credential: first path with a value decides, as PE §8.1 says. */
export function evaluateField(field: Field, json: unknown): FieldResult {
  let lastReason: string | undefined;
  for (const p of field.path) {
    const values = select(json, p);
    if (values.length === 0) continue;
    const value = values.length === 1 ? values[0] : values;
    if (!field.filter) return { fieldId: field.id, path: field.path, ok: true, value };
    const why = checkFilter(value, field.filter);
    if (why === undefined) return { fieldId: field.id, path: field.path, ok: true, value };
    lastReason = `${fieldName(field)}: ${why}`;
  }
  if (field.optional) return { fieldId: field.id, path: field.path, ok: true };
  return { fieldId: field.id, path: field.path, ok: false, reason: lastReason ?? `${fieldName(field)}: no value at path` };
}

/** Why the credential's format is not allowed by the descriptor (or definition) format; undefined when allowed. */
export function checkFormat(c: PeCredential, format: FormatDesignations | undefined): string | undefined {
  if (!format) return undefined;
  const keys = Object.keys(format);
  const vcKeys = keys.filter((k) => !k.endsWith('_vp'));
  // a self-attested credential has no proof of its own: the presentation's signature covers it
  if (c.algs.length === 0) return vcKeys.length > 0 || keys.length === 0 ? undefined : `no credential format allowed (formats: ${keys.join(', ')})`;
  const accepted = c.format === 'jwt_vc' ? ['jwt_vc', 'jwt_vc_json', 'jwt'] : ['ldp_vc', 'ldp'];
  const key = vcKeys.find((k) => accepted.includes(k));
  if (!key) return `format ${c.format} not allowed (allowed: ${vcKeys.join(', ') || 'none'})`;
  const allowed = c.format === 'jwt_vc' ? format[key]!.alg : format[key]!.proof_type;
  if (allowed && !c.algs.some((a) => allowed.includes(a))) return `${c.format} ${c.format === 'jwt_vc' ? 'alg' : 'proof type'} ${c.algs.join(',')} not allowed (allowed: ${allowed.join(', ')})`;
  return undefined;
}

const issuerOf = (json: Record<string, unknown>) => (typeof json.issuer === 'string' ? json.issuer : typeof (json.issuer as { id?: unknown } | undefined)?.id === 'string' ? (json.issuer as { id: string }).id : undefined);

/**
 * Why a credential may not fill the descriptor as far as its issuer goes: a credential without proof only where the
 * descriptor allows self-attestation, and there (PE subject_is_issuer) the issuer must be the subject.
 */
/**
 * The two credential types nuts-node itself presents without a proof: the care worker's NutsEmployeeCredential from a
 * token request's `credentials`, and the DiscoveryRegistrationCredential carrying registration parameters. Upstream's
 * own PDs ask for them without saying so, so they are self-attestable wherever they fit a descriptor; any other type
 * needs an explicit `subject_is_issuer: required`. Either way the issuer must be the subject (and, in verification,
 * the presentation's signer, next to a trusted organisation credential).
 */
export const IMPLICITLY_SELF_ATTESTED_TYPES: readonly string[] = ['NutsEmployeeCredential', 'DiscoveryRegistrationCredential'];

export const implicitlySelfAttested = (c: PeCredential) => c.algs.length === 0 && credentialTypes(c.json).some((t) => IMPLICITLY_SELF_ATTESTED_TYPES.includes(t));

export function checkIssuer(c: PeCredential, d: InputDescriptor): string | undefined {
  const selfAttestation = allowsSelfAttestation(d) || implicitlySelfAttested(c);
  if (c.algs.length === 0 && !selfAttestation) return `${credentialLabel(c)} has no proof, and input descriptor '${d.id}' does not allow self-attestation (constraints.subject_is_issuer)`;
  if (!selfAttestation) return undefined;
  const issuer = issuerOf(c.json);
  const subjects = credentialSubjectIds(c.json);
  if (!issuer || subjects.length === 0 || subjects.some((s) => s !== issuer)) return `subject_is_issuer: issuer ${issuer ?? '(none)'} is not the subject ${subjects.join(', ') || '(none)'}`;
  return undefined;
}

/** Full evaluation of one credential against one input descriptor. */
export function evaluateCandidate(pd: PresentationDefinition, d: InputDescriptor, c: PeCredential, index: number): CandidateResult {
  const label = credentialLabel(c);
  const formatWhy = checkFormat(c, d.format ?? pd.format);
  const fields = (d.constraints?.fields ?? []).map((f) => evaluateField(f, c.json));
  const failed = fields.find((f) => !f.ok);
  // a credential of another type is reported as such; a missing proof or a foreign issuer only once the fields fit
  const reason = formatWhy ?? failed?.reason ?? checkIssuer(c, d);
  return { index, label, ok: reason === undefined, reason, fields };
}

/** The field values of a matching candidate keyed by field id, with a regex's single capture group applied. */
export function fieldValues(d: InputDescriptor, result: CandidateResult): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  (d.constraints?.fields ?? []).forEach((f, i) => {
    const r = result.fields[i];
    if (!f.id || !r?.ok || r.value === undefined) return;
    let v = r.value;
    if (typeof v === 'string' && f.filter?.pattern) {
      const m = compilePattern(f.filter.pattern).exec(v);
      if (m && m.length > 1) v = m[1];
    }
    out[f.id] = v;
  });
  return out;
}

function requiredDescriptors(pd: PresentationDefinition): { required: Set<string>; picks: Array<{ ids: string[]; min: number; max: number; name: string }> } {
  if (!pd.submission_requirements?.length) return { required: new Set(pd.input_descriptors.map((d) => d.id)), picks: [] };
  const required = new Set<string>();
  const picks: Array<{ ids: string[]; min: number; max: number; name: string }> = [];
  for (const r of pd.submission_requirements) {
    const ids = pd.input_descriptors.filter((d) => d.group?.includes(r.from!)).map((d) => d.id);
    if (r.rule === 'all') ids.forEach((id) => required.add(id));
    else picks.push({ ids, min: r.count ?? r.min ?? 0, max: r.count ?? r.max ?? ids.length, name: r.name ?? r.from! });
  }
  return { required, picks };
}

/** The candidate that came closest (fewest failing fields), for the one-line explanation. */
function closest(cands: CandidateResult[]): CandidateResult | undefined {
  return [...cands].sort((a, b) => a.fields.filter((f) => !f.ok).length - b.fields.filter((f) => !f.ok).length)[0];
}

export interface MatchOptions {
  /** field id → value; narrows candidates per descriptor to exactly one (nuts-node `credential_selection`) */
  selection?: Record<string, string>;
}

export interface MatchResult {
  ok: boolean;
  report: MatchReport;
  /** descriptor id → chosen credential, in definition order */
  chosen: Array<{ descriptor: InputDescriptor; credential: PeCredential; values: Record<string, unknown> }>;
}

/** Holder side: picks a credential per input descriptor from `wires` and reports every miss. */
export function matchDefinition(pd: PresentationDefinition, wires: WireCredential[], opts: MatchOptions = {}): MatchResult {
  const creds = wires.map((w) => toPeCredential(w));
  const { required, picks } = requiredDescriptors(pd);
  const usedSelectionKeys = new Set<string>();
  const descriptors: DescriptorResult[] = [];
  const chosen: MatchResult['chosen'] = [];
  for (const d of pd.input_descriptors) {
    const candidates = creds.map((c, i) => evaluateCandidate(pd, d, c, i));
    let ok = candidates.filter((c) => c.ok);
    let reason: string | undefined;
    const sel = Object.entries(opts.selection ?? {}).filter(([k]) => (d.constraints?.fields ?? []).some((f) => f.id === k));
    if (sel.length && ok.length) {
      sel.forEach(([k]) => usedSelectionKeys.add(k));
      ok = ok.filter((c) => sel.every(([k, v]) => String(fieldValues(d, c)[k]) === v));
      if (ok.length === 0) reason = `no matching credential has ${sel.map(([k, v]) => `${k}=${v}`).join(', ')} (credential_selection)`;
      else if (ok.length > 1) reason = `credential_selection ${sel.map(([k, v]) => `${k}=${v}`).join(', ')} leaves ${ok.length} credentials; it must narrow to one`;
    }
    const pick = reason === undefined ? ok[0] : undefined;
    if (!pick && reason === undefined) {
      const near = closest(candidates);
      reason = creds.length === 0 ? 'no credentials available' : `no credential matches; closest ${near!.label}: ${near!.reason}`;
    }
    descriptors.push({ descriptorId: d.id, ok: !!pick, selected: pick?.index, reason: pick ? undefined : reason, candidates });
    if (pick) chosen.push({ descriptor: d, credential: creds[pick.index]!, values: fieldValues(d, pick) });
  }
  for (const k of Object.keys(opts.selection ?? {})) {
    if (!usedSelectionKeys.has(k) && !pd.input_descriptors.some((d) => d.constraints?.fields?.some((f) => f.id === k))) {
      throw invalidInput(`credential_selection key '${k}' is not a field id of presentation definition '${pd.id}'`);
    }
  }
  const fulfilled = new Set(descriptors.filter((d) => d.ok).map((d) => d.descriptorId));
  let ok = [...required].every((id) => fulfilled.has(id));
  for (const p of picks) {
    const n = p.ids.filter((id) => fulfilled.has(id)).length;
    if (n < p.min || n > p.max) ok = false;
  }
  // descriptors that are neither required nor picked are not part of the submission
  const inScope = new Set([...required, ...picks.flatMap((p) => p.ids)]);
  return { ok, report: { definitionId: pd.id, ok, descriptors: descriptors.filter((d) => inScope.has(d.descriptorId)) }, chosen: ok ? chosen.filter((c) => inScope.has(c.descriptor.id)) : [] };
}

/**
 * The credentials the definition lets the holder attest itself: those chosen or submitted for a descriptor with
 * subject_is_issuer = required. Verification accepts a credential without proof only if it is one of these.
 */
export function selfAttestable(chosen: Array<{ descriptor: InputDescriptor; credential: PeCredential }>): WireCredential[] {
  return chosen.filter((c) => allowsSelfAttestation(c.descriptor) || implicitlySelfAttested(c.credential)).map((c) => c.credential.wire);
}

/** One sentence per failing descriptor, for error descriptions and 412 details. */
export function explain(report: MatchReport): string {
  if (report.ok) return `presentation definition '${report.definitionId}' is fulfilled`;
  const failing = report.descriptors.filter((d) => !d.ok).map((d) => `input descriptor '${d.descriptorId}': ${d.reason}`);
  return `presentation definition '${report.definitionId}' not fulfilled: ${failing.join('; ') || 'submission requirements not met'}`;
}

export interface EnvelopeVp {
  /** JSON the descriptor paths are evaluated on: the VP document, or the `vp` claim of a JWT VP */
  json: Record<string, unknown>;
  format: 'jwt_vp' | 'ldp_vp';
}

export interface SubmissionResult {
  ok: boolean;
  reason?: string;
  report: MatchReport;
  /** descriptor id → submitted credential */
  credentials: Map<string, PeCredential>;
  /** the submitted credentials with their descriptors */
  chosen: Array<{ descriptor: InputDescriptor; credential: PeCredential }>;
  /** every PD field with an id, from the submitted credentials */
  values: Record<string, unknown>;
}

function resolveEntry(envelope: unknown, entry: DescriptorMapEntry, depth = 0): WireCredential {
  const found = select(envelope, entry.path);
  if (found.length !== 1) throw invalidInput(`descriptor_map entry '${entry.id}': path ${entry.path} selects ${found.length} values, expected 1`);
  const value = found[0];
  if (entry.path_nested) {
    if (depth > 2) throw invalidInput(`descriptor_map entry '${entry.id}': path_nested too deep`);
    let inner: unknown = value;
    // a nested JWT VP is evaluated on its `vp` claim
    if (typeof value === 'string') inner = vpClaim(value);
    return resolveEntry(inner, entry.path_nested, depth + 1);
  }
  if (typeof value !== 'string' && (!value || typeof value !== 'object' || Array.isArray(value))) {
    throw invalidInput(`descriptor_map entry '${entry.id}': path ${entry.path} does not select a credential`);
  }
  return value as WireCredential;
}

function vpClaim(jwt: string): unknown {
  const parts = jwt.split('.');
  try {
    return JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8')).vp;
  } catch {
    throw invalidInput('nested presentation is not a valid JWT');
  }
}

/**
 * Verifier side: checks that a submission maps every required input descriptor to a credential in the envelope that
 * fulfils it. A single VP is the envelope itself; several VPs form an array (`$[0]`, `$[1]`).
 */
export function validateSubmission(pd: PresentationDefinition, submission: PresentationSubmission, vps: EnvelopeVp[]): SubmissionResult {
  const fail = (reason: string, report?: MatchReport): SubmissionResult => ({ ok: false, reason, report: report ?? { definitionId: pd.id, ok: false, descriptors: [] }, credentials: new Map(), chosen: [], values: {} });
  if (!submission || typeof submission !== 'object' || !Array.isArray(submission.descriptor_map)) return fail('presentation_submission has no descriptor_map');
  if (submission.definition_id !== undefined && submission.definition_id !== '' && submission.definition_id !== pd.id) {
    return fail(`presentation_submission is for definition '${submission.definition_id}', expected '${pd.id}'`);
  }
  const envelope = vps.length === 1 ? vps[0]!.json : vps.map((v) => v.json);
  const { required, picks } = requiredDescriptors(pd);
  const descriptors: DescriptorResult[] = [];
  const credentials = new Map<string, PeCredential>();
  let values: Record<string, unknown> = {};
  const byId = new Map(pd.input_descriptors.map((d) => [d.id, d]));
  const seen = new Set<string>();
  for (const entry of submission.descriptor_map) {
    const d = byId.get(entry.id);
    if (!d) return fail(`presentation_submission maps unknown input descriptor '${entry.id}'`);
    if (seen.has(entry.id)) return fail(`presentation_submission maps input descriptor '${entry.id}' twice`);
    seen.add(entry.id);
    let cred: PeCredential;
    try {
      cred = toPeCredential(resolveEntry(envelope, entry));
    } catch (e) {
      return fail(`input descriptor '${entry.id}': ${(e as Error).message}`);
    }
    const r = evaluateCandidate(pd, d, cred, 0);
    descriptors.push({ descriptorId: d.id, ok: r.ok, selected: r.ok ? 0 : undefined, reason: r.ok ? undefined : `${r.label}: ${r.reason}`, candidates: [r] });
    if (!r.ok) continue;
    credentials.set(d.id, cred);
    const v = fieldValues(d, r);
    for (const [k, val] of Object.entries(v)) {
      if (k in values && JSON.stringify(values[k]) !== JSON.stringify(val)) return fail(`field '${k}' has different values in the submitted credentials`);
    }
    values = { ...values, ...v };
  }
  for (const id of required) if (!seen.has(id)) descriptors.push({ descriptorId: id, ok: false, reason: 'not in presentation_submission', candidates: [] });
  const fulfilled = new Set(descriptors.filter((d) => d.ok).map((d) => d.descriptorId));
  let ok = [...required].every((id) => fulfilled.has(id)) && descriptors.every((d) => d.ok);
  for (const p of picks) {
    const n = p.ids.filter((id) => fulfilled.has(id)).length;
    if (n < p.min || n > p.max) ok = false;
  }
  const report: MatchReport = { definitionId: pd.id, ok, descriptors };
  if (!ok) return { ...fail(explain(report), report) };
  return { ok: true, report, credentials, chosen: [...credentials].map(([id, credential]) => ({ descriptor: byId.get(id)!, credential })), values };
}

/** Holder side: the submission for the chosen credentials, each credential once, at `$.verifiableCredential[i]`. */
export function buildSubmission(pd: PresentationDefinition, chosen: MatchResult['chosen'], submissionId: string): { submission: PresentationSubmission; credentials: WireCredential[] } {
  const credentials: WireCredential[] = [];
  const descriptor_map = chosen.map((c) => {
    let i = credentials.indexOf(c.credential.wire);
    if (i < 0) i = credentials.push(c.credential.wire) - 1;
    return { id: c.descriptor.id, format: c.credential.format, path: `$.verifiableCredential[${i}]` };
  });
  return { submission: { id: submissionId, definition_id: pd.id, descriptor_map }, credentials };
}
