import { loadConfig, type ResolvedConfig } from '../config/load-config.js';
import { createLogger, type Logger } from '../log.js';
import type { CompiledMapping } from '../mapping/compiled-mapping.js';
import { loadMappings, selectMappings } from '../mapping/load-mappings.js';

export interface GlobalOptions {
  config: string;
  logLevel?: string;
}

export interface CommandContext {
  config: ResolvedConfig;
  mappings: CompiledMapping[];
  logger: Logger;
}

/** Loads config and mappings the same way for every command. */
export async function loadContext(options: GlobalOptions, mappingNames?: string[]): Promise<CommandContext> {
  const config = await loadConfig(options.config);
  const logger = createLogger({ level: options.logLevel ?? config.logLevel });
  const mappings = selectMappings(await loadMappings(config), mappingNames);
  return { config, mappings, logger };
}

/** Endpoints that some mapping writes to: where the engine's tables live. */
export function targetEndpoints(mappings: CompiledMapping[]): string[] {
  return [...new Set(mappings.map((mapping) => mapping.target.endpoint))];
}
