// ESLint flat config: strict TypeScript rules, plus the layering the design asks for
// (workflows and domain stay deterministic and free of I/O).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

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
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      eqeqeq: 'error',
    },
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
