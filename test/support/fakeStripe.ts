// Stateful fake of Stripe's HTTP API for tests, driven through the real `stripe` SDK (see fakeStripe/server.ts).
export { startFakeStripe } from './fakeStripe/server';
export type { FakeObject, FakeStripe, FakeStripeOptions, FakeStripeState, FormObject, FormValue, RecordedRequest } from './fakeStripe/server';
