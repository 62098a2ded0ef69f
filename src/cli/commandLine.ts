import { parseArgs } from 'node:util';

export type Command =
  | { name: 'help' }
  | { name: 'migrate' }
  | { name: 'env create'; environment: string }
  | { name: 'env list' }
  | { name: 'key create'; environment: string; label: string | undefined }
  | { name: 'key list'; environment: string }
  | { name: 'key revoke'; keyId: string }
  | { name: 'catalog apply'; file: string; environment: string }
  | { name: 'plan migrate'; packageId: string; environment: string }
  | { name: 'addon migrate'; packageId: string; environment: string };

type CommandName = Exclude<Command['name'], 'help'>;
type Syntax = { argument?: string; env?: 'required'; name?: 'optional'; usage: string; summary: string };

// What each command takes; the usage text and every check below come from this one table.
const SYNTAX: Record<CommandName, Syntax> = {
  migrate: { usage: 'migrate', summary: 'run database migrations' },
  'env create': { argument: 'name', usage: 'env create <name>', summary: 'create an environment and its first server key' },
  'env list': { usage: 'env list', summary: 'list environments' },
  'key create': { env: 'required', name: 'optional', usage: 'key create --env <name> [--name <label>]', summary: 'create a server key (shown once)' },
  'key list': { env: 'required', usage: 'key list --env <name>', summary: 'list keys (prefixes only)' },
  'key revoke': { argument: 'keyId', usage: 'key revoke <keyId>', summary: 'revoke a key at once' },
  'catalog apply': { argument: 'file', env: 'required', usage: 'catalog apply <file> --env <name>', summary: 'apply a catalog document (YAML or JSON)' },
  'plan migrate': { argument: 'planId', env: 'required', usage: 'plan migrate <planId> --env <name>', summary: "move the plan's live subscriptions to its latest version" },
  'addon migrate': { argument: 'addonId', env: 'required', usage: 'addon migrate <addonId> --env <name>', summary: "move the add-on's live subscriptions to its latest version" },
};

const PREFIX = 'Usage: npm run cli -- ';

export const USAGE = `${PREFIX}<command>

${Object.values(SYNTAX)
  .map((syntax) => `  ${syntax.usage.padEnd(42)}${syntax.summary}`)
  .join('\n')}

Uses DATABASE_URL, or the embedded Postgres of TOLLGATE_DATA_DIR: the one running there (its port is read from
the folder), else one started for the command and stopped after it.`;

// A command line that cannot be run; the message ends with the usage that applies.
export class CommandLineError extends Error {}

const OPTIONS = { env: { type: 'string' }, name: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

export function parseCommandLine(argv: string[]): Command {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof OPTIONS }>>;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  } catch (error) {
    // parseArgs names the bad option; a lenient second reading finds the command it was meant for.
    const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: false, options: OPTIONS });
    throw refusal((error as Error).message, findCommand(positionals)?.name);
  }
  const { positionals, values } = parsed;
  if (values.help || positionals[0] === 'help' || argv.length === 0) return { name: 'help' };
  const found = findCommand(positionals);
  if (!found) throw refusal(positionals.length === 0 ? 'missing command' : `unknown command "${positionals.join(' ')}"`);
  const { name, rest } = found;
  const syntax = SYNTAX[name];
  if (syntax.argument && rest.length === 0) throw refusal(`missing <${syntax.argument}>`, name);
  const extra = rest.slice(syntax.argument ? 1 : 0);
  if (extra.length > 0) throw refusal(`unexpected argument "${extra[0]}"`, name);
  for (const option of ['env', 'name'] as const) {
    if (values[option] !== undefined && !syntax[option]) throw refusal(`--${option} does not apply to "${name}"`, name);
    if (values[option] !== undefined && values[option].trim() === '') throw refusal(`--${option} needs a value`, name);
  }
  if (syntax.env && values.env === undefined) throw refusal('missing --env <name>', name);
  return toCommand(name, rest[0], values.env, values.name);
}

function toCommand(name: CommandName, argument: string | undefined, environment: string | undefined, label: string | undefined): Command {
  switch (name) {
    case 'env create':
      return { name, environment: argument! };
    case 'key create':
      return { name, environment: environment!, label };
    case 'key list':
      return { name, environment: environment! };
    case 'key revoke':
      return { name, keyId: argument! };
    case 'catalog apply':
      return { name, file: argument!, environment: environment! };
    case 'plan migrate':
    case 'addon migrate':
      return { name, packageId: argument!, environment: environment! };
    default:
      return { name };
  }
}

function findCommand(positionals: string[]): { name: CommandName; rest: string[] } | undefined {
  if (positionals[0] === 'migrate') return { name: 'migrate', rest: positionals.slice(1) };
  const name = `${positionals[0]} ${positionals[1]}`;
  return name in SYNTAX ? { name: name as CommandName, rest: positionals.slice(2) } : undefined;
}

function refusal(problem: string, command?: CommandName): CommandLineError {
  return new CommandLineError(`${problem}\n\n${command ? `${PREFIX}${SYNTAX[command].usage}` : USAGE}`);
}
