import { ApplicationFailure } from '@temporalio/common';
import express from 'express';
import { sql } from 'kysely';
import { setTimeout as sleep } from 'node:timers/promises';
import pg, { DatabaseError } from 'pg';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyDatabaseFailures } from '../../src/activities/classifyDatabaseFailures';
import { createErrorHandler } from '../../src/api/errorHandler';
import { createDb } from '../../src/db/createDb';
import { isDatabaseUnavailable } from '../../src/db/databaseUnavailable';
import { freePort } from '../support/freePort';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  await sql`create table unique_probe (id int primary key)`.execute(database.db);
});
afterAll(async () => database.drop());

const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

// Errors the statement or its data caused, raised by the real Postgres.
async function callerCausedErrors(): Promise<unknown[]> {
  return Promise.all([
    rejection(sql`selec 1`.execute(database.db)), // 42601 syntax error
    rejection(sql`select 'x'::int`.execute(database.db)), // 22P02 invalid text
    rejection(sql`select * from no_such_table`.execute(database.db)), // 42P01 undefined table
    rejection(sql`select 1 / 0`.execute(database.db)), // 22012 division by zero
    rejection(sql`insert into unique_probe (id) values (1), (1)`.execute(database.db)), // 23505 unique violation
  ]);
}

// Connection faults, also real: a refused connection and a backend terminated in the middle of a statement.
async function connectionFaults(): Promise<unknown[]> {
  const refused = createDb(`postgres://tollgate:tollgate@127.0.0.1:${await freePort()}/nowhere`);
  const refusedError = await rejection(sql`select 1`.execute(refused));
  await refused.destroy();

  const victim = createDb(database.url, { maxConnections: 1 });
  const pid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(victim)).rows[0]!.pid;
  const running = rejection(sql`select pg_sleep(3)`.execute(victim));
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  // Wait until the statement runs, so it is the one cut off.
  while ((await admin.query(`select 1 from pg_stat_activity where pid = $1 and query like 'select pg_sleep%'`, [pid])).rowCount === 0);
  await admin.query('select pg_terminate_backend($1)', [pid]);
  await admin.end();
  const terminatedError = await running;
  await victim.destroy();
  return [refusedError, terminatedError];
}

describe('a connection lost while checked out', () => {
  it('fails the transaction that held it instead of throwing an unhandled error event', async () => {
    // In a service, an error event nobody listens to ends the process; here it would arrive as uncaught.
    const uncaught: unknown[] = [];
    const recordUncaught = (error: unknown) => void uncaught.push(error);
    process.on('uncaughtException', recordUncaught);
    const db = createDb(database.url, { maxConnections: 1 });
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    const failed = await rejection(db.transaction().execute(async (trx) => {
      const pid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)).rows[0]!.pid;
      // Terminated between two statements: pg reports it as an 'error' event of the checked-out client.
      await admin.query('select pg_terminate_backend($1)', [pid]);
      while ((await admin.query('select 1 from pg_stat_activity where pid = $1', [pid])).rowCount !== 0);
      await sleep(200);
      await sql`select 1`.execute(trx);
    }));
    await admin.end();
    process.off('uncaughtException', recordUncaught);
    expect(uncaught).toEqual([]);
    expect(isDatabaseUnavailable(failed)).toBe(true);
    expect((await sql<{ n: number }>`select 1 as n`.execute(db)).rows).toEqual([{ n: 1 }]);
    await db.destroy();
  });
});

describe('telling connection faults from caller errors', () => {
  it('counts refused and terminated connections as unavailable, and no error the SQL or its data caused', async () => {
    const faults = await connectionFaults();
    for (const fault of faults) {
      expect(fault).toBeInstanceOf(Error);
      expect(isDatabaseUnavailable(fault)).toBe(true);
    }
    const callerErrors = await callerCausedErrors();
    expect(callerErrors.map((error) => (error as { code?: string }).code)).toEqual(['42601', '22P02', '42P01', '22012', '23505']);
    for (const error of callerErrors) expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it.each([
    ['08006', true], ['08001', true], ['53300', true], ['57014', true], ['57P01', true], ['57P02', true], ['57P03', true],
    ['08P01', false], ['40001', false], ['42501', false], ['23503', false], ['22003', false], ['57P04', false],
  ])('classifies SQLSTATE %s as unavailable: %s', (code, unavailable) => {
    const error = Object.assign(new DatabaseError(`sqlstate ${code}`, 0, 'error'), { code });
    expect(isDatabaseUnavailable(error)).toBe(unavailable);
    expect(isDatabaseUnavailable(new Error('wrapped', { cause: error }))).toBe(unavailable);
  });

  it('answers 503 DATABASE_UNAVAILABLE for a connection fault and never for a caller-caused SQL error', async () => {
    const [fault] = await connectionFaults();
    const [syntax] = await callerCausedErrors();
    const app = express();
    app.get('/fault', () => { throw fault; });
    app.get('/syntax', () => { throw syntax; });
    app.use(createErrorHandler(pino({ level: 'silent' })));

    const unavailable = await request(app).get('/fault');
    expect(unavailable.status).toBe(503);
    expect(unavailable.body.error.code).toBe('DATABASE_UNAVAILABLE');
    expect((await request(app).get('/syntax')).status).toBe(500);
  });

  it('leaves a connection fault inside an activity retryable, and refused data not', async () => {
    const [fault] = await connectionFaults();
    const [, invalidText] = await callerCausedErrors();
    const activities = classifyDatabaseFailures({
      readsWhileDown: async () => { throw fault; },
      storesBadData: async () => { throw invalidText; },
    });
    const retried = await rejection(activities.readsWhileDown());
    expect(retried).toBe(fault);
    const refused = await rejection(activities.storesBadData());
    expect(refused).toBeInstanceOf(ApplicationFailure);
    expect((refused as ApplicationFailure).nonRetryable).toBe(true);
  });
});
