// VCR v2 internal API (nuts-node compatible paths): issuer, verifier, trust, holder wallet and presentations, search.
import express, { type Router } from 'express';
import { z } from 'zod';
import { jsonBody } from '../../core/http.js';
import { invalidInput } from '../../core/errors.js';
import { parseBody } from '../../core/validation.js';
import type { VcrEngine } from '../module.js';
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
  proofPurpose: z.enum(['authentication', 'assertionMethod']).optional(),
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

const wire = (s: string): WireCredential => (s.startsWith('{') ? (JSON.parse(s) as Record<string, unknown>) : s);
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** Every field of `query` (nested objects, type lists) must be present in `doc`. */
function matches(doc: unknown, query: unknown): boolean {
  if (query === null || typeof query !== 'object') return doc === query;
  if (Array.isArray(query)) return query.every((q) => (Array.isArray(doc) ? doc : [doc]).some((d) => matches(d, q)));
  if (!doc || typeof doc !== 'object') return false;
  return Object.entries(query).every(([k, v]) => k === '@context' || matches((doc as Record<string, unknown>)[k], v));
}

export function vcrInternalRouter(vcr: VcrEngine): Router {
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
    await vcr.issuer.revoke(req.params.id as string);
    res.status(204).end();
  });

  r.post('/v2/verifier/vc', async (req, res) => {
    const body = parseBody(VerifyVc, req.body);
    const out = await vcr.verifier.verifyCredential(body.verifiableCredential, { checkTrust: body.verificationOptions?.allowUntrustedIssuer !== true, ...(body.validAt ? { validAt: new Date(body.validAt) } : {}) });
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
    await vcr.wallet.remove(req.params.subjectID as string, req.params.id as string);
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
