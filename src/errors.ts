/**
 * One error type for everything the engine reports to a DBA. `code` comes from the catalogue
 * below (stable, documented in README), `context` says where: file, mapping, table, column, key.
 */
export type ErrorCode =
  | 'CONFIG_INVALID' // config file unreadable, malformed or failing validation
  | 'CONFIG_ENV_MISSING' // ${VAR} without default and VAR unset
  | 'MAPPING_INVALID' // mapping file malformed or failing validation
  | 'SCHEMA_MISMATCH' // mapping names a table/column/key the live schema does not have
  | 'CONNECTION_FAILED' // a database could not be reached
  | 'STATE_MISSING' // engine tables absent: run `aimeos-sync migrate`
  | 'ROW_REJECTED' // the target refused a row
  | 'USAGE' // bad command-line usage
  | 'INTERNAL';

export interface ErrorContext {
  file?: string;
  mapping?: string;
  endpoint?: string;
  table?: string;
  column?: string;
  field?: string;
  key?: unknown;
  hint?: string;
}

export class SyncError extends Error {
  readonly code: ErrorCode;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SyncError';
    this.code = code;
    this.context = context;
  }

  /** One line for the DBA: what, where, what to do. */
  describe(): string {
    const where = describeContext(this.context);
    const hint = this.context.hint ? ` (${this.context.hint})` : '';
    return `${this.code}: ${this.message}${where ? ` [${where}]` : ''}${hint}`;
  }
}

export function describeContext(context: ErrorContext): string {
  const parts: string[] = [];
  if (context.file) parts.push(`file ${context.file}`);
  if (context.mapping) parts.push(`mapping ${context.mapping}`);
  if (context.endpoint) parts.push(`endpoint ${context.endpoint}`);
  if (context.table) parts.push(`table ${context.table}`);
  if (context.column) parts.push(`column ${context.column}`);
  if (context.field) parts.push(`field ${context.field}`);
  if (context.key !== undefined) parts.push(`key ${JSON.stringify(context.key)}`);
  return parts.join(', ');
}

/** A problem found by validation; many are collected and reported at once. */
export interface Problem {
  severity: 'error' | 'warning';
  message: string;
  context: ErrorContext;
}

export function formatProblem(problem: Problem): string {
  const where = describeContext(problem.context);
  const hint = problem.context.hint ? ` Hint: ${problem.context.hint}` : '';
  return `${problem.severity.toUpperCase()}${where ? ` [${where}]` : ''}: ${problem.message}${hint}`;
}

export class ProblemsError extends SyncError {
  readonly problems: Problem[];
  constructor(code: ErrorCode, problems: Problem[]) {
    super(code, problems.map(formatProblem).join('\n'));
    this.problems = problems;
  }
  override describe(): string {
    return this.message;
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof SyncError) return error.describe();
  if (error instanceof Error) return error.message;
  return String(error);
}
