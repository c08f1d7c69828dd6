// pino logger that stamps every line with the current request id and trace id.
import { pino, type Logger } from 'pino';
import { currentContext } from './context.js';

export type { Logger };

/** `file` appends JSON lines to that file (directories created); without it (or with '-') lines go to stderr. */
export function createLogger(opts: { name: string; level: string; destination?: NodeJS.WritableStream; file?: string }): Logger {
  return pino(
    {
      name: opts.name,
      level: opts.level,
      base: { node: opts.name },
      // never log secrets that may pass through objects we log
      redact: { paths: ['*.d', '*.privateKey', '*.private_jwk', 'privateJwk', '*.authorization', 'req.headers.authorization'], censor: '[redacted]' },
      mixin() {
        const ctx = currentContext();
        return ctx ? { requestId: ctx.requestId, traceId: ctx.traceId } : {};
      },
    },
    (opts.destination as pino.DestinationStream | undefined) ?? (opts.file && opts.file !== '-' ? pino.destination({ dest: opts.file, mkdir: true, sync: true }) : pino.destination(2)),
  );
}
