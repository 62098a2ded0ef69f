// The hosted checkout page at a session's `url`: plain HTML with Pay and Cancel forms, clearly a test-mode sandbox.
import { completeCheckoutSession } from './checkoutCompletion';
import { SandboxError, type SandboxObject, type Store } from './params';

export interface PageReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

// Currencies without a minor unit: their amounts are whole units already.
const ZERO_DECIMAL = new Set('bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf'.split(' '));

/** `amount` (in the currency's minor unit) as "15.00 EUR". */
export function formatAmount(amount: number, currency: string): string {
  const code = currency.toLowerCase();
  const value = ZERO_DECIMAL.has(code) ? String(amount) : (amount / 100).toFixed(2);
  return `${value} ${code.toUpperCase()}`;
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const BANNER = 'Stripe sandbox — test mode, nothing is charged';

function page(status: number, title: string, content: string): PageReply {
  const body = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}
.banner{background:#fff3cd;border:1px solid #e0c060;padding:.5rem;border-radius:4px}
form{display:inline-block;margin-right:.5rem}button{font-size:1rem;padding:.5rem 1.5rem}</style></head>
<body>
<p class="banner" role="note">${BANNER}</p>
${content}
</body>
</html>
`;
  return { status, headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }, body };
}

interface LineItem { description: string; quantity: number; amount_subtotal: number; price: { unit_amount: number | null; recurring: { interval: string; interval_count: number } | null } }

function sessionPage(session: SandboxObject): PageReply {
  // Relative to the page (…/checkout/<id>), so the forms also work under a publicUrl with a path prefix.
  const id = encodeURIComponent(session.id);
  const currency = String(session.currency);
  const items = (session.line_items as { data: LineItem[] }).data;
  const trialEnd = (session.sandbox_plan as { subscriptionData: { trial_end: number | null } }).subscriptionData.trial_end;
  const rows = items.map((item) => {
    const recurring = item.price.recurring;
    const every = recurring ? ` per ${recurring.interval_count > 1 ? `${recurring.interval_count} ${recurring.interval}s` : recurring.interval}` : '';
    const unit = item.price.unit_amount === null ? '' : ` at ${formatAmount(item.price.unit_amount, currency)}${every}`;
    return `<li><span class="product">${escapeHtml(item.description)}</span> × ${item.quantity}${escapeHtml(unit)}</li>`;
  }).join('\n');
  const totals = session.total_details as { amount_discount: number; amount_tax: number };
  const trial = trialEnd === null ? '' : `<p>Free trial until ${new Date(trialEnd * 1000).toISOString().slice(0, 10)}.</p>`;
  const extras = [
    totals.amount_discount > 0 ? `<p>Discount: −${formatAmount(totals.amount_discount, currency)}</p>` : '',
    totals.amount_tax > 0 ? `<p>Tax: ${formatAmount(totals.amount_tax, currency)}</p>` : '',
  ].join('');
  const total = `<p>Total due today: <strong class="amount">${formatAmount(Number(session.amount_total), currency)}</strong></p>`;
  if (session.status !== 'open') {
    const reason = session.status === 'complete' ? 'This checkout session is already complete.' : 'This checkout session has expired.';
    return page(200, 'Checkout closed', `<h1>Checkout</h1>\n<ul>${rows}</ul>\n<p class="closed">${reason}</p>`);
  }
  const names = items.map((item) => item.description);
  const heading = `Subscribe to ${names[0] ?? ''}${names.length > 1 ? ` and ${names.length - 1} more` : ''}`;
  return page(200, heading, `<h1>${escapeHtml(heading)}</h1>
<ul>
${rows}
</ul>
${trial}${extras}${total}
<form method="post" action="${id}/pay"><button type="submit">Pay</button></form>
<form method="post" action="${id}/cancel"><button type="submit">Cancel</button></form>`);
}

const redirect = (location: string): PageReply => ({ status: 303, headers: { Location: location, 'Content-Type': 'text/plain; charset=utf-8' }, body: `See ${location}` });

const notFound = (): PageReply => page(404, 'Not found', '<h1>No such checkout session</h1>');

/** Serves GET /checkout/:id, POST /checkout/:id/pay and POST /checkout/:id/cancel; null for any other path. */
export function checkoutPage(store: Store, method: string, path: string): PageReply | null {
  const match = /^\/checkout\/([^/]+)(?:\/(pay|cancel))?$/.exec(path);
  if (!match) return null;
  const sessionId = decodeURIComponent(match[1] ?? '');
  const action = match[2];
  if ((action === undefined) !== (method === 'GET')) return page(405, 'Method not allowed', '<h1>Method not allowed</h1>');
  const session = store.checkoutSessions.get(sessionId);
  if (!session) return notFound();
  if (action === undefined) return sessionPage(session);
  if (action === 'cancel') {
    // Stripe leaves the session open: the customer may come back until it expires.
    return session.cancel_url ? redirect(String(session.cancel_url)) : page(200, 'Checkout canceled', '<h1>Checkout canceled</h1><p>You can close this page.</p>');
  }
  try {
    const completed = completeCheckoutSession(store, { id: null, idempotencyKey: null }, sessionId);
    const success = completed.success_url as string | null;
    return success ? redirect(success.replaceAll('{CHECKOUT_SESSION_ID}', completed.id)) : page(200, 'Payment complete', '<h1>Payment complete</h1>');
  } catch (error) {
    if (!(error instanceof SandboxError)) throw error;
    return page(error.status, 'Payment failed', `<h1>Payment failed</h1><p class="error">${escapeHtml(error.message)}</p>`);
  }
}
