// VCR v2 internal API (nuts-node compatible paths): issuer, verifier, trust, holder wallet and presentations, search.
import express, { type Request, type Router } from 'express';
import { z } from 'zod';
import { jsonBody } from '../../core/http.js';
import { invalidInput, notFound } from '../../core/errors.js';
import { parseCredential } from '../credential.js';
import { parseBody } from '../../core/validation.js';
import type { Holder, Wallet } from '../holder.js';
import type { Issuer } from '../issuer.js';
import type { VcrStore } from '../store.js';
import type { TrustList } from '../trust.js';
import type { Verifier } from '../verifier.js';
import type { WireCredential } from '../types.js';

const Wire = z.union([z.string().min(1), z.record(z.string(), z.unknown())]);
const VerifyVc = z.object({ verifiableCredential: Wire, verificationOptions: z.object({ allowUntrustedIssuer: z.boolean().optional() }).optional(), validAt: z.iso.datetime({ offset: true }).optional() });
const VerifyVp = z.object({
  verifiablePresentation: Wire,
  validAt: z.iso.datetime({ offset: true }).optional(),
  verifyCredentials: z.boolean().optional(),
  challenge: z.string().optional(),
  domain: z.string().optional(),
  nonce: z.string().optional(),
  audience: z.string().optional(),
});
const Trust = z.object({ issuer: z.string().startsWith('did:', 'must be a DID'), credentialType: z.string().min(1) });
const CreateVp = z.object({
  verifiableCredentials: z.array(Wire).min(1),
  signerDID: z.string().optional(),
  proofPurpose: z.enum(['authentication', 'assertionMethod', 'keyAgreement', 'capabilityDelegation', 'capabilityInvocation']).optional(),
  challenge: z.string().optional(),
  domain: z.string().optional(),
  nonce: z.string().optional(),
  audience: z.string().optional(),
  expires: z.iso.datetime({ offset: true }).optional(),
  format: z.enum(['ldp_vp', 'jwt_vp']).optional(),
  type: z.array(z.string()).optional(),
  '@context': z.array(z.string()).optional(),
});
const Search = z.object({ query: z.record(z.string(), z.unknown()), searchOptions: z.object({ allowUntrustedIssuer: z.boolean().optional() }).optional() });

/**
 * A credential id from the last path segment. Clients encode only the '#' (nuts-node's e2e: `${id//#/%23}`) or the
 * whole id; an id of a did:web with a port holds '%3A' itself, so both readings are candidates, the decoded one first.
 */
function credentialIds(req: Request): string[] {
  const raw = req.path.split('/').pop() ?? '';
  const ids = [req.params.id as string, raw.replace(/%23/gi, '#')];
  return [...new Set(ids)];
}

async function firstExisting(ids: string[], exists: (id: string) => Promise<unknown>): Promise<string | undefined> {
  for (const id of ids) if (await exists(id)) return id;
  return undefined;
}

/** The issuer a credential names, or '' when it cannot be read (the verifier then says why). */
function issuerOf(vc: unknown): string {
  try {
    return parseCredential(vc as WireCredential).issuer;
  } catch {
    return '';
  }
}

const wire = (s: string): WireCredential => (s.startsWith('{') ? (JSON.parse(s) as Record<string, unknown>) : s);
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** Every field of `query` (nested objects, type lists) must be present in `doc`. */
function matches(doc: unknown, query: unknown): boolean {
  if (query === null || typeof query !== 'object') return doc === query;
  if (Array.isArray(query)) return query.every((q) => (Array.isArray(doc) ? doc : [doc]).some((d) => matches(d, q)));
  if (!doc || typeof doc !== 'object') return false;
  return Object.entries(query).every(([k, v]) => k === '@context' || matches((doc as Record<string, unknown>)[k], v));
}

/** The parts of the VCR engine this API serves (typed by part, so this file does not import the engine). */
export interface VcrApiParts {
  store: VcrStore;
  trust: TrustList;
  issuer: Issuer;
  verifier: Verifier;
  wallet: Wallet;
  holder: Holder;
}

export function vcrInternalRouter(vcr: VcrApiParts): Router {
  const r = express.Router();
  r.use(jsonBody());

  r.post('/v2/issuer/vc', async (req, res) => {
    res.json(await vcr.issuer.issue(req.body));
  });
  r.get('/v2/issuer/vc/search', async (req, res) => {
    const credentialType = str(req.query.credentialType);
    const issuer = str(req.query.issuer);
    if (!credentialType || !issuer) throw invalidInput('query parameters credentialType and issuer are required');
    const found = await vcr.issuer.search({ credentialType, issuer, subject: str(req.query.subject) });
    res.json({ verifiableCredentials: found.map((f) => ({ verifiableCredential: wire(f.credential), ...(f.revokedAt !== undefined ? { revocation: { subject: f.id, issuer: f.issuer, date: new Date(f.revokedAt).toISOString() } } : {}) })) });
  });
  r.delete('/v2/issuer/vc/:id', async (req, res) => {
    const ids = credentialIds(req);
    const id = (await firstExisting(ids, (i) => vcr.store.getIssued(i))) ?? ids[0]!;
    await vcr.issuer.revoke(id);
    res.status(204).end();
  });

  // resolveVC: a credential this node issued or holds, whatever its revocation or trust state
  r.get('/v2/vc/:id', async (req, res) => {
    const ids = credentialIds(req);
    const id = (await firstExisting(ids, async (i) => (await vcr.store.getIssued(i)) ?? (await vcr.store.walletCredential(i)))) ?? ids[0]!;
    const found = (await vcr.store.getIssued(id)) ?? (await vcr.store.walletCredential(id));
    if (!found) throw notFound(`credential '${id}' not found`);
    res.json(wire(found.credential));
  });

  r.post('/v2/verifier/vc', async (req, res) => {
    const body = parseBody(VerifyVc, req.body);
    // as nuts-node v6.2.10: the trust list applies to did:nuts issuers only; a did:web issuer's trust is a policy
    // matter (PD issuer constraints), its signature, validity and revocation are always checked
    const issuer = issuerOf(body.verifiableCredential);
    const checkTrust = body.verificationOptions?.allowUntrustedIssuer !== true && issuer.startsWith('did:nuts:');
    const out = await vcr.verifier.verifyCredential(body.verifiableCredential, { checkTrust, ...(body.validAt ? { validAt: new Date(body.validAt) } : {}) });
    res.json({ validity: out.valid, ...(out.valid ? {} : { message: out.message, reason: out.code }) });
  });
  r.post('/v2/verifier/vp', async (req, res) => {
    const body = parseBody(VerifyVp, req.body);
    const out = await vcr.verifier.verifyPresentation(body.verifiablePresentation, {
      ...(body.validAt ? { validAt: new Date(body.validAt) } : {}),
      verifyCredentials: body.verifyCredentials,
      // "validity of the signature, issuer and revocation state": the issuers must be trusted, as in nuts-node's VerifyVP
      checkTrust: true,
      challenge: body.challenge,
      domain: body.domain,
      nonce: body.nonce,
      audience: body.audience,
    });
    res.json(out.valid ? { validity: true, credentials: out.presentation!.credentials.map((c) => c.raw) } : { validity: false, message: out.message, reason: out.code });
  });
  r.post('/v2/verifier/trust', async (req, res) => {
    const b = parseBody(Trust, req.body);
    await vcr.trust.trust(b.credentialType, b.issuer);
    res.status(204).end();
  });
  r.delete('/v2/verifier/trust', async (req, res) => {
    const b = parseBody(Trust, req.body);
    await vcr.trust.untrust(b.credentialType, b.issuer);
    res.status(204).end();
  });
  r.get('/v2/verifier/:credentialType/trusted', async (req, res) => {
    res.json(await vcr.trust.trusted(req.params.credentialType as string));
  });
  r.get('/v2/verifier/:credentialType/untrusted', async (req, res) => {
    res.json(await vcr.trust.untrusted(req.params.credentialType as string));
  });

  r.post('/v2/holder/vp', async (req, res) => {
    const b = parseBody(CreateVp, req.body);
    res.json(
      await vcr.holder.createPresentation({
        credentials: b.verifiableCredentials,
        subjectOrDid: b.signerDID,
        format: b.format,
        proofPurpose: b.proofPurpose,
        challenge: b.challenge,
        domain: b.domain,
        nonce: b.nonce,
        audience: b.audience,
        expires: b.expires,
        type: b.type,
        '@context': b['@context'],
      }),
    );
  });
  r.get('/v2/holder/:subjectID/vc/search', async (req, res) => {
    const found = await vcr.wallet.search(req.params.subjectID as string, { type: str(req.query.type) ?? str(req.query.credentialType) });
    res.json({ verifiableCredentials: found.map((verifiableCredential) => ({ verifiableCredential })) });
  });
  r.get('/v2/holder/:subjectID/vc', async (req, res) => {
    res.json(await vcr.wallet.list(req.params.subjectID as string));
  });
  r.post('/v2/holder/:subjectID/vc', async (req, res) => {
    const body = parseBody(Wire, req.body, 'credential');
    await vcr.wallet.add(req.params.subjectID as string, body);
    res.status(204).end();
  });
  r.delete('/v2/holder/:subjectID/vc/:id', async (req, res) => {
    const ids = credentialIds(req);
    const id = (await firstExisting(ids, (i) => vcr.store.walletCredential(i))) ?? ids[0]!;
    await vcr.wallet.remove(req.params.subjectID as string, id);
    res.status(204).end();
  });

  r.post('/v2/search', async (req, res) => {
    const b = parseBody(Search, req.body);
    const type = [b.query.type].flat().find((t): t is string => typeof t === 'string' && t !== 'VerifiableCredential');
    const candidates = await vcr.issuer.search({ credentialType: type });
    const out = [];
    for (const c of candidates) {
      const parsed = (await vcr.verifier.verifyCredential(wire(c.credential), { checkRevocation: false })).credential;
      if (!parsed || !matches(parsed.document, b.query)) continue;
      if (!b.searchOptions?.allowUntrustedIssuer && !(await Promise.all(parsed.types.filter((t) => t !== 'VerifiableCredential').map((t) => vcr.trust.isTrusted(t, parsed.issuer)))).every(Boolean)) continue;
      out.push({ verifiableCredential: parsed.raw });
    }
    res.json({ verifiableCredentials: out });
  });
  return r;
}
