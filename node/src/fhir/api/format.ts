// FHIR content negotiation: which format a request body is in (Content-Type) and which the answer is wanted in (_format, Accept).
import { FhirFormatError, NotAcceptable } from '../errors.js';
import { resourceToXml, xmlToResource } from '../fhirxml.js';
import { answerJson } from '../store.js';

export type FhirFormat = 'json' | 'xml';

const MIME: Record<string, FhirFormat> = {
  'application/fhir+json': 'json',
  'application/json': 'json',
  'application/json+fhir': 'json',
  json: 'json',
  'application/fhir+xml': 'xml',
  'application/xml': 'xml',
  'application/xml+fhir': 'xml',
  'text/xml': 'xml',
  xml: 'xml',
};
export const CONTENT_TYPE: Record<FhirFormat, string> = { json: 'application/fhir+json; charset=utf-8', xml: 'application/fhir+xml; charset=utf-8' };

/** The format a media type (parameters ignored) names, or undefined. */
export function formatOfMime(mime: string | undefined): FhirFormat | undefined {
  if (!mime) return undefined;
  return MIME[mime.split(';')[0]!.trim().toLowerCase()];
}

/**
 * The answer format: `_format` wins over Accept (a browser or a tool that cannot set headers uses it); an Accept that
 * names only formats we do not have is refused; no preference at all gets the format of the request body, else JSON.
 */
export function negotiate(formatParam: string | undefined, accept: string | undefined, bodyFormat: FhirFormat | undefined): FhirFormat {
  if (formatParam !== undefined) {
    const f = formatOfMime(formatParam);
    if (!f) throw new NotAcceptable(`_format '${formatParam}' is not supported (use json, xml, application/fhir+json or application/fhir+xml)`);
    return f;
  }
  if (!accept?.trim()) return bodyFormat ?? 'json';
  const ranges = accept
    .split(',')
    .map((part, i) => {
      const [type, ...params] = part.split(';').map((s) => s.trim());
      const q = params.find((p) => /^q=/i.test(p));
      return { type: type!.toLowerCase(), q: q ? Number(q.slice(2)) : 1, i };
    })
    .filter((r) => r.type && r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const r of ranges) {
    const f = MIME[r.type];
    if (f) return f;
    if (r.type === '*/*' || r.type === 'application/*') return bodyFormat ?? 'json';
    if (r.type === 'text/*') return 'xml';
  }
  throw new NotAcceptable(`none of the media types in Accept (${accept}) is available; this server answers application/fhir+json and application/fhir+xml`);
}

/** Parses a request body in the given format; bad XML or JSON becomes a FhirFormatError (400). */
export function parseBody(text: string, format: FhirFormat): unknown {
  if (format === 'xml') return xmlToResource(text);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new FhirFormatError(`the body is not valid JSON: ${(e as Error).message}`, '');
  }
}

/** Serialises an answer; a resource that has no XML form is a server fault, reported by the caller. */
export function serialise(body: unknown, format: FhirFormat): string {
  return format === 'xml' ? resourceToXml(body) : answerJson(body);
}
