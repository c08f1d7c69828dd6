// Discovery service definitions pointed at the lab's discovery server (the mock LSP): the shipped ones name a default
// endpoint, while a network on other hosts or ports (npm start, docker compose, tests) needs the server's real URL.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadServiceDefinitions } from '../../node/src/discovery/index.js';
import { type NodeConfig, nodeDataDir, packagePath } from '../../node/src/core/index.js';

/** The definitions shipped with the lab. */
export const SHIPPED_DEFINITIONS = packagePath('credentials', 'discovery');

/**
 * Writes the definitions of `from` to `to` with endpoint `<serverUrl>/discovery/<id>` (only for `ids` when given; the
 * others are copied as they are). Returns the ids that now point at the server.
 */
export function pointDefinitionsAt(o: { from: string; to: string; serverUrl: string; ids?: string[] }): string[] {
  const defs = loadServiceDefinitions(o.from);
  if (!defs.size) throw new Error(`no discovery service definitions in ${o.from}`);
  const unknown = (o.ids ?? []).filter((id) => !defs.has(id));
  if (unknown.length) throw new Error(`discovery service(s) ${unknown.join(', ')} not defined in ${o.from}`);
  mkdirSync(o.to, { recursive: true });
  const pointed: string[] = [];
  for (const def of defs.values()) {
    const point = !o.ids || o.ids.includes(def.id);
    const out = point ? { ...def, endpoint: `${o.serverUrl.replace(/\/+$/, '')}/discovery/${def.id}` } : def;
    writeFileSync(path.join(o.to, `${def.id}.json`), JSON.stringify(out, null, 2));
    if (point) pointed.push(def.id);
  }
  return pointed;
}

/**
 * Points a node's configured definitions at `serverUrl`: written under the node's data directory, which becomes its
 * discovery directory (the configured one is only read).
 */
export function pointNodeAt(config: NodeConfig, serverUrl: string, ids?: string[]): string[] {
  const to = path.join(nodeDataDir(config), 'discovery');
  const pointed = pointDefinitionsAt({ from: config.discovery.directory, to, serverUrl, ids });
  config.discovery.directory = to;
  return pointed;
}
