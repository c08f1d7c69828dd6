// The client portal: a client (or their DigiD Machtigen representative) logs in through TVS, sees who accessed their
// data across the LSP and the VVT node, and records their Mitz-style consent; every read and change is logged.
import express, { type NextFunction, type Request, type Response } from 'express';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BSN_SYSTEM } from '../../../node/src/fhir/index.js';
import { ANY, type MitzCatalogue } from '../../lsp/mitz.js';
import { MEDICATION_DATA_CATEGORY } from '../../lsp/broker.js';
import { NodeApiError, type ConsentView, type LspApi, type NodeApi } from '../../shared/node-api.js';
import { LoginRefused, type PendingLogin, type PortalIdentity, type TvsRelyingParty } from './oidc.js';
import { accessLines, formatWhen, T, type AccessRecord, type Lang } from './texts.js';

export interface PortalOptions {
  /** the TVS relying party (a function: it is built once the portal knows its own callback URL) */
  rp: () => TvsRelyingParty;
  /** the nodes whose access logs the client may read: the name their records carry, and how the client reads it */
  nodes: Array<{ name: string; label: string; api: NodeApi }>;
  lsp: LspApi;
  lspNode: string;
  clients: Array<{ bsn: string; name: string }>;
  /** URA → organisation name, for records that carry only the URA */
  organisations: Map<string, string>;
  catalogue: MitzCatalogue;
  clock?: () => number;
}

interface Session {
  id: string;
  csrf: string;
  lang: Lang;
  expires: number;
  pending?: PendingLogin;
  identity?: PortalIdentity;
}

const COOKIE = 'nll_portal';
const IDLE_MS = 15 * 60_000;
const PAGE_SIZE = 20;

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The NEN 7513 actor of a portal request: the client, or the representative acting under a mandate (both persons logged). */
export function actorHeaders(id: PortalIdentity, clientName?: string): Record<string, string> {
  const common = { 'x-user-id-system': BSN_SYSTEM, 'x-authn-means': id.means, 'x-authn-loa': id.acr };
  return id.representative
    ? { ...common, 'x-user-id': id.representative.bsn, 'x-actor-kind': 'representative', 'x-mandate-service': id.representative.service.id }
    : { ...common, 'x-user-id': id.clientBsn, 'x-actor-kind': 'patient', ...(clientName ? { 'x-user-name': clientName } : {}) };
}

export function createPortal(o: PortalOptions) {
  const clock = o.clock ?? Date.now;
  const sessions = new Map<string, Session>();
  const app = express();
  app.disable('x-powered-by');
  app.use(express.urlencoded({ extended: false, limit: '8kb' }));

  const sessionOf = (req: Request, res: Response, create: boolean): Session | undefined => {
    const now = clock();
    for (const [k, s] of sessions) if (s.expires < now) sessions.delete(k);
    const id = /(?:^|;\s*)nll_portal=([A-Za-z0-9_-]{20,64})/.exec(req.header('cookie') ?? '')?.[1];
    let s = id ? sessions.get(id) : undefined;
    if (!s && create) {
      s = { id: randomBytes(24).toString('base64url'), csrf: randomBytes(24).toString('base64url'), lang: 'nl', expires: 0 };
      sessions.set(s.id, s);
      res.append('set-cookie', `${COOKIE}=${s.id}; Path=/; HttpOnly; SameSite=Lax`);
    }
    if (s) s.expires = now + IDLE_MS;
    return s;
  };

  const layout = (s: Session | undefined, title: string, body: string, status = 200) => ({ status, html: renderLayout(s, title, body, o.clients) });
  const send = (res: Response, p: { status: number; html: string }) => void res.status(p.status).type('html').set('cache-control', 'no-store').send(p.html);

  // state-changing requests only from this portal's own pages: same-origin fetch metadata, and the session's CSRF token
  const guardPost = (req: Request, s: Session | undefined): string | undefined => {
    if (req.header('sec-fetch-site') === 'cross-site') return 'cross-site request refused';
    const origin = req.header('origin');
    if (origin && origin !== `${req.protocol}://${req.header('host')}`) return 'foreign origin refused';
    if (!s || (req.body as Record<string, unknown>)?.csrf !== s.csrf) return 'the form is out of date; open the page again';
    return undefined;
  };

  app.get('/', (req, res) => {
    const s = sessionOf(req, res, true)!;
    if (typeof req.query.lang === 'string' && (req.query.lang === 'nl' || req.query.lang === 'en')) s.lang = req.query.lang;
    if (s.identity) return void res.redirect(303, '/overview');
    const t = T[s.lang];
    send(res, layout(s, t.title, `<p>${t.loginNote}</p><p><a class="button" id="login" href="/login">${t.login}</a></p>`));
  });

  app.get('/login', async (req, res, next) => {
    try {
      const s = sessionOf(req, res, true)!;
      const { url, pending } = await o.rp().start();
      s.pending = pending;
      res.redirect(303, url);
    } catch (e) {
      next(e);
    }
  });

  app.get('/callback', async (req, res, next) => {
    const s = sessionOf(req, res, true)!;
    const t = T[s.lang];
    try {
      const pending = s.pending;
      s.pending = undefined;
      s.identity = await o.rp().finish(req.query as Record<string, unknown>, pending);
      // a new session id after login (no fixation)
      sessions.delete(s.id);
      s.id = randomBytes(24).toString('base64url');
      sessions.set(s.id, s);
      res.append('set-cookie', `${COOKIE}=${s.id}; Path=/; HttpOnly; SameSite=Lax`);
      res.redirect(303, '/overview');
    } catch (e) {
      if (!(e instanceof LoginRefused)) return next(e);
      const reason = e.code === 'loa_too_low' ? t.loaTooLow : e.code === 'no_bsn' ? t.noBsn : e.message;
      send(res, layout(s, t.refusedTitle, `<p class="refused" data-testid="login-refused" data-code="${esc(e.code)}">${esc(reason)}</p><p class="muted">${esc(e.message)}</p><p><a class="button" href="/login">${t.login}</a></p>`, e.code === 'state' ? 400 : 403));
    }
  });

  const requireLogin = (req: Request, res: Response): Session | undefined => {
    const s = sessionOf(req, res, false);
    if (s?.identity) return s;
    res.redirect(303, '/');
    return undefined;
  };

  const clientName = (bsn: string) => o.clients.find((c) => c.bsn === bsn)?.name;

  /** A page for a logged-in client: the session's identity (from the id_token), its texts and its NEN 7513 actor. */
  const loggedIn =
    (page: (req: Request, res: Response, c: { s: Session; id: PortalIdentity; t: (typeof T)[Lang]; headers: Record<string, string> }) => Promise<void>) =>
    async (req: Request, res: Response, next: NextFunction) => {
      const s = requireLogin(req, res);
      if (!s) return;
      try {
        const id = s.identity!;
        await page(req, res, { s, id, t: T[s.lang], headers: actorHeaders(id, clientName(id.clientBsn)) });
      } catch (e) {
        next(e);
      }
    };

  app.get(
    '/overview',
    loggedIn(async (req, res, { s, id, t, headers }) => {
      // the BSN is the session's, from the id_token; nothing in the request can name another client
      const [perNode, integrity] = await Promise.all([
        Promise.all(o.nodes.map((n) => n.api.auditRecords({ patient: id.clientBsn, limit: 1000 }, headers).then((r) => r.records as AccessRecord[]))),
        Promise.all(o.nodes.map((n) => n.api.auditVerify(headers).then((v) => ({ node: n.label, ...v })))),
      ]);
      const lines = accessLines(perNode.flat(), { lang: s.lang, lspNode: o.lspNode, organisations: o.organisations });
      const pageNo = Math.max(1, Math.min(Number.parseInt(String(req.query.page ?? '1'), 10) || 1, Math.max(1, Math.ceil(lines.length / PAGE_SIZE))));
      const shown = lines.slice((pageNo - 1) * PAGE_SIZE, pageNo * PAGE_SIZE);
      const items = shown.length
        ? `<ol class="accesses" data-testid="accesses">${shown
            .map((l) => `<li class="${l.refused ? 'refused' : ''}" data-trace="${esc(l.key)}"><span class="text">${esc(l.text)}</span> <span class="muted">(${t.loggedBy} ${esc(l.loggedBy.map((n) => o.nodes.find((x) => x.name === n)?.label ?? n).join(' + '))})</span><details><summary>${t.showQuery}</summary><code>${l.queries.map(esc).join('<br>')}</code></details></li>`)
            .join('')}</ol>`
        : `<p data-testid="no-accesses">${t.none}</p>`;
      const pager = lines.length > PAGE_SIZE
        ? `<p class="pager">${pageNo > 1 ? `<a href="/overview?page=${pageNo - 1}">← ${t.prev}</a>` : ''} ${pageNo * PAGE_SIZE < lines.length ? `<a href="/overview?page=${pageNo + 1}">${t.next} →</a>` : ''}</p>`
        : '';
      const integ = `<ul class="integrity" data-testid="integrity">${integrity
        .map((v) => `<li data-node="${esc(v.node)}" data-ok="${v.ok}" data-witnessed="${(v.witnessesChecked ?? 0) > 0}">${v.ok ? '✓' : '✗'} ${esc(v.node)}: ${v.ok ? t.holds : t.broken} (${v.records} records, ${v.checkpoints} checkpoints${v.witnessesChecked ? `, ${t.witnessed}` : ''}${v.firstBroken ? `; ${esc(v.firstBroken.message)}` : ''}${v.witnessErrors?.length ? `; ${esc(v.witnessErrors.join('; '))}` : ''})</li>`)
        .join('')}</ul>`;
      send(res, layout(s, t.overview, `${items}${pager}<h2>${t.integrity}</h2>${integ}`));
    }),
  );

  /** The effective choice per holder category for medication data, and where it comes from. */
  const consentRows = (records: ConsentView[], lang: Lang) => {
    const t = T[lang];
    const med = records.filter((r) => r.dataCategory === MEDICATION_DATA_CATEGORY && r.consulterCategory === ANY);
    const blanket = med.find((r) => r.holderCategory === ANY);
    return [{ code: ANY, name: t.all }, ...Object.entries(o.catalogue.providerCategories).map(([code, n]) => ({ code, name: n[lang] }))].map((c) => {
      const own = med.find((r) => r.holderCategory === c.code);
      const effective = own ?? (c.code !== ANY ? blanket : undefined);
      const label = effective ? (effective.choice === 'ja' ? t.yes : t.no) : t.noChoice;
      return { ...c, own: own?.choice ?? 'none', effective: effective?.choice ?? 'none', label: `${label}${!own && effective ? ` (${t.viaAll})` : ''}` };
    });
  };

  /** "Apotheken: nee — door Peter Jansen (DigiD Machtigen)" from a consent.update record. */
  const describeChange = (c: AccessRecord, lang: Lang): string => {
    const t = T[lang];
    const holder = (c.object as { id?: string } | undefined)?.id?.split('/')[0] ?? '';
    const category = holder === ANY ? t.all : o.catalogue.providerCategories[holder]?.[lang] ?? holder;
    const choice = /consent '(ja|nee)'/.exec(c.object?.description ?? '')?.[1];
    const value = choice === 'ja' ? t.yes : choice === 'nee' ? t.no : t.noChoice;
    const by = c.actor?.kind === 'representative'
      ? `${lang === 'nl' ? 'uw vertegenwoordiger' : 'your representative'} (${c.actor.authentication?.means ?? ''})`
      : c.actor?.kind === 'patient' ? (lang === 'nl' ? 'uzelf' : 'yourself') : (c.actor?.userName ?? c.actor?.userId ?? '?');
    return `${category}: ${value} — ${lang === 'nl' ? 'door' : 'by'} ${by}`;
  };

  app.get(
    '/consent',
    loggedIn(async (req, res, { s, id, t, headers }) => {
      const [records, changes] = await Promise.all([
        o.lsp.consent(id.clientBsn),
        o.lsp.auditRecords({ patient: id.clientBsn, event: 'consent.update', limit: 50 }, headers).then((r) => r.records as AccessRecord[]),
      ]);
      const rows = consentRows(records, s.lang)
        .map((r) => `<tr data-holder="${esc(r.code)}" data-effective="${r.effective}"><td>${esc(r.name)}</td><td class="choice">${esc(r.label)}</td><td><form method="post" action="/consent"><input type="hidden" name="csrf" value="${esc(s.csrf)}"><input type="hidden" name="holderCategory" value="${esc(r.code)}"><select name="choice" aria-label="${esc(r.name)}">${(['ja', 'nee', 'none'] as const).map((c) => `<option value="${c}"${r.own === c ? ' selected' : ''}>${c === 'ja' ? t.yes : c === 'nee' ? t.no : t.noChoice}</option>`).join('')}</select> <button type="submit">${t.save}</button></form></td></tr>`)
        .join('');
      const saved = req.query.saved === '1' ? `<p class="ok" data-testid="saved">${t.saved}</p>` : '';
      const log = changes
        .slice()
        .reverse()
        .map((c) => `<li>${esc(formatWhen(c.startedAt, s.lang))}: ${esc(describeChange(c, s.lang))}</li>`)
        .join('');
      send(res, layout(s, t.consent, `${saved}<p>${t.consentIntro}</p><table class="consent" data-testid="consent"><tbody>${rows}</tbody></table>${log ? `<h2>${t.changes}</h2><ul data-testid="consent-changes">${log}</ul>` : ''}`));
    }),
  );

  app.post('/consent', async (req, res, next) => {
    const s = sessionOf(req, res, false);
    const refused = guardPost(req, s);
    if (refused) return void res.status(403).type('text').send(refused);
    if (!s?.identity) return void res.redirect(303, '/');
    try {
      const id = s.identity;
      const body = req.body as Record<string, unknown>;
      const holder = body.holderCategory;
      const choice = body.choice;
      if (typeof holder !== 'string' || (holder !== ANY && !o.catalogue.providerCategories[holder])) return void res.status(400).type('text').send('unknown care-provider category');
      if (choice !== 'ja' && choice !== 'nee' && choice !== 'none') return void res.status(400).type('text').send('choice must be ja, nee or none');
      const key = { bsn: id.clientBsn, holderCategory: holder, dataCategory: MEDICATION_DATA_CATEGORY, consulterCategory: ANY };
      const headers = actorHeaders(id, clientName(id.clientBsn));
      if (choice === 'none') {
        await o.lsp.withdrawConsent(key, headers).catch((e: unknown) => {
          if (!(e instanceof NodeApiError && e.status === 404)) throw e;
        });
      } else {
        await o.lsp.setConsent({ ...key, choice }, headers);
      }
      res.redirect(303, '/consent?saved=1');
    } catch (e) {
      next(e);
    }
  });

  app.post('/logout', (req, res) => {
    const s = sessionOf(req, res, false);
    if (guardPost(req, s)) return void res.status(403).type('text').send('refused');
    if (s) sessions.delete(s.id);
    res.append('set-cookie', `${COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
    res.redirect(303, '/');
  });

  app.get('/health', (_req, res) => void res.json({ status: 'UP' }));
  app.use((_req, res) => void res.status(404).type('text').send('not found'));
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    const unreachable = err instanceof NodeApiError || err instanceof LoginRefused;
    res.status(unreachable ? 502 : 500).type('html').send(renderLayout(undefined, 'Storing / Unavailable', `<p class="refused">${esc(unreachable ? err.message : 'internal error')}</p>`, o.clients));
  });

  return {
    app,
    listen(port = 0, host = '127.0.0.1'): Promise<{ url: string; close(): Promise<void> }> {
      return new Promise((resolve, reject) => {
        // express 5 also calls back with the error (a busy port): reject then, never read a null address
        const server: Server = app.listen(port, host, (err?: Error) => {
          if (err) return reject(err);
          const addr = server.address() as AddressInfo;
          resolve({ url: `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`, close: () => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }) });
        });
        server.on('error', reject);
      });
    },
  };
}

function renderLayout(s: Session | undefined, title: string, body: string, clients: Array<{ bsn: string; name: string }>): string {
  const lang = s?.lang ?? 'nl';
  const t = T[lang];
  const id = s?.identity;
  const who = id
    ? `<div class="who" data-testid="who">${t.loggedInAs} ${esc(id.means)} (${esc(id.level)})${id.representative ? ` — ${t.actingFor} <strong data-testid="acting-for">${esc(clients.find((c) => c.bsn === id.clientBsn)?.name ?? id.clientBsn)}</strong> (${esc(id.representative.service.name)})` : ` — <strong>${esc(clients.find((c) => c.bsn === id.clientBsn)?.name ?? '')}</strong>`}
<nav><a href="/overview">${t.overview}</a> · <a href="/consent">${t.consent}</a> · <form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" value="${esc(s!.csrf)}"><button type="submit">${t.logout}</button></form></nav></div>`
    : '';
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:52rem;margin:1.5rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.45}
header{display:flex;justify-content:space-between;align-items:center;border-bottom:3px solid #01689b;padding-bottom:.4rem}
h1{font-size:1.35rem}.who{background:#eef5fa;padding:.6rem .8rem;border-radius:6px;margin:.8rem 0}.inline{display:inline}
.accesses li{margin:.5rem 0}.accesses li.refused .text{color:#8a4b00}.muted{color:#666;font-size:.85rem}.refused{color:#a40000}
.ok{color:#1a6b1a}table.consent td{padding:.35rem .6rem;border-bottom:1px solid #ddd}a.button,button{background:#01689b;color:#fff;border:0;border-radius:4px;padding:.45rem .9rem;text-decoration:none;font-size:1rem;cursor:pointer}
details code{font-size:.8rem;word-break:break-all}</style></head>
<body><header><strong>nuts-lsp-lab — ${esc(t.title)}</strong><span><a href="/?lang=nl">NL</a> | <a href="/?lang=en">EN</a></span></header>${who}<h1>${esc(title)}</h1>${body}</body></html>`;
}
