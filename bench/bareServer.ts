import express from 'express';

// The physical reference for the hot-path figures: a bare Express 5 app with one route answering a constant JSON,
// in a process of its own as the service is. Prints its port once it listens (BARE_PORT, else any free port).
const app = express();
app.get('/bare', (_req, res) => {
  res.json({ hasAccess: true });
});
const server = app.listen(Number(process.env.BARE_PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`bare server listening on ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.once('SIGINT', () => server.close(() => process.exit(0)));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
