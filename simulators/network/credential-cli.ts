// `nuts-lsp-lab credential issue|verify|list`: the node's internal VCR API over HTTP, for people and scripts.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { body, nodeClient, type NodeClient } from '../../node/src/api-client/index.js';
import { CliError, DEFAULT_NODE, cliCall, usageError } from './exit.js';

/** The node's internal API; a node out of reach is exit 3, a refusal exit 1 (cliCall). */
const nodeApi = (url: string) => nodeClient(url, { label: 'node', timeoutMs: 60_000 });

/** A subject id becomes its DID through the node; a DID stays as it is. */
async function didOf(node: NodeClient, subjectOrDid: string): Promise<string> {
  if (subjectOrDid.startsWith('did:')) return subjectOrDid;
  const dids = await cliCall(body(node.GET('/internal/vdr/v2/subject/{id}', { params: { path: { id: subjectOrDid } } })));
  if (!dids[0]) throw new CliError(`subject '${subjectOrDid}' has no DID`);
  return dids[0];
}

/** A file that cannot be read or is not a credential is a usage error (exit 2), before any call to the node. */
function readCredential(source: string): string | Record<string, unknown> {
  let text: string;
  try {
    text = (source === '-' ? readFileSync(0, 'utf8') : readFileSync(source, 'utf8')).trim();
  } catch (e) {
    throw usageError(`cannot read credential file ${source}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    if (text.startsWith('{')) return JSON.parse(text) as Record<string, unknown>;
    // a JSON string (as the issue API returns a JWT) or a bare JWT
    return text.startsWith('"') ? (JSON.parse(text) as string) : text;
  } catch (e) {
    throw usageError(`${source} is not a credential (JSON or JWT): ${(e as Error).message}`);
  }
}

function summarise(vc: string | Record<string, unknown>): { id?: string; types: string[]; issuer: string; subject?: string; expires?: string } {
  const doc = typeof vc === 'string' ? (JSON.parse(Buffer.from(vc.split('.')[1]!, 'base64url').toString()) as Record<string, any>) : vc; // eslint-disable-line @typescript-eslint/no-explicit-any
  const v = typeof vc === 'string' ? doc.vc : doc;
  const issuer = typeof vc === 'string' ? doc.iss : typeof v.issuer === 'string' ? v.issuer : v.issuer?.id;
  const exp = typeof vc === 'string' ? (doc.exp ? new Date(doc.exp * 1000).toISOString() : undefined) : v.expirationDate;
  return { id: typeof vc === 'string' ? doc.jti : v.id, types: [v.type].flat().filter((t: string) => t !== 'VerifiableCredential'), issuer, subject: typeof vc === 'string' ? doc.sub : v.credentialSubject?.id, ...(exp ? { expires: exp } : {}) };
}

function run(fn: () => Promise<number>): () => Promise<void> {
  return async () => {
    try {
      process.exitCode = await fn();
    } catch (e) {
      if (!(e instanceof CliError)) throw e;
      process.stderr.write(`nuts-lsp-lab: ${e.message}\n`);
      process.exitCode = e.exitCode;
    }
  };
}

export function credentialCommands(program: Command): void {
  const cred = program.command('credential').description("issue, verify and list credentials through a node's internal VCR API");

  cred
    .command('issue')
    .description('issue a credential (POST /internal/vcr/v2/issuer/vc); prints it')
    .option('--node <url>', 'internal API of the node', DEFAULT_NODE)
    .requiredOption('--issuer <subject|did>', 'issuing subject (id or DID)')
    .requiredOption('--type <type>', 'credential type, e.g. NutsUraCredential, X509Credential')
    .requiredOption('--subject <did>', 'DID the credential is about (credentialSubject.id)')
    .option('--claims <json>', 'credentialSubject claims besides id, as JSON', '{}')
    .option('--format <format>', 'jwt_vc or ldp_vc', 'jwt_vc')
    .option('--revocable', 'add a StatusList2021 entry')
    .option('--days <n>', 'validity in days (expirationDate)', '365')
    .option('--json', 'print {credential, id, issuer, …} as JSON')
    .action((opts: { node: string; issuer: string; type: string; subject: string; claims: string; format: string; revocable?: boolean; days: string; json?: boolean }) =>
      run(async () => {
        let claims: Record<string, unknown>;
        try {
          claims = JSON.parse(opts.claims) as Record<string, unknown>;
        } catch (e) {
          throw usageError(`--claims is not JSON: ${(e as Error).message}`);
        }
        const days = Number(opts.days);
        if (!Number.isFinite(days) || days <= 0) throw usageError(`--days must be a positive number, got '${opts.days}'`);
        const node = nodeApi(opts.node);
        const issuer = await didOf(node, opts.issuer);
        const vc = (await cliCall(body(node.POST('/internal/vcr/v2/issuer/vc', { body: {
          type: opts.type,
          issuer,
          format: opts.format as 'jwt_vc' | 'ldp_vc',
          credentialSubject: { ...claims, id: opts.subject },
          expirationDate: new Date(Date.now() + days * 86_400_000).toISOString(),
          ...(opts.revocable ? { withStatusList2021Revocation: true } : {}),
        } })))) as string | Record<string, unknown>;
        process.stdout.write((opts.json ? JSON.stringify({ credential: vc, ...summarise(vc) }, null, 2) : typeof vc === 'string' ? vc : JSON.stringify(vc, null, 2)) + '\n');
        return 0;
      })(),
    );

  cred
    .command('verify <file>')
    .description('verify a credential from a file, or - for stdin (POST /internal/vcr/v2/verifier/vc); exit 0 valid, 1 invalid')
    .option('--node <url>', 'internal API of the node', DEFAULT_NODE)
    .option('--require-trusted', "also require the issuer on the node's trust list (/verifier/trust)")
    .option('--json', 'print the verification result as JSON')
    .action((file: string, opts: { node: string; requireTrusted?: boolean; json?: boolean }) =>
      run(async () => {
        const vc = readCredential(file);
        const r = await cliCall(body(nodeApi(opts.node).POST('/internal/vcr/v2/verifier/vc', { body: { verifiableCredential: vc, verificationOptions: { allowUntrustedIssuer: !opts.requireTrusted } } })));
        let about: ReturnType<typeof summarise> | undefined;
        try {
          about = summarise(vc);
        } catch {
          about = undefined;
        }
        if (opts.json) process.stdout.write(JSON.stringify({ ...r, ...(about ? { credential: about } : {}) }, null, 2) + '\n');
        else process.stdout.write(r.validity ? `valid: ${about?.types.join(', ')} issued by ${about?.issuer} about ${about?.subject}\n` : `invalid (${r.reason}): ${r.message}\n`);
        return r.validity ? 0 : 1;
      })(),
    );

  cred
    .command('list')
    .description("list the credentials in a subject's wallet (GET /internal/vcr/v2/holder/{subject}/vc)")
    .option('--node <url>', 'internal API of the node', DEFAULT_NODE)
    .requiredOption('--subject <subject>', 'wallet owner (subject id)')
    .option('--json', 'print the credentials as JSON')
    .action((opts: { node: string; subject: string; json?: boolean }) =>
      run(async () => {
        const list = (await cliCall(body(nodeApi(opts.node).GET('/internal/vcr/v2/holder/{subjectID}/vc', { params: { path: { subjectID: opts.subject } } })))) as Array<string | Record<string, unknown>>;
        if (opts.json) process.stdout.write(JSON.stringify(list, null, 2) + '\n');
        else if (!list.length) process.stdout.write(`the wallet of '${opts.subject}' is empty\n`);
        else for (const vc of list) {
          const s = summarise(vc);
          process.stdout.write(`${s.types.join(',')}  issuer ${s.issuer}${s.expires ? `  expires ${s.expires}` : ''}  id ${s.id ?? '-'}\n`);
        }
        return 0;
      })(),
    );
}
