// Structured logs (pino) on stderr, so stdout stays for what the user asked for (the URL).
// Privacy: plugins log methods, route patterns, statuses, attempts — never bodies, query
// strings, headers or file names (unless config.logFileNames).
import pino, { type Logger } from 'pino';
import type { Config } from '../config/index.js';

export function createLogger(config: Pick<Config, 'logLevel'>, destination: NodeJS.WritableStream | number = 2): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { pid: process.pid },
      // Defence in depth, should any caller log a request object or a config.
      redact: { paths: ['token', '*.token', 'req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie'], censor: '[redacted]' },
    },
    typeof destination === 'number' ? pino.destination({ fd: destination, sync: true }) : destination,
  );
}
