// `npm start`: runs the local network in one process until Ctrl-C.
import { startNetwork, summary } from './network.js';

const reset = process.argv.includes('--reset');
try {
  const net = await startNetwork({ reset });
  process.stdout.write(summary(net) + '\n');
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping…\n`);
    await net.stop();
    process.stdout.write('stopped.\n');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
} catch (e) {
  process.stderr.write(`nuts-lsp-lab: ${(e as Error).message}\n`);
  process.exit(1);
}
