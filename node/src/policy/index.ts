// Public face of the policy capability.
export { PolicyEngine } from './module.js';
export { ScopeError } from './errors.js';
export { PolicyStore, loadPolicies, RESERVED_CLAIMS, WALLET_OWNER_TYPES, type CredentialProfile, type WalletOwnerType } from './policy.js';
