import type { DbOrTransaction } from '../createDb';

export async function findCatalogFileDigest(db: DbOrTransaction, environmentId: string): Promise<string | undefined> {
  const row = await db.selectFrom('catalog_file_applications').select('content_digest').where('environment_id', '=', environmentId).executeTakeFirst();
  return row?.content_digest;
}

export async function recordCatalogFileApplication(db: DbOrTransaction, environmentId: string, application: { filePath: string; contentDigest: string }) {
  const values = { file_path: application.filePath, content_digest: application.contentDigest, applied_at: new Date() };
  await db
    .insertInto('catalog_file_applications')
    .values({ environment_id: environmentId, ...values })
    .onConflict((oc) => oc.column('environment_id').doUpdateSet(values))
    .execute();
}
