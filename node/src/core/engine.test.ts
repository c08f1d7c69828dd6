import { describe, expect, it } from 'vitest';
import { EngineSet, type Engine } from './engine.js';

const recorder = () => {
  const log: string[] = [];
  const make = (name: string, failStart = false): Engine => ({
    name,
    configure: () => void log.push(`configure ${name}`),
    start: () => {
      if (failStart) throw new Error(`${name} broke`);
      log.push(`start ${name}`);
    },
    stop: () => void log.push(`stop ${name}`),
    health: () => ({ status: name === 'sick' ? 'DOWN' : 'UP' }),
  });
  return { log, make };
};

describe('engine lifecycle', () => {
  it('starts in order and stops in reverse order', async () => {
    const { log, make } = recorder();
    const set = new EngineSet([make('store'), make('crypto'), make('http')]);
    await set.configure();
    await set.start();
    await set.stop();
    expect(log).toEqual(['configure store', 'configure crypto', 'configure http', 'start store', 'start crypto', 'start http', 'stop http', 'stop crypto', 'stop store']);
  });

  it('stops what already started when a later engine fails to start', async () => {
    const { log, make } = recorder();
    const set = new EngineSet([make('store'), make('crypto'), make('http', true)]);
    await expect(set.start()).rejects.toThrow('http broke');
    expect(log).toEqual(['start store', 'start crypto', 'stop crypto', 'stop store']);
  });

  it('reports DOWN when one engine is down, naming it', async () => {
    const { make } = recorder();
    const h = await new EngineSet([make('store'), make('sick')]).health();
    expect(h.status).toBe('DOWN');
    expect(h.details.sick).toEqual({ status: 'DOWN' });
  });
});
