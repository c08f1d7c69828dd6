// Where the package's data files (credentials/, fhir-profiles/, simulators/lsp/config, …) live: the directory of the
// nuts-lsp-lab package.json above this file, so they are found from a clone (sources) and from an installed build (dist/).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'nuts-lsp-lab') return dir;
      } catch {
        // an unreadable package.json on the way up is not ours
      }
    }
    if (path.dirname(dir) === dir) throw new Error(`nuts-lsp-lab: no package.json of nuts-lsp-lab above ${from}`);
  }
}

export const PACKAGE_ROOT = findPackageRoot(import.meta.dirname);

/** A file or directory shipped with the package, e.g. packagePath('credentials', 'roles.json'). */
export const packagePath = (...parts: string[]): string => path.join(PACKAGE_ROOT, ...parts);

/** The package version (package.json), shown by --version and /status/diagnostics. */
export const PACKAGE_VERSION = (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
