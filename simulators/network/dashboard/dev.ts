// Dev wiring: the dashboard on demo data (an in-process fake of node and LSP driven by the real ECD client). `npx tsx simulators/network/dashboard/dev.ts [port]`
import { createDashboard } from './server.js';
import { createFakeDashboardOptions } from './fake.js';

const port = Number(process.argv[2] ?? process.env.PORT ?? 8000);
const dashboard = createDashboard(createFakeDashboardOptions());
const { url, close } = await dashboard.listen(port, process.env.HOST ?? '127.0.0.1');
process.stdout.write(`dashboard (demo data) at ${url}\n`);
const stop = () => void close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
