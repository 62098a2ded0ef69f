import { z } from 'zod';

// One entry of `error.details`, the same shape on every route (some carry more, e.g. the provider's own code).
export const errorDetailSchema = z.looseObject({ field: z.string(), message: z.string() });

// Every error answer, built in one place (errorHandler.ts).
export const errorResponseSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    field: z.string().optional(),
    details: z.array(errorDetailSchema).optional(),
    issueCount: z.number().int().optional().describe('How many issues there were in all, when `details` lists only the first ones'),
  }),
});
export type ErrorResponse = z.infer<typeof errorResponseSchema>;

// A documented error answer of a route.
export const errorAnswer = (description: string) => ({ description, schema: errorResponseSchema });
