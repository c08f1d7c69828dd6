// Lifecycle contract every capability engine follows: configure, start, stop (reverse order), health.
export interface HealthStatus {
  status: 'UP' | 'DOWN';
  details?: unknown;
}

export interface Engine {
  readonly name: string;
  configure?(): Promise<void> | void;
  start?(): Promise<void> | void;
  stop?(): Promise<void> | void;
  health?(): Promise<HealthStatus> | HealthStatus;
}

/** Starts engines in order and stops them in reverse; a failed start stops what already started. */
export class EngineSet {
  private started: Engine[] = [];
  constructor(readonly engines: Engine[]) {}

  async configure(): Promise<void> {
    for (const e of this.engines) await e.configure?.();
  }

  async start(): Promise<void> {
    for (const e of this.engines) {
      try {
        await e.start?.();
        this.started.push(e);
      } catch (err) {
        await this.stop();
        throw err;
      }
    }
  }

  async stop(): Promise<void> {
    const errors: unknown[] = [];
    for (const e of [...this.started].reverse()) {
      try {
        await e.stop?.();
      } catch (err) {
        errors.push(err);
      }
    }
    this.started = [];
    if (errors.length) throw new AggregateError(errors, `stopping engines failed: ${errors.map(String).join('; ')}`);
  }

  async health(): Promise<HealthStatus & { details: Record<string, HealthStatus> }> {
    const details: Record<string, HealthStatus> = {};
    for (const e of this.engines) {
      if (!e.health) continue;
      try {
        details[e.name] = await e.health();
      } catch (err) {
        details[e.name] = { status: 'DOWN', details: (err as Error).message };
      }
    }
    const status = Object.values(details).every((d) => d.status === 'UP') ? 'UP' : 'DOWN';
    return { status, details };
  }
}
