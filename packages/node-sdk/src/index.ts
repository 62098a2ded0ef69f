import { Tollgate } from './tollgate.js';

export { Tollgate };
export { TollgateError } from './errors.js';
export * from './types.js';
export type * from './paywallTypes.js';
export * from './estimates.js';
export default Tollgate;
