// Public face of the dashboard: the server factory, its option and event types, and the demo-data wiring.
export { createDashboard, type Dashboard } from './server.js';
export { createFakeDashboardOptions } from './fake.js';
export type * from './types.js';
