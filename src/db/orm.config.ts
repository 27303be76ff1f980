/**
 * The one MikroORM configuration, shared by the app, the CLI (via
 * src/db/cli.config.ts) and the tests. Each dialect has its own migrations
 * folder: the SQL they hold is dialect-specific.
 */
import path from 'node:path';
import { Migrator } from '@mikro-orm/migrations';
import type { Logger, LoggerOptions, Options } from '@mikro-orm/core';
import { LibSqlDriver } from '@mikro-orm/libsql';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { DatabaseConfig } from '../config.js';
import { projectRoot, runningFromSource } from '../project-root.js';
import { entities } from './entities/index.js';
import { sqliteAfterCreate } from './sqlite-settings.js';

export interface OrmHooks {
  /** Called with the SQL of every statement; tests count statements with it. */
  readonly onQuery?: (sql: string) => void;
  /** The app's logger for the ORM (see src/observability/logger.ts); replaces MikroORM's console logger. */
  readonly loggerFactory?: (options: LoggerOptions) => Logger;
  /**
   * Whether the migrator keeps `migrations/<dialect>/.snapshot.json`, the schema that `migration:create`
   * diffs the entities against: the CLI only. Applied at run time, MikroORM would rewrite the committed
   * file from whatever database it migrated (a test's extra table included).
   */
  readonly snapshot?: boolean;
}

export const MIGRATIONS_TABLE = 'mikro_orm_migrations';

export function migrationsFolder(dialect: DatabaseConfig['dialect']): string {
  return path.join(projectRoot, 'migrations', dialect);
}

export function ormOptions(database: DatabaseConfig, hooks: OrmHooks = {}): Options {
  const folder = migrationsFolder(database.dialect);
  const builtFolder = path.join(projectRoot, 'dist', 'migrations', database.dialect);
  const connection =
    database.dialect === 'postgresql'
      ? {
          driver: PostgreSqlDriver,
          clientUrl: database.url,
          pool: { min: 0, max: database.poolMax },
          // Without both, a silent server holds every request for knex's default 60 s.
          driverOptions: {
            connection: { connectionTimeoutMillis: database.connectTimeoutSeconds * 1000 },
            acquireConnectionTimeout: database.connectTimeoutSeconds * 1000,
          },
        }
      : // WAL and synchronous = FULL on every connection the pool opens (src/db/sqlite-settings.ts).
        { driver: LibSqlDriver, dbName: database.path, pool: { afterCreate: sqliteAfterCreate(database.path) } };
  return {
    ...connection,
    entities,
    extensions: [Migrator],
    // Migrations only: the schema is never synchronised from the entities at run time.
    ensureDatabase: false,
    // MikroORM guesses TypeScript from the environment (VITEST, a tsx loader); the build must run its
    // own .js migrations whatever the environment says, or it silently finds none to apply.
    preferTs: runningFromSource,
    allowGlobalContext: false,
    forceUtcTimezone: true,
    discovery: {
      warnWhenNoEntities: true,
      // SQLite's rowid is already 64-bit and reads back as "integer"; declaring it
      // integer there keeps migration:check quiet while PostgreSQL gets bigserial.
      onMetadata: (meta) => {
        if (database.dialect !== 'sqlite') return;
        for (const prop of Object.values(meta.properties)) {
          if (prop.autoincrement && prop.primary) prop.columnTypes = ['integer'];
        }
      },
    },
    migrations: {
      tableName: MIGRATIONS_TABLE,
      path: runningFromSource ? folder : builtFolder,
      pathTs: folder,
      glob: runningFromSource ? '!(*.d).ts' : '!(*.d).js',
      snapshot: hooks.snapshot ?? false,
      snapshotName: '.snapshot',
      transactional: true,
      allOrNothing: true,
      emit: 'ts',
      fileName: (timestamp, name) => `Migration${timestamp}${name ? `_${name}` : ''}`,
    },
    // vitest and tsx cannot go through MikroORM's own import() of .ts files.
    dynamicImportProvider: (id: string) => import(id),
    ...(hooks.loggerFactory
      ? { loggerFactory: hooks.loggerFactory, debug: false }
      : hooks.onQuery
        ? { debug: ['query' as const], logger: (message: string) => hooks.onQuery?.(message) }
        : { debug: false }),
  };
}
