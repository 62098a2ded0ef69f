import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as sdkSource from '@tollgate/node-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packSdkPackageCopy, run, type SdkPackageCopy } from '../support/sdkPackageCopy';

// @tollgate/node-sdk as npm would publish it: a copy outside the repository, packed (which builds ESM and CommonJS,
// each with declarations), then required, imported and type-checked by package name, so that its exports map is
// what resolves, not the source alias the other tests use.
let copy: SdkPackageCopy;

beforeAll(async () => {
  copy = await packSdkPackageCopy();
  expect(copy.pack, copy.pack.stderr.slice(-4_000)).toMatchObject({ code: 0 });
}, 120_000);
afterAll(() => copy?.remove());

const writeConsumer = (name: string, text: string) => writeFileSync(join(copy.consumerDir, name), text);
const runConsumer = async (file: string) => {
  const result = await run(process.execPath, [file], copy.consumerDir);
  expect(result, result.stderr.slice(-4_000)).toMatchObject({ code: 0 });
  return JSON.parse(result.stdout);
};

// Each consumer initializes offline, checks a feature with a global fallback and one without, and reports what it loaded.
const offlineChecks = `
  const tollgate = Tollgate.initialize({ apiKey: 'x', offline: true, entitlementsFallback: { 'feature-sso': { hasAccess: true } } });
  await tollgate.waitForInitialization();
  const sso = await tollgate.getBooleanEntitlement({ customerId: 'customer-1', featureId: 'feature-sso' });
  const other = await tollgate.getBooleanEntitlement({ customerId: 'customer-1', featureId: 'feature-other' });
  await tollgate.close();
  const enums = Object.fromEntries(Object.entries(sdk).filter(([, value]) => typeof value === 'object'));
`;
// tsc's diagnostics, without the --explainFiles listing around them.
const errorsOf = (output: string) => output.split('\n').filter((line) => /error TS\d+/.test(line)).join('\n');
const sourceEnums = Object.fromEntries(Object.entries(sdkSource).filter(([, value]) => typeof value === 'object'));
const sourceExportNames = Object.keys(sdkSource).sort();

describe('the built SDK package', () => {
  it('packs, from a copy with no build output, both builds with their declarations, and no sources, tests or build settings', () => {
    const files: string[] = JSON.parse(copy.pack.stdout)[0].files.map((file: { path: string }) => file.path);
    for (const entry of ['dist/esm/index.js', 'dist/esm/index.d.ts', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/cjs/package.json'])
      expect(files).toContain(entry);
    expect(files).toContain('package.json');
    expect(files).toContain('README.md');
    expect(files.filter((path) => !/^(dist\/(esm|cjs)\/|package\.json$|README\.md$|LICENSE$)/.test(path))).toEqual([]);
    expect(files.filter((path) => /(^|\/)src\/|\.test\.|\.ts$(?<!\.d\.ts)|tsconfig/.test(path))).toEqual([]);
  });

  it('require()s the CommonJS build by package name, whose checks answer offline from the fallbacks', async () => {
    writeConsumer(
      'check.cjs',
      `const sdk = require('@tollgate/node-sdk');
      const { Tollgate } = sdk;
      (async () => {${offlineChecks}
        const loaded = Object.keys(require.cache).filter((path) => path.includes('node-sdk'));
        console.log(JSON.stringify({ resolved: require.resolve('@tollgate/node-sdk'), loaded, exportNames: Object.keys(sdk).sort(), defaultIsTollgate: sdk.default === Tollgate, sso, other, enums }));
      })();`,
    );
    const answer = await runConsumer('check.cjs');
    expect(answer.resolved).toBe(join(copy.packageDir, 'dist/cjs/index.js'));
    // Every module of the SDK the require loaded is from the CommonJS build.
    expect(answer.loaded.length).toBeGreaterThan(5);
    expect(answer.loaded.filter((path: string) => !path.startsWith(join(copy.packageDir, 'dist/cjs/')))).toEqual([]);
    expect(answer.exportNames).toEqual(sourceExportNames);
    expect(answer.defaultIsTollgate).toBe(true);
    expect(answer.sso).toStrictEqual({ hasAccess: true, isFallback: true, type: 'BOOLEAN' });
    expect(answer.other).toMatchObject({ hasAccess: false, isFallback: true, type: 'BOOLEAN' });
    expect(answer.enums).toStrictEqual(sourceEnums);
    expect(answer.enums.UsageUpdateBehavior).toStrictEqual(sdkSource.UsageUpdateBehavior);
  });

  it('import()s the ESM build by package name, whose checks answer offline from the fallbacks', async () => {
    writeConsumer(
      'check.mjs',
      `import * as sdk from '@tollgate/node-sdk';
      import Tollgate from '@tollgate/node-sdk';
      ${offlineChecks}
      const resolved = new URL(import.meta.resolve('@tollgate/node-sdk')).pathname;
      console.log(JSON.stringify({ resolved, exportNames: Object.keys(sdk).sort(), defaultIsTollgate: Tollgate === sdk.Tollgate, sso, other, enums }));`,
    );
    const answer = await runConsumer('check.mjs');
    expect(answer.resolved).toBe(join(copy.packageDir, 'dist/esm/index.js'));
    expect(answer.exportNames).toEqual(sourceExportNames);
    expect(answer.defaultIsTollgate).toBe(true);
    expect(answer.sso).toStrictEqual({ hasAccess: true, isFallback: true, type: 'BOOLEAN' });
    expect(answer.other).toMatchObject({ hasAccess: false, isFallback: true, type: 'BOOLEAN' });
    expect(answer.enums).toStrictEqual(sourceEnums);
    expect(answer.enums.SubscriptionCancellationTime).toStrictEqual(sdkSource.SubscriptionCancellationTime);
  });

  it('depends on nothing, says Node >= 20, publishes public, and its code and declarations import only its own files and Node built-ins', () => {
    const manifest = JSON.parse(readFileSync(join(copy.packageDir, 'package.json'), 'utf8'));
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies', 'bundleDependencies']) expect(Object.keys(manifest[field] ?? {})).toEqual([]);
    const minimum = /^>=\s*(\d+)(\.\d+)*$/.exec(manifest.engines?.node ?? '');
    expect(minimum, `engines.node is ${manifest.engines?.node}`).not.toBeNull();
    expect(Number(minimum![1])).toBeGreaterThanOrEqual(20);
    // A scoped package is published private unless it says otherwise.
    expect(manifest.publishConfig?.access).toBe('public');
    for (const build of ['esm', 'cjs']) {
      const folder = join(copy.packageDir, 'dist', build);
      const specifiers = readdirSync(folder)
        .filter((name) => name.endsWith('.js') || name.endsWith('.d.ts'))
        .flatMap((name) => [...readFileSync(join(folder, name), 'utf8').matchAll(/(?:\bfrom\s*|\brequire\(\s*|\bimport\(\s*)["']([^"']+)["']/g)].map((match) => match[1]!));
      expect(specifiers.length).toBeGreaterThan(10);
      expect(specifiers.filter((specifier) => !/^\.\/[\w.-]+\.js$|^node:/.test(specifier))).toEqual([]);
    }
  });

  // A consumer of each module kind: typed (a wrong argument is an error), the default export a type and a value.
  const consumerCode = (importLines: string) => `${importLines}
    const tollgate: Tollgate = sdk.Tollgate.initialize({ apiKey: 'x', offline: true, entitlementsFallback: { 'feature-sso': { hasAccess: true } } });
    export const check: Promise<BooleanEntitlement> = tollgate.getBooleanEntitlement({ customerId: 'customer-1', featureId: 'feature-sso' });
    export const behavior: UsageUpdateBehavior = sdk.UsageUpdateBehavior.Set;
    // @ts-expect-error the declarations are typed: a number is no customer id
    tollgate.getBooleanEntitlement({ customerId: 1, featureId: 'feature-sso' });
  `;
  const namedImports = `import Tollgate, { UsageUpdateBehavior, type BooleanEntitlement } from '@tollgate/node-sdk';`;
  const consumers: Record<string, string> = {
    'consumer.cts': consumerCode(`import sdk = require('@tollgate/node-sdk');\n${namedImports}`),
    'consumer.mts': consumerCode(`import * as sdk from '@tollgate/node-sdk';\n${namedImports}`),
    'consumer.ts': consumerCode(`import * as sdk from '@tollgate/node-sdk';\n${namedImports}`),
  };

  it.each([
    // skipLibCheck off: the SDK's declarations themselves are checked too.
    ['nodenext', { module: 'nodenext', moduleResolution: 'nodenext', skipLibCheck: false }, ['consumer.cts', 'consumer.mts'], ['cjs', 'esm']],
    // Refuses require() of ESM, so the .cts consumer passes only if the declarations it reads are CommonJS ones.
    ['node16', { module: 'node16', moduleResolution: 'node16' }, ['consumer.cts', 'consumer.mts'], ['cjs', 'esm']],
    // An old resolver, which ignores exports and reads main and types.
    ['node10', { module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true }, ['consumer.ts'], ['cjs']],
  ])('type-checks consumers against the built declarations under module resolution %s', async (name, options, files, builds) => {
    for (const file of files) writeConsumer(file, consumers[file]!);
    const compilerOptions = { target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: ['node'], ...options };
    writeConsumer(`tsconfig.${name}.json`, JSON.stringify({ compilerOptions, files }));
    const checked = await run(process.execPath, [join(copy.packageDir, 'node_modules/typescript/bin/tsc'), '-p', `tsconfig.${name}.json`, '--explainFiles'], copy.consumerDir);
    expect(checked.code, errorsOf(checked.stdout)).toBe(0);
    // Each consumer read the declarations of the build its module kind resolves to.
    for (const build of ['cjs', 'esm']) expect(checked.stdout.includes(`node-sdk/dist/${build}/index.d.ts`), build).toBe(builds.includes(build));
  });

  it("type-checks the package README's examples against the built declarations", async () => {
    const blocks = [...readFileSync(join(copy.packageDir, 'README.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    // Each block as a module of its own; a block that continues an earlier one gets the import and client it uses.
    const files = blocks.map((block, index) => {
      const imports = block.includes("from '@tollgate/node-sdk'") ? '' : "import Tollgate from '@tollgate/node-sdk';\n";
      const client = /\bconst tollgate\b/.test(block) ? '' : 'declare const tollgate: Tollgate;\n';
      writeConsumer(`readme-${index}.mts`, `${imports}${client}${block}\nexport {};\n`);
      return `readme-${index}.mts`;
    });
    const compilerOptions = { target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: ['node'], module: 'nodenext', moduleResolution: 'nodenext' };
    writeConsumer('tsconfig.readme.json', JSON.stringify({ compilerOptions, files }));
    const checked = await run(process.execPath, [join(copy.packageDir, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.readme.json'], copy.consumerDir);
    expect(checked.code, checked.stdout).toBe(0);
  });
});
