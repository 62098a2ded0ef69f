// A catalog whose YAML aliases repeat bad prices: `anchors` lists of `pricesPerAnchor` bad prices, each list used by
// `copies` more plans; stops at `targetBytes` of text. Each bad price has 5 faults (period, model, currency, amount, key).
export function hostileCatalogYaml({ targetBytes = 1_000_000, pricesPerAnchor = 40, copies = 99, anchors = Infinity } = {}): string {
  const badPrice = '{ billingPeriod: WEEKLY, billingModel: BARTER, currency: zz, amount: -1, bogus: 1 }';
  const plan = (id: string, prices: string) => `  - { id: ${id}, productId: product-app, displayName: P, pricingType: PAID, prices: ${prices} }`;
  const lines = ['products: [{ id: product-app, displayName: App }]', 'plans:'];
  let size = 0;
  for (let anchor = 0; size < targetBytes && anchor < anchors; anchor++) {
    const block = [plan(`plan-${anchor}`, `&p${anchor} [${Array(pricesPerAnchor).fill(badPrice).join(', ')}]`)];
    for (let copy = 0; copy < copies; copy++) block.push(plan(`plan-${anchor}-${copy}`, `*p${anchor}`));
    size += block.reduce((total, line) => total + line.length + 1, 0);
    lines.push(...block);
  }
  return `${lines.join('\n')}\n`;
}
