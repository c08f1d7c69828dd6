// `nuts-lsp-lab data import|list|export`: a supplier's own clients and medication into the mock LSP's source systems,
// over the LSP's internal API (POST/GET /internal/lsp/v1/data).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { CONSENT_SETTINGS, DataFolderError, MAPPING_FILE, readData, type ConsentSetting, type SourceRef } from '../lsp/data-folder.js';
import type { ImportResult } from '../lsp/data.js';
import { CliError, EXIT, checkBsn, cliCall, usageError } from './exit.js';
import { body } from '../../node/src/api-client/index.js';
import { lspClient } from '../shared/node-api.js';

import type { Io } from '../shared/io.js';

const DEFAULT_LSP = 'http://127.0.0.1:9081';

/** The LSP's data API; an import of many resources may take a while. Out of reach is exit 3, a refusal exit 1 (cliCall). */
const lspApi = (url: string) => lspClient(url, { label: 'LSP', timeoutMs: 60_000 });

export function addDataCommands(program: Command, io: Io): void {
  const data = program.command('data').description("own clients and medication in the mock LSP's source systems: import, list, export");

  data
    .command('import')
    .description(
      `import FHIR resources or Bundles (JSON, or XML) from a file or folder into the LSP's sources: each resource goes to the source of its building block (MA/WDS/VV the prescriber, TA/MVE the pharmacy, MGB/MTD the VVT organisation) unless --source or a ${MAPPING_FILE} says otherwise; the patients are registered at the reference index and their consent recorded`,
    )
    .argument('<path>', 'a file or a folder (read recursively; its mapping.json applies)')
    .option('--lsp <url>', "the mock LSP's internal API", DEFAULT_LSP)
    .option('--source <id>', 'put everything in this source system (see `data list`)')
    .option('--mapping <file>', `mapping file (default <folder>/${MAPPING_FILE}): {"source"|"blocks"|"files"|"consent"}`)
    .addOption(new Option('--consent <choice>', "consent to record for the imported patients (Mitz: 'none' means no choice, which means no)").choices([...CONSENT_SETTINGS]))
    .option('--dry-run', 'read and check only; print what would be imported')
    .option('--json', 'print the result as JSON')
    .action(async (target: string, opts: { lsp: string; source?: string; mapping?: string; consent?: ConsentSetting; dryRun?: boolean; json?: boolean }) => {
      // the LSP's sources first: every assignment is checked against them before anything is sent
      const lsp = lspApi(opts.lsp);
      const sources: Array<SourceRef & { name: string }> = await cliCall(body(lsp.GET('/internal/lsp/v1/sources')));
      let batches;
      try {
        batches = readData(target, { sources, source: opts.source, mapping: opts.mapping, consent: opts.consent });
      } catch (e) {
        if (e instanceof DataFolderError) throw usageError(e.message);
        throw e;
      }
      if (opts.dryRun) {
        const plan = batches.map((b) => ({ source: b.source, file: b.origin[0], resources: b.resources.length, consent: b.consent }));
        io.out(opts.json ? JSON.stringify(plan, null, 2) : plan.map((p) => `${p.source.padEnd(26)} ${String(p.resources).padStart(4)} resources  consent ${p.consent}  from ${p.file}`).join('\n'));
        return;
      }
      const results: ImportResult[] = [];
      for (const b of batches) results.push(await cliCall(body(lsp.POST('/internal/lsp/v1/data', { body: { source: b.source, consent: b.consent, resources: b.resources } }))));
      if (opts.json) return io.out(JSON.stringify(results, null, 2));
      for (const r of results) io.out(`✓ ${r.source.padEnd(26)} ${String(r.resources).padStart(4)} resources  patients ${r.patients.map((p) => `${p.bsn}${p.name ? ` (${p.name})` : ''}`).join(', ')}  ${r.registrations} reference-index registrations  consent ${r.consent}`);
    });

  data
    .command('list')
    .description('what the LSP’s source systems hold: patients (BSN, name, consent) and resource counts per source')
    .option('--lsp <url>', "the mock LSP's internal API", DEFAULT_LSP)
    .option('--json', 'print JSON')
    .action(async (opts: { lsp: string; json?: boolean }) => {
      const list = await cliCall(body(lspApi(opts.lsp).GET('/internal/lsp/v1/data')));
      if (opts.json) return io.out(JSON.stringify(list, null, 2));
      for (const s of list) {
        io.out(`${s.source} — ${s.name}: ${Object.entries(s.counts).map(([t, n]) => `${n} ${t}`).join(', ') || 'empty'}`);
        for (const p of s.patients) io.out(`    ${p.bsn}  ${(p.name ?? '').padEnd(24)} consent ${p.consent ?? 'as recorded'}`);
      }
    });

  data
    .command('export')
    .description(`dump what the sources hold as one transaction Bundle per source, with a ${MAPPING_FILE}: importing the folder again restores it`)
    .option('--lsp <url>', "the mock LSP's internal API", DEFAULT_LSP)
    .option('--source <id>', 'only this source system')
    .option('--bsn <bsn>', "only this patient's data (and the context it points at)")
    .option('--out <dir>', 'write <source>.json files and mapping.json into this folder (default: print one JSON object on stdout)')
    .action(async (opts: { lsp: string; source?: string; bsn?: string; out?: string }) => {
      if (opts.bsn) checkBsn(opts.bsn);
      const bundles = await cliCall(body(lspApi(opts.lsp).GET('/internal/lsp/v1/data/export', { params: { query: { source: opts.source, bsn: opts.bsn } } })));
      if (!Object.keys(bundles).length) throw new CliError(`nothing to export${opts.bsn ? ` for BSN ${opts.bsn}` : ''}`, EXIT.failed);
      if (!opts.out) return io.out(JSON.stringify(bundles, null, 2));
      mkdirSync(opts.out, { recursive: true });
      const files: Record<string, string> = {};
      for (const [source, bundle] of Object.entries(bundles)) {
        writeFileSync(path.join(opts.out, `${source}.json`), JSON.stringify(bundle, null, 2) + '\n');
        files[`${source}.json`] = source;
      }
      writeFileSync(path.join(opts.out, MAPPING_FILE), JSON.stringify({ files }, null, 2) + '\n');
      io.out(`exported ${Object.keys(bundles).length} source(s) to ${opts.out}`);
    });
}
