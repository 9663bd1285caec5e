import winston from 'winston';

/** Hides the password part of any URL-looking text (`scheme://user:secret@host`). */
export function redactSecrets(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@\s]*@/gi, '$1:***@');
}

/** Connection strings for logs and errors: password removed, everything else kept. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return redactSecrets(url);
  }
}

const redact = winston.format((info) => {
  for (const [key, value] of Object.entries(info)) {
    if (typeof value === 'string') (info as Record<string, unknown>)[key] = redactSecrets(value);
  }
  if (typeof info.message === 'string') info.message = redactSecrets(info.message);
  return info;
});

export type Logger = winston.Logger;

export interface LogOptions {
  level?: string;
  /** JSON lines unless stdout is a terminal; `json: true` forces JSON. */
  json?: boolean;
}

/** Logs go to stderr so that command output (status --json) stays clean on stdout. */
export function createLogger(options: LogOptions = {}): Logger {
  const json = options.json ?? !process.stderr.isTTY;
  const format = json
    ? winston.format.combine(redact(), winston.format.timestamp(), winston.format.json())
    : winston.format.combine(
        redact(),
        winston.format.timestamp({ format: 'HH:mm:ss' }),
        winston.format.printf(({ level, message, timestamp, ...fields }) => {
          const rest = Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : '';
          return `${String(timestamp)} ${level} ${String(message)}${rest}`;
        }),
      );
  return winston.createLogger({
    level: options.level ?? process.env.AIMEOS_SYNC_LOG_LEVEL ?? 'info',
    format,
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] })],
  });
}

/** A logger that drops everything: for library callers and tests that do not want output. */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}
