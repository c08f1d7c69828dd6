// Public face of the policy capability.
export { PolicyEngine } from './module.js';
export { PolicyStore, ScopeError, loadPolicies, RESERVED_CLAIMS, WALLET_OWNER_TYPES, type CredentialProfile, type WalletOwnerType } from './policy.js';
