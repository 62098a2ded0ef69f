import { chosenBilling, ConfigError, loadConfig, type Config } from './config';
import { CommandLineError, parseCommandLine, USAGE, type Command } from './cli/commandLine';
import { DatabaseUnavailableError, openDatabase } from './cli/openDatabase';
import type { Db } from './db/createDb';
import { migrateToLatest } from './db/migrate';
import { findEnvironmentByName, listEnvironments } from './db/repositories/environments.repository';
import { listApiKeys } from './db/repositories/apiKeys.repository';
import { developmentPayloadKeys, requirePayloadKeys } from './infra/payloadKeys';
import { StartupError } from './infra/startupError';
import { connectTemporalClient } from './infra/temporalClient';
import { findLatestPublishedVersion } from './db/repositories/planMigration.repository';
import { applyCatalogFile } from './services/bootstrap';
import { createApiKey, createEnvironment, revokeApiKey } from './services/environments';
import { createTollgateDataConverter } from './temporal/dataConverter';
import { createWorkflowClients } from './temporal/workflowClients';

// A command that ran but could not do what was asked (unknown environment, rejected catalog...).
class CommandFailure extends Error {}

async function main(argv: string[]): Promise<void> {
  // The command line is checked before anything is read or started, so a typo costs nothing.
  const command = parseCommandLine(argv);
  if (command.name === 'help') return void console.log(USAGE);
  const config = loadConfig();
  const { db, close } = await openDatabase(config);
  try {
    await run(command, db, config);
  } finally {
    await close();
  }
}

async function run(command: Exclude<Command, { name: 'help' }>, db: Db, config: Config): Promise<void> {
  switch (command.name) {
    case 'migrate':
      return void console.log(`migrated: ${(await migrateToLatest(db)).join(', ') || 'already up to date'}`);
    case 'env create': {
      if (await findEnvironmentByName(db, command.environment)) throw new CommandFailure(`an environment named "${command.environment}" already exists`);
      const environment = await createEnvironment(db, command.environment);
      const key = await createApiKey(db, environment.id, 'first key');
      return void console.log(`environment ${environment.name} (${environment.id})\nserver key ${key.id}: ${key.plaintext}\n(the key is shown once; store it now)`);
    }
    case 'env list':
      return void (await listEnvironments(db)).forEach((e) => console.log(`${e.name}\t${e.id}\t${e.created_at.toISOString()}`));
    case 'key create': {
      const key = await createApiKey(db, await environmentId(db, command.environment), command.label ?? 'server key');
      return void console.log(`server key ${key.id}: ${key.plaintext}\n(the key is shown once; store it now)`);
    }
    case 'key list':
      return void (await listApiKeys(db, await environmentId(db, command.environment))).forEach((k) =>
        console.log(`${k.id}\t${k.key_prefix}…\t${k.name}\t${k.revoked_at ? `revoked ${k.revoked_at.toISOString()}` : 'active'}`),
      );
    case 'key revoke':
      if (!(await revokeApiKey(db, command.keyId))) throw new CommandFailure(`no active key ${command.keyId}`);
      return void console.log(`revoked ${command.keyId}`);
    case 'catalog apply': {
      const id = await environmentId(db, command.environment);
      // Checked before applying: a missing payload key must not leave a catalog applied and never synced.
      // Told nothing about billing, the CLI starts no sync: `npm start` syncs its sandbox at its next start.
      const syncKeys = chosenBilling(config, 'none').provider !== 'none' ? cliPayloadKeys(config) : undefined;
      const result = await applyCatalogFile(db, id, command.file);
      if (!result.ok) throw new CommandFailure(`catalog rejected, nothing changed:\n${result.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
      result.changes.forEach((c) => console.log(`${c.action}\t${c.entity}\t${c.id}${c.version ? ` v${c.version}` : ''}`));
      console.log(result.changed ? `${result.changes.length} changes applied` : 'no changes');
      if (result.changed && syncKeys) await startBillingSync(config, id, syncKeys);
      return;
    }
    case 'plan migrate':
    case 'addon migrate':
      return migrateSubscriptions(db, config, command);
  }
}

// Starts the bulk migration workflow (or joins the one running) and prints its progress until it completes; Ctrl-C
// stops only the printing: the migration carries on in the workers.
async function migrateSubscriptions(db: Db, config: Config, command: Extract<Command, { name: 'plan migrate' | 'addon migrate' }>) {
  const packageType = command.name === 'plan migrate' ? 'PLAN' : 'ADDON';
  const environment = await environmentId(db, command.environment);
  if ((await findLatestPublishedVersion(db, { environmentId: environment, packageId: command.packageId, kind: packageType })) === undefined) {
    throw new CommandFailure(`no published ${packageType === 'PLAN' ? 'plan' : 'add-on'} "${command.packageId}" in environment "${command.environment}"`);
  }
  const address = config.temporal.address ?? `127.0.0.1:${config.temporal.devServerPort}`;
  const temporal = await connectTemporalClient(address, config.temporal.namespace, createTollgateDataConverter(cliPayloadKeys(config))).catch(() => undefined);
  if (!temporal) throw new CommandFailure(`Temporal is not reachable at ${address}: start Tollgate (npm start) or set TEMPORAL_ADDRESS`);
  try {
    const bulk = createWorkflowClients(temporal.client, { taskQueue: config.temporal.taskQueue, searchAttributes: temporal.searchAttributes }).bulkMigrations;
    const target = { environmentId: environment, packageType, packageId: command.packageId } as const;
    const started = await bulk.start({ ...target, subscriptionMigrationTime: 'IMMEDIATE', ratePerSecond: config.migrationRatePerSecond, pageSize: 100 });
    console.log(`${started.started ? 'bulk migration started' : 'a bulk migration was already running'}: workflow ${started.migrationId} (Temporal UI: TollgatePlanId = "${command.packageId}")`);
    for (;;) {
      const progress = (await bulk.progress(target))!;
      console.log(`${progress.status.toLowerCase()}: ${progress.processed}/${progress.total} processed, ${progress.migrated} migrated, ${progress.alreadyLatest} already on v${progress.latestVersion}, ${progress.failed} failed`);
      if (progress.status === 'COMPLETED') {
        progress.failures.forEach((failure) => console.log(`  failed ${failure.subscriptionId}: ${failure.code} ${failure.message}`));
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  } finally {
    await temporal.connection.close();
  }
}

async function environmentId(db: Db, name: string): Promise<string> {
  const environment = await findEnvironmentByName(db, name);
  if (!environment) throw new CommandFailure(`no environment named "${name}" (see: env list)`);
  return environment.id;
}

// The workers must read what the CLI starts: a cluster's key comes from TOLLGATE_PAYLOAD_KEY, the dev server's from the data folder.
function cliPayloadKeys(config: Config) {
  return config.temporal.address ? requirePayloadKeys(config, 'the CLI with TEMPORAL_ADDRESS') : developmentPayloadKeys(config);
}

async function startBillingSync(config: Config, environmentId: string, payloadKeys: ReturnType<typeof cliPayloadKeys>) {
  const address = config.temporal.address ?? `127.0.0.1:${config.temporal.devServerPort}`;
  const temporal = await connectTemporalClient(address, config.temporal.namespace, createTollgateDataConverter(payloadKeys)).catch(() => undefined);
  if (!temporal) return void console.log(`Temporal is not reachable at ${address}: the Stripe sync runs at the next start`);
  const { workflowId } = await createWorkflowClients(temporal.client, { taskQueue: config.temporal.taskQueue, searchAttributes: temporal.searchAttributes }).catalog.sync(environmentId);
  console.log(`Stripe sync started: workflow ${workflowId}`);
  await temporal.connection.close();
}

// Exit code 2 for a command line that cannot run, 1 for a command that failed; a stack trace only for a bug.
main(process.argv.slice(2)).catch((error: unknown) => {
  const expected = [CommandFailure, ConfigError, DatabaseUnavailableError, StartupError].some((type) => error instanceof type);
  console.error(error instanceof CommandLineError || expected ? (error as Error).message : error);
  process.exitCode = error instanceof CommandLineError ? 2 : 1;
});
