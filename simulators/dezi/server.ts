// The simulated Dezi: OIDC authorization code flow with PKCE S256, a login page, /token, /userinfo as a signed JWT carrying the verklaring (Dezi spec 0.7), JWKS and a status endpoint for revocation.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import express, { type Request, type Response } from 'express';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { deziCareWorkers, type DeziCareWorker } from './care-workers.js';

/** Dezi 0.7 claim values the verklaring carries verbatim (reference lsp-mitz-uzi.md §4.3). */
export const VERKLARING_SCHEMA = 'https://www.dezi.nl/json_schemas/v1/verklaring.json';
export const LOA_HIGH = 'http://eidas.europe.eu/LoA/high';
/** how long a verklaring is valid: one working shift in the lab (real Dezi verklaringen live longer) */
const VERKLARING_VALIDITY_S = 8 * 3600;
const CODE_TTL_MS = 60_000;
const ACCESS_TOKEN_TTL_S = 300;
const MAX_PENDING = 1000;

export interface DeziServerOptions {
  /** public base URL (issuer); set after listen when the port is chosen by the OS */
  baseUrl?: string;
  workers?: DeziCareWorker[];
  clock?: () => number;
}

interface Pending {
  clientId: string;
  redirectUri: string;
  state?: string;
  nonce?: string;
  challenge: string;
  at: number;
}

interface Code extends Pending {
  worker: DeziCareWorker;
  roleCode: string;
}

interface Issued {
  verklaringId: string;
  deziNummer: string;
  roleCode: string;
}

/** One verklaring per (care worker, role), as Dezi 0.7 issues them. */
export interface LoginChoice {
  value: string;
  worker: DeziCareWorker;
  roleCode: string;
}

export const choiceValue = (workerId: string, roleCode: string) => `${workerId}|${roleCode}`;

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const b64url = (b: Buffer) => b.toString('base64url');
const oauth = (res: Response, status: number, error: string, description: string) => res.status(status).json({ error, error_description: description });

function bounded<K, V>(m: Map<K, V>, max: number): void {
  while (m.size > max) m.delete(m.keys().next().value as K);
}

export class DeziSimulator {
  readonly workers: DeziCareWorker[];
  private readonly clock: () => number;
  private key?: { privateKey: CryptoKey; jwk: JWK; kid: string };
  private base?: string;
  private readonly pending = new Map<string, Pending>();
  private readonly codes = new Map<string, Code>();
  private readonly tokens = new Map<string, { worker: DeziCareWorker; roleCode: string; clientId: string; nonce?: string; exp: number }>();
  private readonly issued = new Map<string, Issued>();
  /** revoked verklaring ids, and care workers (Dezi numbers) all of whose verklaringen are revoked */
  private readonly revokedIds = new Set<string>();
  private readonly revokedWorkers = new Set<string>();
  private server?: Server;

  constructor(o: DeziServerOptions = {}) {
    this.workers = o.workers ?? deziCareWorkers();
    this.clock = o.clock ?? Date.now;
    this.base = o.baseUrl?.replace(/\/+$/, '');
  }

  get url(): string {
    if (!this.base) throw new Error('the simulated Dezi has no URL before it listens');
    return this.base;
  }

  get jwksUri(): string {
    return `${this.url}/jwks.json`;
  }

  choices(): LoginChoice[] {
    return this.workers.flatMap((w) => w.roles.map((r) => ({ value: choiceValue(w.id, r.code), worker: w, roleCode: r.code })));
  }

  private async signingKey(): Promise<{ privateKey: CryptoKey; jwk: JWK; kid: string }> {
    if (this.key) return this.key;
    const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
    const jwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(jwk);
    this.key = { privateKey, jwk: { ...jwk, kid, alg: 'RS256', use: 'sig' }, kid };
    return this.key;
  }

  /** A verklaring for one role of a care worker, signed RS256 with kid and jku (Dezi spec 0.7). */
  async verklaring(worker: DeziCareWorker, roleCode: string): Promise<{ jwt: string; verklaringId: string }> {
    const role = worker.roles.find((r) => r.code === roleCode);
    if (!role) throw new Error(`${worker.id} has no Dezi role ${roleCode}`);
    const key = await this.signingKey();
    const now = Math.floor(this.clock() / 1000);
    // an ended registration: Dezi's answer is a verklaring whose validity lies in the past
    const [nbf, exp] = worker.expired ? [now - 30 * 86400, now - 86400] : [now - 5, now + VERKLARING_VALIDITY_S];
    const verklaringId = randomUUID();
    const jwt = await new SignJWT({
      json_schema: VERKLARING_SCHEMA,
      loa_dezi: LOA_HIGH,
      verklaring_id: verklaringId,
      dezi_nummer: worker.deziNummer,
      voorletters: worker.initials,
      voorvoegsel: worker.surnamePrefix ?? null,
      achternaam: worker.surname,
      abonnee_nummer: worker.organisation.ura,
      abonnee_naam: worker.organisation.name,
      rol_code: role.code,
      rol_naam: role.name,
      rol_code_bron: role.source,
      status_uri: `${this.url}/status/v1/verklaring/${verklaringId}`,
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid, jku: this.jwksUri })
      .setIssuer(this.url)
      .setJti(randomUUID())
      .setNotBefore(nbf)
      .setExpirationTime(exp)
      .sign(key.privateKey);
    this.issued.set(verklaringId, { verklaringId, deziNummer: worker.deziNummer, roleCode });
    bounded(this.issued, 100_000);
    return { jwt, verklaringId };
  }

  /** Revokes every verklaring of a care worker (handle or Dezi number), issued and still to come, or one verklaring by id. */
  revoke(target: { worker?: string; verklaringId?: string }): string {
    if (target.verklaringId) {
      if (!this.issued.has(target.verklaringId)) throw new Error(`no verklaring ${target.verklaringId} was issued`);
      this.revokedIds.add(target.verklaringId);
      return `verklaring ${target.verklaringId} revoked at Dezi`;
    }
    const w = this.workers.find((x) => x.id === target.worker || x.deziNummer === target.worker);
    if (!w) throw new Error(`unknown Dezi care worker '${String(target.worker)}'`);
    this.revokedWorkers.add(w.deziNummer);
    return `every verklaring of ${w.name} (Dezi ${w.deziNummer}) revoked at Dezi`;
  }

  /** Lifts every revocation (the scenarios' `normal`). */
  restore(): string {
    const n = this.revokedIds.size + this.revokedWorkers.size;
    this.revokedIds.clear();
    this.revokedWorkers.clear();
    return `${n} Dezi revocations lifted`;
  }

  status(verklaringId: string): 'active' | 'revoked' | undefined {
    const v = this.issued.get(verklaringId);
    if (!v) return undefined;
    return this.revokedIds.has(verklaringId) || this.revokedWorkers.has(v.deziNummer) ? 'revoked' : 'active';
  }

  app(): express.Express {
    const app = express();
    app.disable('x-powered-by');
    app.use(express.urlencoded({ extended: false, limit: '16kb' }));
    app.use(express.json({ limit: '16kb' }));

    app.get('/.well-known/openid-configuration', (_req, res) => {
      res.json({
        issuer: this.url,
        authorization_endpoint: `${this.url}/authorize`,
        token_endpoint: `${this.url}/token`,
        userinfo_endpoint: `${this.url}/userinfo`,
        jwks_uri: this.jwksUri,
        response_types_supported: ['code'],
        grant_types_supported: ['authorization_code'],
        code_challenge_methods_supported: ['S256'],
        scopes_supported: ['openid'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        userinfo_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['none'],
      });
    });

    app.get('/jwks.json', async (_req, res) => {
      const key = await this.signingKey();
      res.set('cache-control', 'max-age=300').json({ keys: [key.jwk] });
    });

    app.get('/status/v1/verklaring/:id', (req, res) => {
      const s = this.status(req.params.id);
      if (!s) return void res.status(404).json({ error: 'not_found', error_description: `no verklaring ${req.params.id} was issued here` });
      res.set('cache-control', 'no-store').json({ verklaring_id: req.params.id, status: s });
    });

    app.get('/authorize', (req, res) => this.authorizePage(req, res));
    app.post('/authorize', (req, res) => this.authorizeSubmit(req, res));
    app.post('/token', (req, res) => void this.token(req, res));
    app.get('/userinfo', (req, res) => void this.userinfo(req, res));

    // lab control (revocation for the revoked-dezi-declaration scenario); the simulator listens on loopback only
    app.get('/internal/dezi/v1/care-workers', (_req, res) => {
      res.json(this.workers.map((w) => ({ id: w.id, deziNummer: w.deziNummer, name: w.name, organisation: w.organisation, roles: w.roles, expired: !!w.expired, note: w.note })));
    });
    app.post('/internal/dezi/v1/revocations', (req, res) => {
      try {
        res.json({ message: this.revoke({ worker: req.body?.worker, verklaringId: req.body?.verklaring_id }) });
      } catch (e) {
        res.status(404).type('application/problem+json').json({ title: 'not found', status: 404, detail: (e as Error).message });
      }
    });
    app.delete('/internal/dezi/v1/revocations', (_req, res) => void res.json({ message: this.restore() }));
    return app;
  }

  private authorizePage(req: Request, res: Response): void {
    const q = req.query as Record<string, string | undefined>;
    const problem = (d: string) => res.status(400).type('text/html').send(`<!doctype html><title>Dezi — error</title><h1>Dezi (simulated)</h1><p role="alert">${esc(d)}</p>`);
    if (q.response_type !== 'code') return void problem("response_type must be 'code'");
    if (!q.client_id) return void problem('client_id is required');
    if (!q.redirect_uri || !/^https?:\/\//.test(q.redirect_uri)) return void problem('redirect_uri must be an http(s) URL');
    if (!String(q.scope ?? '').split(' ').includes('openid')) return void problem("scope must include 'openid'");
    if (q.code_challenge_method !== 'S256' || !q.code_challenge || !/^[A-Za-z0-9_-]{43}$/.test(q.code_challenge)) return void problem('PKCE is required: code_challenge (43 base64url characters) with code_challenge_method=S256');
    const handle = b64url(randomBytes(16));
    this.pending.set(handle, { clientId: q.client_id, redirectUri: q.redirect_uri, state: q.state, nonce: q.nonce, challenge: q.code_challenge, at: this.clock() });
    bounded(this.pending, MAX_PENDING);
    const rows = this.choices()
      .map((c, i) => {
        const role = c.worker.roles.find((r) => r.code === c.roleCode)!;
        return `<li><label><input type="radio" name="choice" value="${esc(c.value)}"${i === 0 ? ' checked' : ''}> <b>${esc(c.worker.name)}</b> — ${esc(role.name)} <code>${esc(role.code)}</code> ${role.big ? '(BIG)' : '(no BIG)'} · ${esc(c.worker.organisation.name)} (URA ${esc(c.worker.organisation.ura)})${c.worker.note ? ` <small>${esc(c.worker.note)}</small>` : ''}</label></li>`;
      })
      .join('\n');
    res.set('cache-control', 'no-store').type('text/html').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Dezi — log in (simulated)</title></head>
<body><h1>Log in with Dezi <small>(simulated, nuts-lsp-lab)</small></h1>
<p>Choose the care worker and the role to log in with. Dezi issues one verklaring per role.</p>
<form method="post" action="/authorize"><input type="hidden" name="request" value="${handle}">
<ul>${rows}</ul>
<button type="submit">Log in</button></form></body></html>`);
  }

  private authorizeSubmit(req: Request, res: Response): void {
    const handle = String(req.body?.request ?? '');
    const p = this.pending.get(handle);
    this.pending.delete(handle);
    if (!p || this.clock() - p.at > CODE_TTL_MS * 5) return void res.status(400).type('text/plain').send('unknown or expired login request');
    const choice = this.choices().find((c) => c.value === String(req.body?.choice ?? ''));
    const target = new URL(p.redirectUri);
    if (p.state !== undefined) target.searchParams.set('state', p.state);
    if (!choice) {
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('error_description', 'no care worker and role chosen');
      return void res.redirect(303, target.toString());
    }
    const code = b64url(randomBytes(24));
    this.codes.set(code, { ...p, at: this.clock(), worker: choice.worker, roleCode: choice.roleCode });
    bounded(this.codes, MAX_PENDING);
    target.searchParams.set('code', code);
    res.redirect(303, target.toString());
  }

  private async token(req: Request, res: Response): Promise<void> {
    const b = (req.body ?? {}) as Record<string, string | undefined>;
    if (b.grant_type !== 'authorization_code') return void oauth(res, 400, 'unsupported_grant_type', "grant_type must be 'authorization_code'");
    const code = b.code ? this.codes.get(b.code) : undefined;
    if (b.code) this.codes.delete(b.code); // one use, whatever the outcome
    if (!code || this.clock() - code.at > CODE_TTL_MS) return void oauth(res, 400, 'invalid_grant', 'unknown, used or expired authorization code');
    if (code.clientId !== b.client_id) return void oauth(res, 400, 'invalid_grant', 'the code was issued to another client_id');
    if (code.redirectUri !== b.redirect_uri) return void oauth(res, 400, 'invalid_grant', 'redirect_uri differs from the authorization request');
    if (!b.code_verifier || !/^[A-Za-z0-9._~-]{43,128}$/.test(b.code_verifier)) return void oauth(res, 400, 'invalid_request', 'code_verifier (43–128 characters) is required');
    const computed = Buffer.from(createHash('sha256').update(b.code_verifier).digest('base64url'));
    const expected = Buffer.from(code.challenge);
    if (computed.length !== expected.length || !timingSafeEqual(computed, expected)) return void oauth(res, 400, 'invalid_grant', 'PKCE verification failed: code_verifier does not match code_challenge');
    const accessToken = b64url(randomBytes(32));
    const now = Math.floor(this.clock() / 1000);
    this.tokens.set(accessToken, { worker: code.worker, roleCode: code.roleCode, clientId: code.clientId, nonce: code.nonce, exp: now + ACCESS_TOKEN_TTL_S });
    bounded(this.tokens, MAX_PENDING);
    const key = await this.signingKey();
    const idToken = await new SignJWT({ ...(code.nonce ? { nonce: code.nonce } : {}), loa_authn: LOA_HIGH })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid })
      .setIssuer(this.url)
      .setSubject(code.worker.deziNummer)
      .setAudience(code.clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + ACCESS_TOKEN_TTL_S)
      .sign(key.privateKey);
    res.set('cache-control', 'no-store').json({ access_token: accessToken, token_type: 'Bearer', expires_in: ACCESS_TOKEN_TTL_S, id_token: idToken, scope: 'openid' });
  }

  /** The userinfo: a JWT signed by Dezi carrying the verklaring of the role chosen at login (acceptance-environment shape). */
  private async userinfo(req: Request, res: Response): Promise<void> {
    const m = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '');
    const t = m ? this.tokens.get(m[1]!) : undefined;
    if (!t || t.exp * 1000 < this.clock()) {
      res.set('www-authenticate', 'Bearer error="invalid_token"');
      return void oauth(res, 401, 'invalid_token', 'unknown or expired access token');
    }
    const { jwt, verklaringId } = await this.verklaring(t.worker, t.roleCode);
    const key = await this.signingKey();
    const now = Math.floor(this.clock() / 1000);
    const userinfo = await new SignJWT({ verklaring: jwt, verklaring_id: verklaringId, loa_authn: LOA_HIGH, json_schema: 'https://www.dezi.nl/json_schemas/v1/userinfo.json' })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid, jku: this.jwksUri })
      .setIssuer(this.url)
      .setSubject(t.worker.deziNummer)
      .setAudience(t.clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + ACCESS_TOKEN_TTL_S)
      .sign(key.privateKey);
    res.set('cache-control', 'no-store').type('application/jwt').send(userinfo);
  }

  /** Listens on loopback; with port 0 the OS picks one and the issuer URL follows it. */
  async listen(port: number, host = '127.0.0.1'): Promise<string> {
    const app = this.app();
    await this.signingKey();
    this.server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(s)));
      s.once('error', reject);
    });
    const actual = (this.server.address() as { port: number }).port;
    this.base ??= `http://${host}:${actual}`;
    return this.base;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
