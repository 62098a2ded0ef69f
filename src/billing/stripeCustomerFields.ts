import type Stripe from 'stripe';
import type { BillingCustomerInput } from './billingProvider';

type Address = NonNullable<NonNullable<BillingCustomerInput['billingInfo']>['billingAddress']>;

function toStripeAddress(address: Address): Stripe.AddressParam {
  return {
    country: address.country,
    city: address.city,
    state: address.state,
    line1: address.addressLine1,
    line2: address.addressLine2,
    postal_code: address.postalCode,
  };
}

// The fields shared by customer create and update; Stripe has no timezone or currency on customers, so they travel in metadata.
export function toStripeCustomerFields(input: BillingCustomerInput): Stripe.CustomerCreateParams & Stripe.CustomerUpdateParams {
  const info = input.billingInfo;
  const name = info?.customerName ?? input.name ?? undefined;
  const customFields = info?.invoiceCustomFields && Object.entries(info.invoiceCustomFields).map(([key, value]) => ({ name: key, value }));
  return {
    name,
    email: input.email ?? undefined,
    phone: info?.billingAddress?.phoneNumber,
    address: info?.billingAddress && toStripeAddress(info.billingAddress),
    shipping: info?.shippingAddress && {
      name: name ?? input.customerId,
      phone: info.shippingAddress.phoneNumber,
      address: toStripeAddress(info.shippingAddress),
    },
    preferred_locales: info?.language ? [info.language] : undefined,
    invoice_settings:
      customFields || info?.paymentMethodId
        ? { custom_fields: customFields, default_payment_method: info?.paymentMethodId }
        : undefined,
    metadata: {
      ...info?.metadata,
      ...(info?.timezone && { timezone: info.timezone }),
      ...(info?.currency && { currency: info.currency }),
      tollgate_customer_id: input.customerId,
      tollgate_environment: input.environmentId,
    },
  };
}
