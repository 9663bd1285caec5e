import { z } from 'zod';
import { durationSeconds } from './duration.js';

/** Tuning shared by all mappings; a mapping's `capture` block may override overlap, lag and batch size. */
export const syncSettingsSchema = z
  .object({
    batchSize: z.number().int().min(1).max(50_000).default(500),
    pollInterval: durationSeconds.default(5),
    overlap: durationSeconds.default(900),
    lag: durationSeconds.default(2),
    concurrency: z.number().int().min(1).max(64).default(4),
  })
  .strict();

export const configFileSchema = z
  .object({
    endpoints: z.record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, 'endpoint names are letters, digits, _ and -'),
      z.object({ url: z.string().min(1) }).strict(),
    ),
    mappings: z.string().min(1).default('./mappings'),
    state: z
      .object({ prefix: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,30}$/, 'prefix must be a plain SQL identifier part').default('aimeos_sync_') })
      .strict()
      .default({ prefix: 'aimeos_sync_' }),
    sync: syncSettingsSchema.default(syncSettingsSchema.parse({})),
    editor: z.string().min(1).max(255).default('aimeos-sync'),
    log: z.object({ level: z.enum(['error', 'warn', 'info', 'debug']).default('info') }).strict().default({ level: 'info' }),
  })
  .strict();

export type ConfigFile = z.input<typeof configFileSchema>;
export type ParsedConfigFile = z.output<typeof configFileSchema>;
export type SyncSettings = z.output<typeof syncSettingsSchema>;
