// Locates upstream material in ../shared/external (relative to the repository root), falling back to /work/shared/external.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function externalDir(): string {
  const rel = path.resolve(repoRoot, '..', 'shared', 'external');
  return existsSync(rel) ? rel : '/work/shared/external';
}

export function readExternalJson<T = unknown>(...parts: string[]): T {
  return JSON.parse(readFileSync(path.join(externalDir(), ...parts), 'utf8')) as T;
}

export { repoRoot };
