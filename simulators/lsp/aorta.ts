// AORTA on the wire: the AORTA-ID and AORTA-Version headers every LSP request and response carries.
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

export const AORTA_CONTENT_VERSION = '1.0';

export interface AortaId {
  initialRequestID: string;
  requestID: string;
}

const UUIDISH = /^[A-Za-z0-9._:-]{1,128}$/;

/** Parses `initialRequestID=<id>; requestID=<id>`; anything malformed is treated as absent. */
export function parseAortaId(header: string | undefined): Partial<AortaId> {
  const out: Partial<AortaId> = {};
  for (const part of (header ?? '').split(';')) {
    const [k, v] = part.split('=').map((s) => s?.trim());
    if (!k || !v || !UUIDISH.test(v)) continue;
    if (k === 'initialRequestID') out.initialRequestID = v;
    if (k === 'requestID') out.requestID = v;
  }
  return out;
}

export function formatAortaId(id: AortaId): string {
  return `initialRequestID=${id.initialRequestID}; requestID=${id.requestID}`;
}

/**
 * Accepts the caller's AORTA-ID (initialRequestID is kept along the whole chain for log correlation) or creates
 * one, and echoes it plus AORTA-Version on every response, errors included.
 */
export const aortaHeaders: RequestHandler = (req, res, next) => {
  const given = parseAortaId(req.header('aorta-id'));
  const requestID = given.requestID ?? randomUUID();
  const id: AortaId = { initialRequestID: given.initialRequestID ?? requestID, requestID };
  res.locals.aortaId = id;
  res.setHeader('AORTA-ID', formatAortaId(id));
  res.setHeader('AORTA-Version', `contentVersion=${AORTA_CONTENT_VERSION}`);
  next();
};
