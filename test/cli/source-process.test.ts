// The source process never outlives the LSP that started it: parent killed (SIGTERM, SIGINT, SIGKILL), Ctrl-C to the
// process group, parent crash, parent stopping it on SIGTERM. Each parent is test/fixtures/source-host-parent.ts.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';

const PARENT = new URL('../fixtures/source-host-parent.ts', import.meta.url).pathname;
const spawned: number[] = [];
afterAll(() => {
  for (const pid of spawned) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number, withinMs = 10_000): Promise<boolean> {
  const until = Date.now() + withinMs;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** Starts the fixture parent (its own process group, as a terminal would run it); resolves with the source process's pid. */
async function parent(mode: 'wait' | 'crash' | 'graceful') {
  const child = spawn(process.execPath, ['--import', 'tsx', PARENT, mode], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  spawned.push(child.pid!);
  let err = '';
  child.stderr.on('data', (c) => (err += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', () => reject(new Error(`the fixture parent exited before it started its sources: ${err}`)));
  });
  const { pid, bases } = JSON.parse(line) as { pid: number; bases: string[] };
  spawned.push(pid);
  return { parent: child, pid, bases, exited, stderr: () => err };
}

describe.concurrent('source process and its parent', () => {
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGKILL'] as const) {
    it(`does not outlive its parent killed by ${signal}`, async () => {
      const p = await parent('wait');
      expect(alive(p.pid)).toBe(true);
      process.kill(p.parent.pid!, signal);
      await p.exited;
      expect(await gone(p.pid)).toBe(true);
    });
  }

  it('does not outlive a Ctrl-C to the whole process group', async () => {
    const p = await parent('wait');
    process.kill(-p.parent.pid!, 'SIGINT');
    await p.exited;
    expect(await gone(p.pid)).toBe(true);
  });

  it('does not outlive a parent that crashes', async () => {
    const p = await parent('crash');
    expect(await p.exited).not.toBe(0);
    expect(p.stderr()).toContain('the parent crashes');
    expect(await gone(p.pid)).toBe(true);
  });

  it('is stopped by a parent that stops it on SIGTERM, which then exits on its own', async () => {
    const p = await parent('graceful');
    process.kill(p.parent.pid!, 'SIGTERM');
    expect(await p.exited).toBe(0);
    expect(await gone(p.pid)).toBe(true);
  });
});
