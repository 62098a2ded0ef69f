import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCatalog } from '../../src/services/applyCatalog';
import { applyCatalogFileAtStart, describeCatalogFileAtStart } from '../../src/services/catalogFileAtStart';
import { readCatalog } from '../../src/services/readCatalog';
import { EXAMPLE_CATALOG_FILE, exampleCatalog } from '../support/exampleCatalog';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';
import { createTestEnvironment } from '../support/testEnvironment';

let database: TestDatabase;
beforeAll(async () => void (database = await createTestDatabase()));
afterAll(async () => database.drop());

const exampleText = readFileSync(EXAMPLE_CATALOG_FILE, 'utf8');
const catalogFile = (text: string) => {
  const file = join(mkdtempSync(join(tmpdir(), 'tollgate-catalog-')), 'catalog.yaml');
  writeFileSync(file, text);
  return file;
};
const liveFeatureIds = async (environmentId: string) => (await readCatalog(database.db, environmentId)).features.map((f) => f.id).sort();
const withApiFeature = exampleCatalog((input) => void input.features.push({ id: 'feature-from-api', displayName: 'Added through the API', featureType: 'BOOLEAN' }));

describe('the catalog file at start', () => {
  it('is applied on the first start, then skipped while the file is unchanged, keeping what the API applied', async () => {
    const { environmentId } = await createTestEnvironment(database.db);
    const file = catalogFile(exampleText);

    const first = await applyCatalogFileAtStart(database.db, environmentId, file);
    expect(first).toMatchObject({ outcome: 'applied', file, changes: expect.arrayContaining([expect.objectContaining({ id: 'plan-pro' })]) });
    expect(first.outcome === 'applied' && first.changes).toHaveLength(12);
    expect(await applyCatalogFileAtStart(database.db, environmentId, file)).toEqual({ outcome: 'skipped', file });

    // What PUT /v1/catalog does: the API adds a feature; the next start must not archive it.
    expect(await applyCatalog(database.db, environmentId, withApiFeature)).toMatchObject({ ok: true, changed: true });
    expect(await applyCatalogFileAtStart(database.db, environmentId, file)).toEqual({ outcome: 'skipped', file });
    expect(await liveFeatureIds(environmentId)).toContain('feature-from-api');

    // Comments and layout are not content: reformatting the file does not re-apply it.
    writeFileSync(file, `# reformatted\n${JSON.stringify(exampleCatalog())}`);
    expect(await applyCatalogFileAtStart(database.db, environmentId, file)).toEqual({ outcome: 'skipped', file });
    expect(await liveFeatureIds(environmentId)).toContain('feature-from-api');
  });

  it('is applied again once its content changes, as the whole desired catalog', async () => {
    const { environmentId } = await createTestEnvironment(database.db);
    const file = catalogFile(exampleText);
    await applyCatalogFileAtStart(database.db, environmentId, file);
    await applyCatalog(database.db, environmentId, withApiFeature);

    writeFileSync(file, exampleText.replace('displayName: Acme App', 'displayName: Acme App 2'));
    const edited = await applyCatalogFileAtStart(database.db, environmentId, file);
    expect(edited).toMatchObject({ outcome: 'applied', file });
    expect(edited.outcome === 'applied' && edited.changes.map((c) => `${c.entity} ${c.id} ${c.action}`).sort()).toEqual([
      'feature feature-from-api archived',
      'product product-app updated',
    ]);
    expect(await applyCatalogFileAtStart(database.db, environmentId, file)).toEqual({ outcome: 'skipped', file });
  });

  it('remembers the file per environment, and says unchanged when the catalog already matched it', async () => {
    const file = catalogFile(exampleText);
    const { environmentId: first } = await createTestEnvironment(database.db);
    await applyCatalogFileAtStart(database.db, first, file);

    const { environmentId: second } = await createTestEnvironment(database.db);
    await applyCatalog(database.db, second, exampleCatalog());
    expect(await applyCatalogFileAtStart(database.db, second, file)).toEqual({ outcome: 'unchanged', file });
    expect(await applyCatalogFileAtStart(database.db, second, file)).toEqual({ outcome: 'skipped', file });
  });

  it('does nothing when disabled', async () => {
    const { environmentId } = await createTestEnvironment(database.db);
    expect(await applyCatalogFileAtStart(database.db, environmentId, undefined)).toEqual({ outcome: 'disabled' });
    expect(await liveFeatureIds(environmentId)).toEqual([]);
  });

  it('rejects a broken or missing file without recording it, so the fixed file is applied next', async () => {
    const { environmentId } = await createTestEnvironment(database.db);
    const file = catalogFile('plans: [{ id: p, productId: nowhere, displayName: P, pricingType: FREE }]');
    expect(await applyCatalogFileAtStart(database.db, environmentId, file)).toEqual({
      outcome: 'rejected',
      file,
      issues: [{ path: 'plans[0].productId', message: 'unknown product "nowhere"' }],
    });
    const missing = join(tmpdir(), 'no-such-tollgate-catalog.yaml');
    expect(await applyCatalogFileAtStart(database.db, environmentId, missing)).toEqual({
      outcome: 'rejected',
      file: missing,
      issues: [{ path: '(file)', message: `${missing} does not exist` }],
    });
    writeFileSync(file, exampleText);
    expect(await applyCatalogFileAtStart(database.db, environmentId, file)).toMatchObject({ outcome: 'applied' });
  });

  it.each<[Parameters<typeof describeCatalogFileAtStart>[0], string]>([
    [{ outcome: 'disabled' }, 'disabled (TOLLGATE_CATALOG_FILE is empty)'],
    [{ outcome: 'skipped', file: '/c.yaml' }, '/c.yaml (skipped: file unchanged since last applied)'],
    [{ outcome: 'unchanged', file: '/c.yaml' }, '/c.yaml (unchanged)'],
    [{ outcome: 'applied', file: '/c.yaml', changes: [{ entity: 'feature', id: 'f', action: 'created' }] }, '/c.yaml (1 change applied)'],
  ])('is described in the start banner: %j', (result, line) => {
    expect(describeCatalogFileAtStart(result)).toBe(line);
  });
});
