// Where upstream material lives: ../shared/external next to the repository root, or /work/shared/external for worktrees.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function externalDir(...parts: string[]): string {
  const near = path.resolve(repoRoot, '..', 'shared', 'external');
  return path.join(existsSync(near) ? near : '/work/shared/external', ...parts);
}
