// The key Tollgate's Stripe adapter sends to the sandbox: like Stripe's test mode, the sandbox takes any `sk_test_…` key.
export const SANDBOX_SECRET_KEY = 'sk_test_tollgate_sandbox';
