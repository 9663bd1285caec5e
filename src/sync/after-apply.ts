import { spawn } from 'node:child_process';
import type { Logger } from '../log.js';
import { redactSecrets } from '../log.js';
import type { CompiledMapping } from '../mapping/compiled-mapping.js';

/**
 * Runs a mapping's after-apply action once a batch is committed, e.g. Aimeos' `index/rebuild`
 * job so the storefront shows the change. The affected keys go to a command as JSON on stdin
 * (and AIMEOS_SYNC_MAPPING in its environment) or to an HTTP endpoint as a JSON body. A failing
 * action is logged; it never undoes the committed batch.
 */
export async function runAfterApply(mapping: CompiledMapping, keys: unknown[][], logger: Logger): Promise<void> {
  const after = mapping.after;
  if (!after || keys.length === 0) return;
  const payload = JSON.stringify({ mapping: mapping.name, table: mapping.target.table, keys });
  try {
    if (after.command) await runCommand(after.command, payload, mapping.name);
    else if (after.http) {
      const response = await fetch(after.http.url, { method: after.http.method, headers: { 'content-type': 'application/json' }, body: payload });
      if (!response.ok) throw new Error(`HTTP ${response.status} from ${redactSecrets(after.http.url)}`);
    }
    logger.info('after-apply action done', { mapping: mapping.name, keys: keys.length });
  } catch (error) {
    logger.error('after-apply action failed', { mapping: mapping.name, keys: keys.length, error: redactSecrets((error as Error).message) });
  }
}

function runCommand(command: readonly string[], input: string, mapping: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: ['pipe', 'ignore', 'pipe'], env: { ...process.env, AIMEOS_SYNC_MAPPING: mapping } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command[0]} exited ${code}: ${stderr.trim().slice(0, 500)}`))));
    child.stdin.end(input);
  });
}
