import type { DbOrTransaction } from '../createDb';

export async function findEnvironmentByName(db: DbOrTransaction, name: string) {
  return db.selectFrom('environments').selectAll().where('name', '=', name).executeTakeFirst();
}

// Creates the environment unless one of that name exists; returns the stored one either way.
export async function insertEnvironmentIfAbsent(db: DbOrTransaction, environment: { id: string; name: string }) {
  await db.insertInto('environments').values(environment).onConflict((oc) => oc.column('name').doNothing()).execute();
  return db.selectFrom('environments').selectAll().where('name', '=', environment.name).executeTakeFirstOrThrow();
}

export async function insertEnvironment(db: DbOrTransaction, environment: { id: string; name: string }) {
  return db.insertInto('environments').values(environment).returningAll().executeTakeFirstOrThrow();
}

export async function listEnvironments(db: DbOrTransaction) {
  return db.selectFrom('environments').selectAll().orderBy('created_at').execute();
}
