import { z } from 'zod';
import { customerSchema } from '../../domain/customers/customer';
import { customerIdSchema } from '../../domain/customers/customerInput';

// Request bodies: provisionCustomerSchema and updateCustomerSchema (src/domain/customers/customerInput.ts);
// the customer itself: customerSchema (src/domain/customers/customer.ts).
export const customerPathSchema = z.object({ customerId: customerIdSchema });

export const provisionCustomerResponseSchema = z.object({ customer: customerSchema });
