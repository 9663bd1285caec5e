import type { TestProject } from 'vitest/node';

/**
 * Server URLs for the integration tests (without a database name; each test file creates its
 * own). Order: TEST_MYSQL_URL / TEST_PG_URL from the environment; else testcontainers where a
 * Docker engine answers; else the local servers on their default ports.
 */
const LOCAL_MYSQL = 'mysql://root@127.0.0.1:3306/';
const LOCAL_PG = 'postgres://postgres@127.0.0.1:5432/';

let stopContainers: (() => Promise<void>) | undefined;

async function dockerAvailable(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

export async function setup(project: TestProject): Promise<void> {
  let mysqlUrl = process.env.TEST_MYSQL_URL;
  let pgUrl = process.env.TEST_PG_URL;
  if ((!mysqlUrl || !pgUrl) && !process.env.CI && (await dockerAvailable())) {
    const { MariaDbContainer } = await import('@testcontainers/mariadb');
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const stops: (() => Promise<unknown>)[] = [];
    if (!mysqlUrl) {
      const mariadb = await new MariaDbContainer('mariadb:10.11').withUsername('root').withUserPassword('test').start();
      stops.push(() => mariadb.stop());
      mysqlUrl = `mysql://root:test@${mariadb.getHost()}:${mariadb.getPort()}/`;
    }
    if (!pgUrl) {
      const postgres = await new PostgreSqlContainer('postgres:15').start();
      stops.push(() => postgres.stop());
      pgUrl = `postgres://${postgres.getUsername()}:${postgres.getPassword()}@${postgres.getHost()}:${postgres.getPort()}/`;
    }
    stopContainers = async () => {
      await Promise.all(stops.map((stop) => stop()));
    };
  }
  project.provide('mysqlUrl', mysqlUrl ?? LOCAL_MYSQL);
  project.provide('pgUrl', pgUrl ?? LOCAL_PG);
}

export async function teardown(): Promise<void> {
  await stopContainers?.();
}

declare module 'vitest' {
  export interface ProvidedContext {
    mysqlUrl: string;
    pgUrl: string;
  }
}
