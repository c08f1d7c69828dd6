// Resolves the shared folder next to the repository (../shared: the design notes and the upstream material, "the
// judges"). A clone without it still passes `npm test`: what needs it skips with one line naming the folder, unless
// NLL_REQUIRE_SHARED=1 (.ci/run sets it when ../shared exists), which turns that skip into a failure.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** ../shared next to the repository root (worktrees reach it the same way, through a symlink); NLL_SHARED_DIR points elsewhere (the clean-machine test points it at nothing). */
export const SHARED_DIR = path.resolve(repoRoot, process.env.NLL_SHARED_DIR ?? path.join('..', 'shared'));

export function sharedPath(...parts: string[]): string {
  return path.join(SHARED_DIR, ...parts);
}

const reported = new Set<string>();

/**
 * True when ../shared/<parts> is absent: the caller skips (`describe.skipIf(sharedMissing('external', 'nuts-node'))`)
 * and one line naming the folder is printed. With NLL_REQUIRE_SHARED=1 an absent folder throws, so the suite fails.
 */
export function sharedMissing(...parts: string[]): boolean {
  const dir = sharedPath(...parts);
  if (existsSync(dir)) return false;
  const name = path.join('..', 'shared', ...parts);
  if (process.env.NLL_REQUIRE_SHARED === '1') throw new Error(`${name} is required (NLL_REQUIRE_SHARED=1) but absent at ${dir}`);
  if (!reported.has(name)) {
    reported.add(name);
    process.stderr.write(`skipped: needs ${name} (upstream material next to the repository; absent here)\n`);
  }
  return true;
}
