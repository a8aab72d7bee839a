// ESLint flat config: strict TypeScript rules, plus the layering the design asks for
// (workflows and domain stay deterministic and free of I/O).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

const nodeBuiltins = [
  'fs',
  'path',
  'os',
  'child_process',
  'net',
  'http',
  'https',
  'crypto',
  'worker_threads',
  'dns',
  'stream',
];
const bannedNode = nodeBuiltins.flatMap((m) => [m, `node:${m}`, `${m}/*`, `node:${m}/*`]);

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      '.tools/**',
      '.data/**',
      '.scratch/**',
      'coverage/**',
      '**/*.js',
      '**/*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    // Without a resolver and parser for .ts files, the import-x rules resolve no relative import
    // and see no edge at all: no-cycle passed over every cycle of this project.
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Runtime cycles. The rule does not follow type-only imports; the layering below (and
      // test/architecture/imports.test.ts, which does follow them) keeps those out too.
      'import-x/no-cycle': 'error',
      eqeqeq: 'error',
      // One way through the layers: domain/ is the model everyone imports and imports none of
      // them; activities/ take the deterministic model from domain/engine/, never from workflows/
      // (whose code would then run on both sides of the Temporal boundary).
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './activities',
              from: './workflows',
              message: 'activities/ take what they share with workflows from domain/engine/, not from workflows/',
            },
            {
              target: './domain',
              from: ['./workflows', './activities', './worker', './client', './rehearsal'],
              message: 'domain/ is the pure model: it imports no workflow, activity, worker, client or rehearsal code',
            },
          ],
        },
      ],
      // Every patch goes through the registry, with its release and its retirement.
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "ImportDeclaration[source.value='@temporalio/workflow'] > ImportSpecifier[imported.name=/^(patched|deprecatePatch)$/]",
          message: 'call patches through isPatched(PATCHES.X) from workflows/patches.ts',
        },
        {
          // The same call through a namespace import (`import * as wf …; wf.patched('x')`), which the
          // import selector above does not see.
          selector: "CallExpression[callee.type='MemberExpression'][callee.property.name=/^(patched|deprecatePatch)$/]",
          message: 'call patches through isPatched(PATCHES.X) from workflows/patches.ts',
        },
      ],
    },
  },
  {
    files: ['workflows/patches.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    // Workflows stay small state machines: a short function wiring handlers to a state class.
    files: ['workflows/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }] },
  },
  {
    // rehearsal/behaviour.ts is the rehearsal's pure half: the schema and the request plan.
    files: ['workflows/**/*.ts', 'domain/**/*.ts', 'rehearsal/behaviour.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: bannedNode.filter((m) => !m.includes('*')),
          patterns: [
            {
              group: [
                '**/activities/*',
                '**/ledger/*',
                '**/mail/*',
                '**/client/*',
                '**/worker/*',
                '**/config',
                '**/config/*',
              ],
              allowTypeImports: true,
              message: 'workflows/, domain/ and the behaviour plan import side-effecting modules as types only',
            },
          ],
        },
      ],
    },
  },
  {
    // The command line talks to a server; running a worker is worker/'s job (or a rehearsal's).
    files: ['client/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['**/worker/*'], message: 'client/ does not import worker/: use config/ or rehearsal/' }],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', '**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
