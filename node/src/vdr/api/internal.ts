// VDR v2 internal API, compatible with nuts-node's docs/_static/vdr/v2.yaml.
import { createHash } from 'node:crypto';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { jsonBody } from '../../core/http.js';
import { parseBody } from '../../core/validation.js';
import { NodeError, invalidInput } from '../../core/errors.js';
import type { SubjectService } from '../service.js';
import type { DidResolver } from '../resolver.js';

const KeyTypeSchema = z.enum(['P-256', 'Ed25519']);
const CreateSubjectOptions = z
  .object({
    subject: z.string().optional(),
    keys: z.object({ assertionKey: z.boolean().optional(), encryptionKey: z.boolean().optional() }).optional(),
    /** extension: key type of the first assertion key (default from config) */
    keyType: KeyTypeSchema.optional(),
  })
  .optional();
const KeyCreationOptions = z.object({ assertionKey: z.boolean(), encryptionKey: z.boolean(), keyType: KeyTypeSchema.optional() });
const ServiceRequest = z.object({ type: z.string().min(1), serviceEndpoint: z.unknown() });

/**
 * A path segment carrying a DID: clients either URL-encode the whole DID (`did%3Aweb%3A…%253A8080…`) or send it
 * as is (`did:web:localhost%3A8080:…`). Only the first needs decoding; decoding the second would corrupt the port.
 */
export function didFromPath(req: Request, name: string): string {
  const raw = rawParam(req, name);
  if (raw.startsWith('did:')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalidInput(`malformed URL-encoding in ${name}`);
  }
}

function rawParam(req: Request, name: string): string {
  // express decodes params; recover the raw segment by position in the route path
  const routeParts = (req.route?.path as string).split('/');
  const urlParts = req.path.split('/');
  const idx = routeParts.indexOf(`:${name}`);
  return idx >= 0 && urlParts[idx] !== undefined ? urlParts[idx]! : String(req.params[name]);
}

/** Go's zero time: what nuts-node reports as `created` for a document it did not create (a remote did:web). */
const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * nuts-node v6's DIDDocumentMetadata: `created`, `hash` (SHA-256 hex of the document as served), `deactivated` and
 * `txs` are always present; did:web documents have no network transactions, so `txs` is empty.
 */
function upstreamMetadata(document: unknown, meta: object | undefined): Record<string, unknown> {
  return {
    created: GO_ZERO_TIME,
    deactivated: false,
    ...meta,
    hash: createHash('sha256').update(JSON.stringify(document)).digest('hex'),
    txs: [],
  };
}

export function vdrInternalRouter(subjects: SubjectService, resolver: DidResolver): Router {
  const r = Router();
  r.use(jsonBody());

  r.get('/v2/did/:did', async (req, res) => {
    const did = didFromPath(req, 'did');
    try {
      const r = await resolver.resolve(did);
      res.json({ document: r.document, documentMetadata: upstreamMetadata(r.document, r.documentMetadata) });
    } catch (e) {
      // the node's own operator asks here, so the reason a remote caller is not told is added back
      const cause = e instanceof NodeError ? (e.cause as Error | undefined) : undefined;
      if (cause?.message) throw new NodeError(e instanceof NodeError ? e.code : 'not_found', `${(e as Error).message}: ${cause.message}`);
      throw e;
    }
  });

  r.post('/v2/subject', async (req, res) => {
    const body = parseBody(CreateSubjectOptions, req.body ?? undefined);
    res.json(await subjects.create(body?.subject, { keyType: body?.keyType }));
  });
  r.get('/v2/subject', async (_req, res) => {
    res.json(await subjects.list());
  });
  r.get('/v2/subject/:id', async (req, res) => {
    res.json(await subjects.dids(req.params.id as string));
  });
  r.delete('/v2/subject/:id', async (req, res) => {
    await subjects.deactivate(req.params.id as string);
    res.status(204).end();
  });

  r.post('/v2/subject/:id/service', async (req, res) => {
    const body = parseBody(ServiceRequest, req.body);
    res.json(await subjects.addService(req.params.id as string, body));
  });
  r.get('/v2/subject/:id/service', async (req, res) => {
    const q = req.query as Record<string, unknown>;
    const type = typeof q.type === 'string' ? q.type : undefined;
    const endpointType = typeof q.endpointType === 'string' ? q.endpointType : undefined;
    res.json(await subjects.findServices(req.params.id as string, { type, endpointType }));
  });
  r.delete('/v2/subject/:id/service/:serviceId', async (req, res) => {
    await subjects.deleteService(req.params.id as string, req.params.serviceId as string);
    res.status(204).end();
  });
  r.post('/v2/subject/:id/service/:serviceId', async (req, res) => {
    const body = parseBody(ServiceRequest, req.body);
    res.json(await subjects.updateService(req.params.id as string, req.params.serviceId as string, body));
  });

  r.post('/v2/subject/:id/verificationmethod', async (req, res) => {
    const body = parseBody(KeyCreationOptions, req.body);
    res.json(await subjects.addVerificationMethod(req.params.id as string, body));
  });
  return r;
}
