// The one error of every client of the internal APIs: a target out of reach, or its refusal with what it said.
/** RFC 7807 problem, as every internal API answers an error. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
}

/** RFC 6749 §5.2 error, as the token routes answer (and pass on from an authorization server). */
export interface OAuthError {
  error: string;
  error_description?: string;
}

export interface NodeApiErrorInit {
  kind: 'unreachable' | 'refused';
  /** base URL of the API called */
  baseUrl: string;
  /** how the target is named in messages (`node`, `LSP`, `wallet of …`); without one, the origin names it */
  label?: string;
  method: string;
  /** path of the call, without the query */
  path: string;
  status?: number;
  /** the parsed error body, or its text */
  body?: unknown;
  /** why no answer came (ECONNREFUSED, timeout after … ms) */
  cause?: string;
}

/**
 * A call to an internal API that did not succeed. `detail` is what the target said, on one line: the problem's
 * detail (else title), an OAuth error as `error: error_description`, the start of a body that is neither, or `HTTP
 * <status>`; for an unreachable target, why. The message names the target and the call, so it reads well as one CLI line.
 */
export class NodeApiError extends Error {
  readonly kind: 'unreachable' | 'refused';
  readonly status?: number;
  readonly problem?: Problem;
  readonly oauth?: OAuthError;
  readonly detail: string;
  readonly method: string;
  readonly path: string;
  readonly baseUrl: string;
  readonly label?: string;

  constructor(i: NodeApiErrorInit) {
    const detail = i.kind === 'unreachable' ? (i.cause ?? 'no answer') : detailOf(i.body, i.status);
    const origin = originOf(i.baseUrl);
    const message =
      i.kind === 'unreachable'
        ? `${i.label ? `${i.label} at ` : ''}${origin} unreachable (${detail})`
        : `${i.label ?? origin}: ${i.method ? `${i.method} ` : ''}${i.path} refused (${i.status}): ${detail}`;
    super(message);
    this.name = 'NodeApiError';
    this.kind = i.kind;
    this.status = i.status;
    this.detail = detail;
    this.method = i.method;
    this.path = i.path;
    this.baseUrl = i.baseUrl;
    this.label = i.label;
    const b = i.body as Record<string, unknown> | undefined;
    if (b && typeof b === 'object') {
      if (typeof b.error === 'string') this.oauth = { error: b.error, ...(typeof b.error_description === 'string' ? { error_description: b.error_description } : {}) };
      else if (typeof b.title === 'string' || typeof b.detail === 'string') this.problem = pick(b, ['type', 'title', 'status', 'detail']) as Problem;
    }
  }
}

function detailOf(body: unknown, status?: number): string {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b.error === 'string') return typeof b.error_description === 'string' ? `${b.error}: ${b.error_description}` : b.error;
  if (typeof b.detail === 'string') return b.detail;
  if (typeof b.title === 'string') return b.title;
  if (typeof body === 'string' && body.trim()) return oneLine(body);
  return `HTTP ${status}`;
}

const oneLine = (s: string, max = 300) => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
};
const pick = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
