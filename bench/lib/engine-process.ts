import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ProcessFigures {
  exitCode: number | null;
  wallMs: number;
  /** Peak resident set (VmHWM) in MiB. */
  peakRssMiB: number;
  /** User + system CPU seconds consumed by the engine process. */
  cpuSeconds: number;
  stdout: string;
  stderr: string;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

async function readProc(pid: number): Promise<{ hwmKiB: number; cpuTicks: number } | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      hwmKiB: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0),
      cpuTicks: Number(fields[11]) + Number(fields[12]),
    };
  } catch {
    return undefined;
  }
}

/**
 * Runs the real CLI (`node bin/aimeos-sync.js …`) as its own process, so memory and CPU are the
 * engine's alone. The peak RSS and CPU are sampled from /proc every 50 ms until exit.
 */
export class EngineProcess {
  readonly child: ChildProcess;
  readonly started = Date.now();
  #peakKiB = 0;
  #cpuTicks = 0;
  #stdout = '';
  #stderr = '';
  readonly #sampler: NodeJS.Timeout;
  readonly exited: Promise<ProcessFigures>;

  constructor(args: string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [path.join(repoRoot, 'bin/aimeos-sync.js'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, AIMEOS_SYNC_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.#stdout += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.#stderr += chunk.toString()));
    this.#sampler = setInterval(() => void this.sample(), 50);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code) => {
        clearInterval(this.#sampler);
        resolve({
          exitCode: code,
          wallMs: Date.now() - this.started,
          peakRssMiB: Math.round((this.#peakKiB / 1024) * 10) / 10,
          cpuSeconds: this.#cpuTicks / CLOCK_TICKS,
          stdout: this.#stdout,
          stderr: this.#stderr,
        });
      });
    });
  }

  async sample(): Promise<{ cpuSeconds: number } | undefined> {
    const reading = this.child.pid ? await readProc(this.child.pid) : undefined;
    if (!reading) return undefined;
    this.#peakKiB = Math.max(this.#peakKiB, reading.hwmKiB);
    this.#cpuTicks = Math.max(this.#cpuTicks, reading.cpuTicks);
    return { cpuSeconds: reading.cpuTicks / CLOCK_TICKS };
  }

  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<ProcessFigures> {
    this.child.kill(signal);
    return this.exited;
  }
}

/** Runs a CLI command to completion; throws with its stderr when it fails. */
export async function runEngine(args: string[], env?: NodeJS.ProcessEnv): Promise<ProcessFigures> {
  const figures = await new EngineProcess(args, env).exited;
  if (figures.exitCode !== 0) throw new Error(`aimeos-sync ${args.join(' ')} exited ${figures.exitCode}: ${figures.stderr.slice(-2000)}`);
  return figures;
}
