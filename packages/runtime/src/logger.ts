import winston from 'winston';

/** The logging interface packages accept; apps pass `logger.child({ sessionId, stepId })`. */
export interface Logger {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
  child(meta: Record<string, unknown>): Logger;
}

/** JSON lines in production, colourful single lines in development. Never log tokens or bodies. */
export function createLogger(service: string, opts: { level: string; json: boolean }): Logger {
  const format = opts.json
    ? winston.format.combine(winston.format.timestamp(), winston.format.json())
    : winston.format.combine(
        winston.format.colorize(),
        winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
        winston.format.printf(({ level, message, timestamp, service: s, ...meta }) => {
          const rest = Object.keys(meta).length ? ` ${JSON.stringify(meta)}` : '';
          return `${String(timestamp)} ${String(s)} ${level} ${String(message)}${rest}`;
        }),
      );
  return winston.createLogger({
    level: opts.level,
    defaultMeta: { service },
    format,
    transports: [new winston.transports.Console()],
  }) as unknown as Logger;
}
