// did:web identifiers: building them from the node URL and a subject, and mapping them to their HTTP location.
import { NodeError } from '../core/errors.js';
import { hostMatcher } from '../core/outgoing.js';

export const SUBJECT_ID = /^[a-zA-Z0-9._-]+$/;
export const TENANT_PATH = 'iam';

/** `http://localhost:8080` + `acme` -> `did:web:localhost%3A8080:iam:acme` */
export function didWebForSubject(baseUrl: string, subject: string): string {
  const u = new URL(baseUrl);
  const host = encodeURIComponent(u.host); // host includes the port; ':' becomes %3A
  const basePath = u.pathname.split('/').filter(Boolean).map(encodeURIComponent);
  return ['did', 'web', host, ...basePath, TENANT_PATH, subject].join(':');
}

/** The subject id of a did:web of this node (`…:iam:<id>`), or undefined when the DID is not shaped like one. */
export function subjectOfDidWeb(did: string, baseUrl: string): string | undefined {
  const prefix = didWebForSubject(baseUrl, 'x').slice(0, -1);
  if (!did.startsWith(prefix)) return undefined;
  const id = did.slice(prefix.length);
  return SUBJECT_ID.test(id) ? id : undefined;
}

/** did:web -> https URL of its did.json (did:web method spec §3.2); http only for trusted hosts (`host` or `host:port` entries). */
export function didWebToUrl(did: string, trusted: readonly string[] | ((url: URL) => boolean)): string {
  if (!did.startsWith('did:web:')) throw new NodeError('invalid_input', `not a did:web: ${did}`);
  const msid = did.slice('did:web:'.length);
  if (!msid || /[#?/]/.test(msid)) throw new NodeError('invalid_input', `invalid did:web: ${did}`);
  let parts: string[];
  try {
    parts = msid.split(':').map((p) => decodeURIComponent(p));
  } catch {
    throw new NodeError('invalid_input', `invalid percent-encoding in did:web: ${did}`);
  }
  const host = parts[0]!;
  if (!host || /[/@\\\s]/.test(host) || parts.some((p) => p === '' || p === '.' || p === '..')) throw new NodeError('invalid_input', `invalid did:web: ${did}`);
  try {
    new URL(`http://${host}`);
  } catch {
    throw new NodeError('invalid_input', `invalid host in did:web: ${did}`);
  }
  const path = parts.length > 1 ? parts.slice(1).map(encodeURIComponent).join('/') + '/did.json' : '.well-known/did.json';
  const isTrusted = typeof trusted === 'function' ? trusted : hostMatcher(trusted);
  const httpUrl = `http://${host}/${path}`;
  return isTrusted(new URL(httpUrl)) ? httpUrl : `https://${host}/${path}`;
}
