import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Tollgate from '@tollgate/node-sdk';
import { createExampleApp } from './app';

// `npx tsx examples/express-app/server.ts` beside a running `npm start`: the key comes from TOLLGATE_API_KEY, else
// from the development key npm start wrote into the data folder.
const apiKey = process.env.TOLLGATE_API_KEY ?? readFileSync(resolve(process.env.TOLLGATE_DATA_DIR ?? '.data', 'dev-api-key'), 'utf8').trim();
const port = Number(process.env.EXAMPLE_PORT ?? 4000);
const publicUrl = `http://127.0.0.1:${port}`;

async function main() {
  const tollgate = Tollgate.initialize({ apiKey, baseUri: process.env.TOLLGATE_URL ?? 'http://127.0.0.1:3000', logConfiguration: { logLevel: 'warn' } });
  await tollgate.waitForInitialization();
  const server = createExampleApp(tollgate, publicUrl).listen(port, '127.0.0.1', () => {
    console.log(`Example app on ${publicUrl}
  curl -X POST "${publicUrl}/signup?customer=alice"
  curl "${publicUrl}/reports/advanced?customer=alice"          # 402 on the free plan
  curl -X POST "${publicUrl}/api/calls?customer=alice"         # consumes the monthly quota
  curl -X POST "${publicUrl}/upgrade?customer=alice"           # open the checkoutUrl, click Pay, then retry the report`);
  });
  process.on('SIGINT', () => server.close(() => void tollgate.close()));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
