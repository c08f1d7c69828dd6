// Public face of the discovery capability (RFC022 server and client).
export { DiscoveryEngine, type DiscoveryOptions } from './module.js';
export { DiscoveryServer, RETRACTED_TYPE, type PresentationsResponse } from './server.js';
export { DiscoveryClient, matchesQuery, REGISTRATION_TYPE, type SearchResult } from './client.js';
export { loadServiceDefinitions, parseServiceDefinition, type ServiceDefinition } from './definitions.js';
export { discoveryServerRouter } from './api/public.js';
export { discoveryClientRouter } from './api/internal.js';
