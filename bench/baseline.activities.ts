// An activity that does nothing: what is measured is Temporal's scheduling, not the work.
export function createBaselineActivities() {
  return { touch: async () => 'touched' };
}
