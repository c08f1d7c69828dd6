// Policy engine: loads the policy directory at configure time, so a broken or duplicate policy stops the node before it listens.
import type { Engine, HealthStatus } from '../core/engine.js';
import { loadPolicies, type PolicyStore } from './policy.js';

export class PolicyEngine implements Engine {
  readonly name = 'policy';
  private loaded?: PolicyStore;

  constructor(private readonly directory: string) {}

  configure(): void {
    this.loaded = loadPolicies(this.directory);
  }

  get policies(): PolicyStore {
    this.loaded ??= loadPolicies(this.directory);
    return this.loaded;
  }

  health(): HealthStatus {
    return { status: 'UP', details: { scopes: this.policies.scopes } };
  }
}
