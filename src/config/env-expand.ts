import { SyncError } from '../errors.js';

const PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Expands `${VAR}` and `${VAR:-default}` like a POSIX shell: the default applies when VAR is
 * unset or empty. A missing VAR without default is an error naming it (and the field it was in).
 */
export function expandEnv(text: string, env: NodeJS.ProcessEnv, where: { file?: string; field?: string } = {}): string {
  return text.replace(PATTERN, (_match, name: string, fallback: string | undefined) => {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    throw new SyncError('CONFIG_ENV_MISSING', `environment variable ${name} is not set and has no default`, {
      ...where,
      hint: `export ${name}=… or write \${${name}:-default}`,
    });
  });
}

/** Expands every string inside a parsed YAML document, remembering the field path for errors. */
export function expandEnvDeep(value: unknown, env: NodeJS.ProcessEnv, file: string, path = ''): unknown {
  if (typeof value === 'string') return expandEnv(value, env, { file, field: path || undefined });
  if (Array.isArray(value)) return value.map((item, index) => expandEnvDeep(item, env, file, `${path}[${index}]`));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, expandEnvDeep(item, env, file, path ? `${path}.${key}` : key)]),
    );
  }
  return value;
}
