/** Names of the engine's own tables for a prefix (default `aimeos_sync_`). */
export function stateTables(prefix: string) {
  return {
    streams: `${prefix}streams`,
    rejectedRows: `${prefix}rejected_rows`,
    identityMap: `${prefix}identity_map`,
    migrations: `${prefix}migrations`,
  } as const;
}

/** Current time as the text our DATETIME(3) state columns store (UTC). */
export function nowText(): string {
  return new Date().toISOString().replace('T', ' ').slice(0, 23);
}
