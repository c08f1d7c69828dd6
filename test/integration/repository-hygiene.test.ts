// Repository hygiene: no absolute path of any machine in a committed file (a clone elsewhere must work as it is).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');
/** a home or work directory of some machine (the work root, a home directory on Linux, macOS or Windows, root's home) */
const MACHINE_PATH = /(^|[\s'"`(=:,[])(\/work\/|\/home\/[\w.-]+\/|\/Users\/[\w.-]+\/|\/root\/|[A-Za-z]:\\Users\\)/;

describe('repository hygiene', () => {
  it('no committed file names an absolute machine path', () => {
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter((f) => f && f !== 'package-lock.json');
    expect(files.length).toBeGreaterThan(100);
    const hits: string[] = [];
    for (const f of files) {
      let text: string;
      try {
        text = readFileSync(path.join(root, f), 'utf8');
      } catch {
        continue; // deleted in the working tree
      }
      if (text.includes('\0')) continue; // binary
      text.split('\n').forEach((line, i) => {
        if (MACHINE_PATH.test(line)) hits.push(`${f}:${i + 1}: ${line.trim().slice(0, 120)}`);
      });
    }
    expect(hits).toEqual([]);
  });

  it('the pattern catches what it is for', () => {
    // assembled here, so that this file does not hold what it looks for
    const slash = '/';
    for (const bad of [`const p = '${slash}work/shared/external'`, `see ${slash}home/alice/project`, `cd ${slash}Users/bob/x`, `C:${'\\'}Users${'\\'}carol${'\\'}lab`]) expect(MACHINE_PATH.test(bad), bad).toBe(true);
    for (const ok of ['../shared/external', 'https://example.org/work/x', '/tmp/nll-test-pg', 'node/src/work/']) expect(MACHINE_PATH.test(ok), ok).toBe(false);
  });
});
