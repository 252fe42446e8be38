/**
 * Structured logs (pino: one JSON object per line, `level`, `time` in Unix ms, `msg`, plus fields).
 * The node process creates one logger and hands children of it to its parts (`logger.child({ module })`).
 */
import { pino, type DestinationStream, type Level, type Logger } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** Minimum level written; default "info". */
  level?: Level | 'silent';
  /** Added to every line as `name` (e.g. "dst-node-1"). */
  name?: string;
  /** Where lines go; default standard output. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const settings = { level: options.level ?? 'info', ...(options.name !== undefined && { name: options.name }) };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
