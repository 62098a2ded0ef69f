import { z } from 'zod';
import { catalogIdSchema, countryCodeSchema } from '../../domain/catalog/catalogDocument';
import { customerIdSchema } from '../../domain/customers/customerInput';
import { identifierSchema } from '../../domain/input/identifier';

// Strict: a misspelt parameter (`country=`) would otherwise silently answer the default prices.
export const paywallQuerySchema = z.strictObject({
  productId: catalogIdSchema,
  customerId: customerIdSchema.optional().describe('Marks the plan this customer is on and the plans that are upgrades'),
  resourceId: identifierSchema(255).optional().describe('With customerId: the resource whose subscription counts'),
  billingCountryCode: countryCodeSchema.optional().describe('ISO-3166-1 alpha-2: prices localized for this country where the catalog has them'),
});
