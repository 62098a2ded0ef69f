import { Tollgate } from './tollgate.js';

export { Tollgate };
export { TollgateError } from './errors.js';
export * from './types.js';
export * from './estimates.js';
export default Tollgate;
