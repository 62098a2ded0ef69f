import type { DbOrTransaction } from '../createDb';

export async function findEnvironmentByName(db: DbOrTransaction, name: string) {
  return db.selectFrom('environments').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function insertEnvironment(db: DbOrTransaction, environment: { id: string; name: string }) {
  return db.insertInto('environments').values(environment).returningAll().executeTakeFirstOrThrow();
}

export async function listEnvironments(db: DbOrTransaction) {
  return db.selectFrom('environments').selectAll().orderBy('created_at').execute();
}
