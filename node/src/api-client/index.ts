// Public surface of the typed internal-API client: what the CLI, the simulators and a supplier's own code import.
export { nodeClient, createApiClient, body, type ApiClient, type ApiClientOptions, type NodeClient, type NodeInternalPaths } from './client.js';
export { NodeApiError, type NodeApiErrorInit, type OAuthError, type Problem } from './errors.js';
