// Locates upstream material (../shared/external from the repository root, or /work/shared/external from a worktree).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const EXTERNAL_DIR = [path.resolve(repoRoot, '..', 'shared', 'external'), '/work/shared/external'].find((d) => existsSync(d)) ?? path.resolve(repoRoot, '..', 'shared', 'external');

export function externalPath(...parts: string[]): string {
  return path.join(EXTERNAL_DIR, ...parts);
}

export function readExternalJson<T = any>(...parts: string[]): T { // eslint-disable-line @typescript-eslint/no-explicit-any
  return JSON.parse(readFileSync(externalPath(...parts), 'utf8')) as T;
}
