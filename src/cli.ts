import { parseArgs } from 'node:util';
import pg from 'pg';
import { ConfigError, loadConfig, type Config } from './config';
import { createDb, type Db } from './db/createDb';
import { migrateToLatest } from './db/migrate';
import { findEnvironmentByName, listEnvironments } from './db/repositories/environments.repository';
import { listApiKeys, revokeApiKey } from './db/repositories/apiKeys.repository';
import { dataDirOwner } from './infra/dataDirLock';
import { startEmbeddedPostgres, type RunningPostgres } from './infra/embeddedPostgres';
import { developmentPayloadKeys, requirePayloadKeys } from './infra/payloadKeys';
import { connectTemporalClient } from './infra/temporalClient';
import { applyCatalogFile } from './services/bootstrap';
import { createApiKey, createEnvironment } from './services/environments';
import { createTollgateDataConverter } from './temporal/dataConverter';
import { createWorkflowGateway } from './temporal/workflowGateway';

const USAGE = `Usage: npm run cli -- <command>

  migrate                                   run database migrations
  env create <name>                         create an environment and its first server key
  env list                                  list environments
  key create --env <name> [--name <label>]  create a server key (shown once)
  key list --env <name>                     list keys (prefixes only)
  key revoke <keyId>                        revoke a key at once
  catalog apply <file> --env <name>         apply a catalog document (YAML or JSON)

Uses DATABASE_URL, or the embedded Postgres of TOLLGATE_DATA_DIR (started for the command if Tollgate is not running).`;

class UsageError extends Error {}

// Connects to DATABASE_URL, the running dev instance's Postgres, or starts the embedded one for this command.
async function openDatabase(config: Config): Promise<{ db: Db; close: () => Promise<void> }> {
  if (config.databaseUrl) {
    const db = createDb(config.databaseUrl);
    return { db, close: () => db.destroy() };
  }
  let postgres: RunningPostgres | undefined;
  let url = `postgres://tollgate:tollgate@127.0.0.1:${config.embeddedPostgresPort}/tollgate`;
  if (!dataDirOwner(config.dataDir) || !(await canConnect(url))) {
    postgres = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPostgresPort, database: 'tollgate' });
    url = postgres.connectionString();
  }
  const db = createDb(url);
  await migrateToLatest(db);
  return { db, close: async () => (await db.destroy(), await postgres?.stop()) };
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function environmentId(db: Db, name: string | undefined): Promise<string> {
  if (!name) throw new UsageError('--env <name> is required');
  const environment = await findEnvironmentByName(db, name);
  if (!environment) throw new UsageError(`no environment named "${name}" (see: env list)`);
  return environment.id;
}

async function run(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { env: { type: 'string' }, name: { type: 'string' } } });
  const [area, action, argument] = positionals;
  if (!area || area === 'help') return void console.log(USAGE);
  const config = loadConfig();
  const { db, close } = await openDatabase(config);
  try {
    switch (`${area} ${action ?? ''}`.trim()) {
      case 'migrate':
        return void console.log(`migrated: ${(await migrateToLatest(db)).join(', ') || 'already up to date'}`);
      case 'env create': {
        if (!argument) throw new UsageError('env create <name>');
        if (await findEnvironmentByName(db, argument)) throw new UsageError(`an environment named "${argument}" already exists`);
        const environment = await createEnvironment(db, argument);
        const key = await createApiKey(db, environment.id, 'first key');
        return void console.log(`environment ${environment.name} (${environment.id})\nserver key ${key.id}: ${key.plaintext}\n(the key is shown once; store it now)`);
      }
      case 'env list':
        return void (await listEnvironments(db)).forEach((e) => console.log(`${e.name}\t${e.id}\t${e.created_at.toISOString()}`));
      case 'key create': {
        const key = await createApiKey(db, await environmentId(db, values.env), values.name ?? 'server key');
        return void console.log(`server key ${key.id}: ${key.plaintext}\n(the key is shown once; store it now)`);
      }
      case 'key list':
        return void (await listApiKeys(db, await environmentId(db, values.env))).forEach((k) =>
          console.log(`${k.id}\t${k.key_prefix}…\t${k.name}\t${k.revoked_at ? `revoked ${k.revoked_at.toISOString()}` : 'active'}`),
        );
      case 'key revoke': {
        if (!argument) throw new UsageError('key revoke <keyId>');
        if (!(await revokeApiKey(db, argument))) throw new UsageError(`no active key ${argument}`);
        return void console.log(`revoked ${argument}`);
      }
      case 'catalog apply': {
        if (!argument) throw new UsageError('catalog apply <file> --env <name>');
        const id = await environmentId(db, values.env);
        const result = await applyCatalogFile(db, id, argument);
        if (!result.ok) throw new UsageError(`catalog rejected, nothing changed:\n${result.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
        result.changes.forEach((c) => console.log(`${c.action}\t${c.entity}\t${c.id}${c.version ? ` v${c.version}` : ''}`));
        console.log(result.changed ? `${result.changes.length} changes applied` : 'no changes');
        if (result.changed && config.billing.provider === 'stripe') await startBillingSync(config, id);
        return;
      }
      default:
        throw new UsageError(`unknown command "${positionals.join(' ')}"\n\n${USAGE}`);
    }
  } finally {
    await close();
  }
}

async function startBillingSync(config: Config, environmentId: string) {
  const address = config.temporal.address ?? `127.0.0.1:${config.temporal.devServerPort}`;
  // The workers must read what this starts: a cluster's key comes from TOLLGATE_PAYLOAD_KEY, the dev server's from the data folder.
  const payloadKeys = config.temporal.address ? requirePayloadKeys(config, 'the CLI with TEMPORAL_ADDRESS') : developmentPayloadKeys(config);
  const temporal = await connectTemporalClient(address, config.temporal.namespace, createTollgateDataConverter(payloadKeys)).catch(() => undefined);
  if (!temporal) return void console.log(`Temporal is not reachable at ${address}: the Stripe sync runs at the next start`);
  const { workflowId } = await createWorkflowGateway(temporal.client, { taskQueue: config.temporal.taskQueue, searchAttributes: temporal.searchAttributes }).syncCatalog(environmentId);
  console.log(`Stripe sync started: workflow ${workflowId}`);
  await temporal.connection.close();
}

run(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof UsageError || error instanceof ConfigError ? error.message : error);
  process.exitCode = 1;
});
