// Every npm script points at something that exists: each runs with --help (or its dry mode) and answers 0 with output.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');
const scripts = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
/** scripts that only chain others, or would change the working tree (prepack builds dist/): checked through what they call */
const CHAINED: Record<string, string> = { prepack: 'build' };

function npmRun(name: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('npm', ['run', '--silent', name, '--', ...args], { cwd: root, timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout + stderr });
    });
  });
}

describe('npm scripts', () => {
  it('the known scripts are there, and chained ones name a script that exists', () => {
    for (const s of ['start', 'node', 'build', 'typecheck', 'test', 'test:cli', 'test:install', 'test:pg', 'test:browser', 'bench']) expect(scripts[s], s).toBeDefined();
    // --help returns before a tool reads its config or project file: those must exist themselves
    for (const [s, cmd] of Object.entries(scripts)) for (const m of cmd.matchAll(/(?:--config|-p) (\S+)/g)) expect(existsSync(path.join(root, m[1]!)), `${s}: ${m[1]}`).toBe(true);
    for (const [s, target] of Object.entries(CHAINED)) {
      expect(scripts[s], s).toContain(`npm run ${target}`);
      expect(scripts[target], target).toBeDefined();
    }
  });

  for (const name of Object.keys(scripts).filter((s) => !(s in CHAINED))) {
    it(`npm run ${name} -- --help answers 0`, async () => {
      const r = await npmRun(name, ['--help']);
      expect(r.code, r.out).toBe(0);
      expect(r.out.trim().length, r.out).toBeGreaterThan(20);
      expect(r.out).not.toMatch(/Cannot find module|ENOENT|ERR_MODULE_NOT_FOUND/);
    });
  }
});
