// Public surface of the typed internal-API client: what the CLI, the simulators and a supplier's own code import.
export { nodeClient, createApiClient, body, type ApiClient, type ApiClientOptions, type NodeClient, type NodeInternalPaths } from './client.js';
export { NodeApiError, type NodeApiErrorInit, type OAuthError, type Problem } from './errors.js';
// request/response schemas per API, generated from node/api/*.yaml (e.g. `AuditApi['schemas']['VerifyResult']`)
export type { components as AuditApi } from '../../api/generated/audit-v1.js';
export type { components as AuthApi } from '../../api/generated/auth-v2.js';
export type { components as DiscoveryApi } from '../../api/generated/discovery-v1.js';
export type { components as MonitoringApi } from '../../api/generated/monitoring-v1.js';
export type { components as PkiApi } from '../../api/generated/pki-v1.js';
export type { components as VcrApi } from '../../api/generated/vcr-v2.js';
export type { components as VdrApi } from '../../api/generated/vdr-v2.js';
