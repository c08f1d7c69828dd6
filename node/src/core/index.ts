// Public face of the node core.
export * from './errors.js';
export * from './config.js';
export * from './context.js';
export * from './engine.js';
export * from './http.js';
export * from './logger.js';
export { parseBody } from './validation.js';
export { PACKAGE_ROOT, PACKAGE_VERSION, packagePath } from './paths.js';
export { OutgoingHttp, type OutgoingOptions, type OutgoingLimits } from './outgoing.js';
export { HttpEngine, PortInUseError } from './http-engine.js';
