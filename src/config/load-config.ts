import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { ProblemsError, SyncError, type Problem } from '../errors.js';
import { redactUrl } from '../log.js';
import { configFileSchema, type SyncSettings } from './config-schema.js';
import { expandEnvDeep } from './env-expand.js';

export type DatabaseKind = 'mysql' | 'postgres';

/** A named database. The URL holds credentials: it is kept out of JSON, logs and inspection. */
export class Endpoint {
  readonly #url: string;
  constructor(
    readonly name: string,
    url: string,
    readonly kind: DatabaseKind,
  ) {
    this.#url = url;
  }
  /** The full connection string, for drivers only. */
  connectionUrl(): string {
    return this.#url;
  }
  /** The URL with its password replaced, safe to print. */
  get displayUrl(): string {
    return redactUrl(this.#url);
  }
  /** Database (schema) name from the URL path. */
  get database(): string {
    return decodeURIComponent(new URL(this.#url).pathname.replace(/^\//, ''));
  }
  toJSON(): object {
    return { name: this.name, kind: this.kind, url: this.displayUrl };
  }
}

export interface ResolvedConfig {
  readonly file: string;
  readonly endpoints: ReadonlyMap<string, Endpoint>;
  readonly mappingsDir: string;
  readonly statePrefix: string;
  readonly sync: Readonly<SyncSettings>;
  readonly editor: string;
  readonly logLevel: string;
}

export function kindFromUrl(url: string): DatabaseKind | undefined {
  const scheme = /^([a-z0-9+]+):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'mysql' || scheme === 'mariadb') return 'mysql';
  if (scheme === 'postgres' || scheme === 'postgresql') return 'postgres';
  return undefined;
}

type ZodIssue = z.ZodError['issues'][number];

/**
 * zod 4 reports a union none of whose options fits as "Invalid input" at the union. When the
 * input has the shape of exactly one option (e.g. a column spec object whose `map` is a list),
 * that option's issues say what is wrong and where; they are reported instead.
 */
function expandUnion(issue: ZodIssue): ZodIssue[] {
  if (issue.code !== 'invalid_union' || !issue.errors.length) return [issue];
  const shapeMismatch = (inner: ZodIssue) =>
    inner.path.length === 0 && (inner.code === 'invalid_type' || inner.code === 'invalid_value' || inner.code === 'unrecognized_keys');
  const fitting = issue.errors.filter((branch) => branch.length > 0 && !branch.some(shapeMismatch));
  if (fitting.length !== 1) return [issue];
  return fitting[0]!.flatMap((inner) => expandUnion({ ...inner, path: [...issue.path, ...inner.path] } as ZodIssue));
}

export function zodProblems(error: z.ZodError, file: string, extra: { mapping?: string } = {}): Problem[] {
  return error.issues.flatMap(expandUnion).map((issue) => ({
    severity: 'error' as const,
    // A bad record key (endpoint name, mapped column) says only "Invalid key in record" in
    // zod 4; the reason lives in the nested issues.
    message:
      issue.code === 'invalid_key' && issue.issues.length
        ? `invalid name "${String(issue.path.at(-1))}": ${issue.issues.map((inner) => inner.message).join('; ')}`
        : issue.message,
    context: { file, ...extra, field: issue.path.map(String).join('.') || undefined },
  }));
}

export async function readYamlFile(file: string, code: 'CONFIG_INVALID' | 'MAPPING_INVALID'): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new SyncError(code, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { file });
  }
  try {
    return parseYaml(text);
  } catch (error) {
    const detail = error instanceof YAMLParseError ? error.message.split('\n')[0] : String(error);
    throw new SyncError(code, `malformed YAML: ${detail}`, { file });
  }
}

/** Reads, expands, validates and freezes the config. Every problem is reported at once. */
export async function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<ResolvedConfig> {
  const absolute = path.resolve(file);
  const raw = await readYamlFile(absolute, 'CONFIG_INVALID');
  if (!raw || typeof raw !== 'object') {
    throw new SyncError('CONFIG_INVALID', 'config must be a YAML mapping with at least "endpoints"', { file: absolute });
  }
  const expanded = expandEnvDeep(raw, env, absolute);
  const parsed = configFileSchema.safeParse(expanded);
  if (!parsed.success) throw new ProblemsError('CONFIG_INVALID', zodProblems(parsed.error, absolute));

  const problems: Problem[] = [];
  const endpoints = new Map<string, Endpoint>();
  for (const [name, { url }] of Object.entries(parsed.data.endpoints)) {
    const kind = kindFromUrl(url);
    if (!kind) {
      problems.push({
        severity: 'error',
        message: `unsupported URL scheme in ${redactUrl(url)}`,
        context: { file: absolute, field: `endpoints.${name}.url`, hint: 'use mysql://, mariadb://, postgres:// or postgresql://' },
      });
      continue;
    }
    endpoints.set(name, new Endpoint(name, url, kind));
  }
  if (endpoints.size === 0 && problems.length === 0) {
    problems.push({ severity: 'error', message: 'no endpoints defined', context: { file: absolute, field: 'endpoints' } });
  }
  if (problems.length) throw new ProblemsError('CONFIG_INVALID', problems);

  return Object.freeze({
    file: absolute,
    endpoints,
    mappingsDir: path.resolve(path.dirname(absolute), parsed.data.mappings),
    statePrefix: parsed.data.state.prefix,
    sync: Object.freeze(parsed.data.sync),
    editor: parsed.data.editor,
    logLevel: parsed.data.log.level,
  });
}
