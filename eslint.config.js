// Lint: typescript-eslint's recommended rules plus the runtime layering of STYLE.md as
// import restrictions (dependency-cruiser checks the same table, and circular imports).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = { group: ['node:*'], message: 'this layer runs outside Node' };
const electron = { group: ['electron'], message: 'only src/main and src/preload may import electron' };

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'out', 'test-results', 'playwright-report', 'bench/.runs', 'examples/**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/shared/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [nodeBuiltins, electron, { group: ['react', 'react-dom'], message: 'shared code has no UI' }] }],
    },
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { 'no-restricted-imports': ['error', { patterns: [nodeBuiltins, electron] }] },
  },
  {
    files: ['server/**', 'src/agent/**', 'src/devices/**', 'src/bench/**', 'src/cli/**', 'src/client/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [electron] }] },
  },
);
