import type { Kysely } from 'kysely';

// What a live subscription's lifecycle needs beyond its dates: a failed payment's grace, and the provider's last invoice.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('subscriptions')
    // Set by invoice.payment_failed; entitlements stay until grace_period_end, then the subscription ends.
    .addColumn('payment_failed_at', 'timestamptz')
    .addColumn('grace_period_end', 'timestamptz')
    // The provider's latest invoice as its webhook told it: { id, status, amountDue, amountPaid, currency, hostedInvoiceUrl, created }.
    .addColumn('last_invoice', 'jsonb')
    // Periods count from here (the start, or a billing-period change), so Jan 31 renews on Feb 28 and then Mar 31.
    .addColumn('billing_cycle_anchor', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('subscriptions').dropColumn('payment_failed_at').dropColumn('grace_period_end').dropColumn('last_invoice').dropColumn('billing_cycle_anchor').execute();
}
