// Resolves files under the shared folder next to the repository (../shared), falling back to /work/shared for worktrees.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function sharedPath(...parts: string[]): string {
  const beside = path.resolve(repoRoot, '..', 'shared', ...parts);
  return existsSync(beside) ? beside : path.join('/work/shared', ...parts);
}
