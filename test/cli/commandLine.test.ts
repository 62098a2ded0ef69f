import { describe, expect, it } from 'vitest';
import { CommandLineError, parseCommandLine, USAGE } from '../../src/cli/commandLine';
import { runCli } from '../support/cliProcess';

function refusal(argv: string[]): CommandLineError {
  try {
    parseCommandLine(argv);
  } catch (error) {
    if (error instanceof CommandLineError) return error;
    throw error;
  }
  throw new Error(`${argv.join(' ')} was accepted`);
}

describe('reading the command line', () => {
  it.each([
    [['migrate'], { name: 'migrate' }],
    [['env', 'create', 'production'], { name: 'env create', environment: 'production' }],
    [['env', 'list'], { name: 'env list' }],
    [['key', 'create', '--env', 'production', '--name', 'ci'], { name: 'key create', environment: 'production', label: 'ci' }],
    [['key', 'create', '--env=production'], { name: 'key create', environment: 'production', label: undefined }],
    [['key', 'list', '--env', 'production'], { name: 'key list', environment: 'production' }],
    [['key', 'revoke', 'key_0123'], { name: 'key revoke', keyId: 'key_0123' }],
    [['catalog', 'apply', 'catalog/example.yaml', '--env', 'production'], { name: 'catalog apply', file: 'catalog/example.yaml', environment: 'production' }],
    [['plan', 'migrate', 'plan-basic', '--env', 'production'], { name: 'plan migrate', packageId: 'plan-basic', environment: 'production' }],
    [['addon', 'migrate', 'addon-extra-projects', '--env', 'production'], { name: 'addon migrate', packageId: 'addon-extra-projects', environment: 'production' }],
    [[], { name: 'help' }],
    [['help'], { name: 'help' }],
    [['--help'], { name: 'help' }],
    [['key', 'create', '-h'], { name: 'help' }],
  ])('reads %j', (argv, command) => {
    expect(parseCommandLine(argv)).toEqual(command);
  });

  it.each([
    [['key', 'create', '--env'], "Option '--env <value>' argument missing", 'key create --env <name>'],
    [['key', 'list', '--env', ''], '--env needs a value', 'key list --env <name>'],
    [['key', 'list', '--bogus'], "Unknown option '--bogus'", 'key list --env <name>'],
    [['key', 'list'], 'missing --env <name>', 'key list --env <name>'],
    [['catalog', 'apply', '--env', 'production'], 'missing <file>', 'catalog apply <file> --env <name>'],
    [['catalog', 'apply', 'a.yaml'], 'missing --env <name>', 'catalog apply <file> --env <name>'],
    [['plan', 'migrate', '--env', 'production'], 'missing <planId>', 'plan migrate <planId> --env <name>'],
    [['plan', 'migrate', 'plan-basic'], 'missing --env <name>', 'plan migrate <planId> --env <name>'],
    [['env', 'create'], 'missing <name>', 'env create <name>'],
    [['env', 'create', 'a', 'b'], 'unexpected argument "b"', 'env create <name>'],
    [['env', 'list', '--env', 'production'], '--env does not apply to "env list"', 'env list'],
    [['key', 'revoke', 'key_1', '--name', 'x'], '--name does not apply to "key revoke"', 'key revoke <keyId>'],
    [['migrate', 'now'], 'unexpected argument "now"', 'migrate'],
  ])('refuses %j, showing the command\'s usage line', (argv, problem, usageLine) => {
    const error = refusal(argv);
    expect(error.message).toContain(problem);
    expect(error.message).toContain(`Usage: npm run cli -- ${usageLine}`);
  });

  it.each([[['deploy']], [['env']], [['env', 'drop', 'x']], [['--env', 'x']]])('answers the unknown command %j with the whole usage', (argv) => {
    const error = refusal(argv);
    expect(error.message).toMatch(/unknown command|missing command/);
    expect(error.message).toContain(USAGE);
  });
});

describe('the CLI process on a bad command line', () => {
  // An unreachable database: a usage error must be answered before any connection is tried.
  const env = { DATABASE_URL: 'postgres://nobody:nothing@127.0.0.1:1/nowhere' };

  it.each([
    [['key', 'create', '--env'], "Option '--env <value>' argument missing"],
    [['key', 'list', '--nope'], "Unknown option '--nope'"],
    [['catalog', 'apply'], 'missing <file>'],
    [['teleport'], 'unknown command "teleport"'],
  ])('answers %j with its usage line, exit code 2 and no stack trace', async (argv, problem) => {
    const result = await runCli(argv, env);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(problem);
    expect(result.stderr).toContain('Usage: npm run cli -- ');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('prints the usage for --help and exits 0', async () => {
    const result = await runCli(['--help'], env);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain(USAGE);
  });

  it('names DATABASE_URL, without a stack trace, when that database cannot be reached', async () => {
    const result = await runCli(['env', 'list'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot connect to the Postgres of DATABASE_URL');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});
