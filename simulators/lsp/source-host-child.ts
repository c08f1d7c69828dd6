// The source process (source-host.ts): runs the simulated source systems and answers the LSP over the IPC channel;
// it ends when the channel closes, so it never outlives the LSP.
import { SimulatedSource, type SourceConfig } from './sources.js';
import type { HostReply, HostRequest } from './source-host.js';

if (!process.send) {
  process.stderr.write('source-host-child: started without an IPC channel; the LSP starts this process (simulators/lsp/source-host.ts)\n');
  process.exit(2);
}

let sources: SimulatedSource[] = [];
let stopping: Promise<void> | undefined;

const stopAll = () =>
  (stopping ??= (async () => {
    for (const s of sources) await s.stop().catch(() => {});
    sources = [];
  })());

async function answer(m: HostRequest): Promise<unknown> {
  switch (m.op) {
    case 'start': {
      sources = m.sources.map((c: SourceConfig) => new SimulatedSource(c, m.secret));
      await Promise.all(sources.map((s) => s.start()));
      return sources.map((s) => s.fhirBase);
    }
    case 'stop':
      await stopAll();
      return undefined;
    case 'call': {
      const s = sources.find((x) => x.config.id === m.source);
      if (!s) throw new Error(`no source '${m.source}' in this process`);
      return await (s[m.method] as (...a: unknown[]) => Promise<unknown>).apply(s, m.args);
    }
  }
}

process.on('message', (m: HostRequest) => {
  answer(m).then(
    (value) => reply({ id: m.id, ok: true, value }),
    (e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      // own enumerable fields (status, code, issue …) travel with the message, so the LSP sees the error as raised
      reply({ id: m.id, ok: false, error: { ...structuredCloneable(err), name: err.name, message: err.message } });
    },
  );
});

function reply(r: HostReply): void {
  if (process.connected) process.send!(r);
}

function structuredCloneable(e: Error): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    try {
      structuredClone(v);
      out[k] = v;
    } catch {
      // a field that cannot cross the channel stays behind
    }
  }
  return out;
}

// the LSP decides when the sources stop: a Ctrl-C reaches both, and the LSP stops this process over the channel
process.on('SIGINT', () => {});
process.on('SIGTERM', () => void stopAll().then(() => process.exit(0)));
// the channel closes when the LSP stops it, exits, crashes or is killed
process.on('disconnect', () => void stopAll().then(() => process.exit(0)));
