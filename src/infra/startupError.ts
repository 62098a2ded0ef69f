// A start-up problem the operator can fix (a taken port, a data folder in use): printed as one clear line.
export class StartupError extends Error {}
