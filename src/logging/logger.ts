import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/** Field names whose values never reach a log line, at any depth we know of. */
const SECRET_FIELDS = [
  'password', 'passwordHash', 'secret', 'clientSecret', 'client_secret', 'secretKey', 'token', 'accessToken',
  'access_token', 'apiToken', 'authorization', 'cookie', 'encryptedSecret',
];

export const REDACT_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  ...SECRET_FIELDS.map((f) => `*.*.${f}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'recurra' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    destination ?? pino.destination(2),
  );
}
