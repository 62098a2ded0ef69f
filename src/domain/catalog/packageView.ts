import type { AddonDefinition, PlanDefinition } from './catalogDocument';
import type { VersionStatus } from './planCatalogChanges';

type Versioned = { version: number; status: VersionStatus };
export type PlanView = Omit<PlanDefinition, 'status'> & Versioned & { kind: 'PLAN' };
export type AddonView = Omit<AddonDefinition, 'status'> & Versioned & { kind: 'ADDON' };
// A plan or add-on as the catalog shows it: one version's content with its number and status.
export type PackageView = PlanView | AddonView;
