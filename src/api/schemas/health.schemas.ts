import { z } from 'zod';

const reachability = z.enum(['ok', 'down']);
export const healthResponseSchema = z.object({ status: z.enum(['ok', 'unavailable']), postgres: reachability, temporal: reachability });
