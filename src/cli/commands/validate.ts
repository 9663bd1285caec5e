import { Databases } from '../../db/databases.js';
import { formatProblem } from '../../errors.js';
import { validateAgainstSchemas } from '../../mapping/validate-schema.js';
import { loadContext, type GlobalOptions } from '../context.js';

/** Checks config and every mapping against the live schemas; exit 1 when any error is found. */
export async function validateCommand(options: GlobalOptions): Promise<number> {
  const { config, mappings } = await loadContext(options);
  const databases = new Databases(config);
  try {
    const problems = await validateAgainstSchemas(config, mappings, databases);
    for (const problem of problems) process.stdout.write(`${formatProblem(problem)}\n`);
    const errors = problems.filter((problem) => problem.severity === 'error').length;
    const warnings = problems.length - errors;
    process.stdout.write(`${mappings.length} mapping(s) checked: ${errors} error(s), ${warnings} warning(s)\n`);
    return errors ? 1 : 0;
  } finally {
    await databases.close();
  }
}
