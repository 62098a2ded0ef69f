import { Router, type Response } from 'express';
import { z } from 'zod';
import { customerIdSchema, provisionCustomerSchema, updateCustomerSchema } from '../../domain/customers/customerInput';
import { checkSubscriptionParams } from '../../domain/customers/checkSubscriptionParams';
import type { Customer } from '../../domain/customers/customer';
import { toCustomerView } from '../../domain/customers/toCustomerView';
import { findAppliedRequest } from '../../db/repositories/appliedRequests.repository';
import { findCustomer } from '../../db/repositories/customers.repository';
import { listLive, listLivePackages } from '../../db/repositories/catalogRead.repository';
import type { Db } from '../../db/createDb';
import type { AppDependencies } from '../appDependencies';
import { environmentOf } from '../authenticate';
import type { RouteBodies } from '../routeBodies';
import { HttpError, conflict, notFound, unknownReference } from '../httpError';
import { requestRunOf } from '../idempotency';
import { parseInput } from '../validate';

const pathSchema = z.object({ customerId: customerIdSchema });

const archivedIdConflict = (customerId: string) =>
  conflict('CUSTOMER_ID_ARCHIVED', `customer id "${customerId}" belonged to an archived customer and cannot be reused`, 'customerId');

async function assertCouponExists(db: Db, environmentId: string, couponId: string | null | undefined) {
  if (!couponId) return;
  const coupon = await db.selectFrom('coupons').select('id').where('environment_id', '=', environmentId).where('id', '=', couponId).where('archived_at', 'is', null).executeTakeFirst();
  if (!coupon) throw unknownReference(`unknown coupon "${couponId}"`, 'couponId');
}

export function customersRoutes({ db, workflows, billingProvider }: AppDependencies, bodies: RouteBodies): Router {
  // Billing info is only ever passed through to a provider: without one it is validated and dropped, so it never
  // reaches a workflow's history.
  const forProvider = <T>(billingInfo: T | undefined): T | undefined => (billingProvider === 'none' ? undefined : billingInfo);
  const router = Router();

  // 201 to the request that created the customer, also to its retry when the first answer was lost in a crash.
  async function answerProvision(res: Response, customer: Customer, created: boolean) {
    const requestRun = requestRunOf(res);
    const createdEarlier = !created && requestRun ? await findAppliedRequest(db, environmentOf(res), requestRun.requestKey) : undefined;
    if (createdEarlier) return void res.status(201).json({ customer: createdEarlier.outcome });
    res.status(created ? 201 : 200).json({ customer });
  }

  router.post('/v1/customers', ...bodies.json, async (req, res) => {
    const input = parseInput(provisionCustomerSchema, req.body);
    const environmentId = environmentOf(res);
    const requestRun = requestRunOf(res);
    // A retry of a request that started its workflow already awaits that run: the checks were made the first time.
    if (!requestRun?.startedRun) {
      const existing = await findCustomer(db, environmentId, input.customerId);
      if (existing?.archived_at) throw archivedIdConflict(input.customerId);
      if (existing) return answerProvision(res, toCustomerView(existing), false);

      await assertCouponExists(db, environmentId, input.couponId);
      if (input.subscriptionParams) {
        const [packages, features] = await Promise.all([listLivePackages(db, environmentId), listLive(db, 'features', environmentId)]);
        const problem = checkSubscriptionParams(input.subscriptionParams, {
          packages: new Map(packages.map((p) => [p.id, p])),
          featureIds: new Set(features.map((f) => f.id)),
        });
        if (problem) throw new HttpError(400, problem.code, `${problem.field}: ${problem.message}`, problem.field);
      }
    }

    const result = await workflows.customers.provision(
      {
        environmentId,
        customerId: input.customerId,
        name: input.name ?? null,
        email: input.email ?? null,
        couponId: input.couponId ?? null,
        metadata: input.metadata ?? {},
        billingInfo: forProvider(input.billingInfo),
      },
      requestRun,
    );
    if (result.archived) throw archivedIdConflict(input.customerId);
    await answerProvision(res, result.customer, result.created);
  });

  router.get('/v1/customers/:customerId', async (req, res) => {
    const { customerId } = parseInput(pathSchema, req.params, 'path');
    const row = await findCustomer(db, environmentOf(res), customerId);
    if (!row || row.archived_at) throw notFound(`customer "${customerId}" was not found`, 'customerId');
    res.json(toCustomerView(row));
  });

  router.patch('/v1/customers/:customerId', ...bodies.json, async (req, res) => {
    const { customerId } = parseInput(pathSchema, req.params, 'path');
    const input = parseInput(updateCustomerSchema, req.body);
    const environmentId = environmentOf(res);
    const requestRun = requestRunOf(res);
    const { billingInfo: sentBillingInfo, ...changes } = input;
    const billingInfo = forProvider(sentBillingInfo);
    if (!requestRun?.startedRun) {
      const row = await findCustomer(db, environmentId, customerId);
      if (!row || row.archived_at) throw notFound(`customer "${customerId}" was not found`, 'customerId');
      await assertCouponExists(db, environmentId, input.couponId);
      // Nothing to change: answer the customer as it is, without a workflow run or a new updatedAt.
      if (Object.keys(changes).length === 0 && !billingInfo) return void res.json(toCustomerView(row));
    }
    const result = await workflows.customers.update({ environmentId, customerId, changes, billingInfo }, requestRun);
    res.json(result.customer);
  });

  return router;
}
