import { Command, CommanderError, Option } from 'commander';
import { errorMessage, SyncError } from '../errors.js';
import { redactSecrets } from '../log.js';
import { migrateCommand } from './commands/migrate.js';
import { statusCommand } from './commands/status.js';
import { runCommand, syncCommand } from './commands/sync.js';
import { validateCommand } from './commands/validate.js';

/** Exit codes: 0 ok, 1 problems found, 2 bad usage, bad config or a fatal error. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name('aimeos-sync')
    .description('Keeps an Aimeos shop database and an ERP database in step.')
    .option('-c, --config <file>', 'config file', 'aimeos-sync.yml')
    .addOption(new Option('--log-level <level>', 'log level').choices(['error', 'warn', 'info', 'debug']))
    .exitOverride()
    .showHelpAfterError();

  let exitCode = 0;
  const globals = () => program.opts<{ config: string; logLevel?: string }>();
  program.command('migrate').description("create or upgrade the engine's tables where mappings write").action(async () => {
    exitCode = await migrateCommand(globals());
  });
  program.command('validate').description('check config and mappings against the live schemas').action(async () => {
    exitCode = await validateCommand(globals());
  });
  program
    .command('sync')
    .description('bring targets up to date')
    .requiredOption('--once', 'sync once and exit (use `run` to keep polling)')
    .option('-m, --mapping <name...>', 'only these mappings')
    .action(async (options: { once: boolean; mapping?: string[] }) => {
      exitCode = await syncCommand({ ...globals(), ...options });
    });
  program
    .command('run')
    .description('sync continuously until SIGINT/SIGTERM')
    .option('-m, --mapping <name...>', 'only these mappings')
    .action(async (options: { mapping?: string[] }) => {
      exitCode = await runCommand({ ...globals(), ...options });
    });
  program
    .command('status')
    .description('checkpoint, last run, lag and errors per mapping')
    .option('--json', 'machine-readable output')
    .option('-m, --mapping <name...>', 'only these mappings')
    .action(async (options: { json?: boolean; mapping?: string[] }) => {
      exitCode = await statusCommand({ ...globals(), ...options });
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    process.stderr.write(`aimeos-sync: ${redactSecrets(errorMessage(error))}\n`);
    if (!(error instanceof SyncError) && process.env.AIMEOS_SYNC_DEBUG) process.stderr.write(`${String((error as Error).stack)}\n`);
    return exitCodeFor(error);
  }
}

function exitCodeFor(_error: unknown): number {
  // Usage, config and fatal errors share one code; "problems found" (1) is returned, not thrown.
  return 2;
}

const isEntryPoint = process.argv[1] && /aimeos-sync(\.js)?$|cli[/\\]main\.[jt]s$/.test(process.argv[1]);
if (isEntryPoint) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`aimeos-sync: ${redactSecrets(errorMessage(error))}\n`);
      process.exitCode = 2;
    },
  );
}
