// Runtime layering from STYLE.md, and no circular imports. `npm run lint` runs it.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'shared-is-pure',
      comment: 'src/shared runs anywhere: no Node, Electron, DOM frameworks or other layers',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { pathNot: ['^src/shared/', '^node_modules/zod/'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'server-layer',
      severity: 'error',
      from: { path: '^server/' },
      to: { path: ['^src/(renderer|main|preload|agent|bench|devices|cli|client)/', '^node_modules/electron/'] },
    },
    {
      name: 'node-layers-not-electron-or-ui',
      comment: 'the CLI may start a master through server/index.ts, never reach into server internals',
      severity: 'error',
      from: { path: '^src/(agent|devices|bench|cli|client)/' },
      to: { path: ['^src/(renderer|main|preload)/', '^server/', '^node_modules/electron/'], pathNot: '^server/index\\.ts$' },
    },
    {
      name: 'main-layer',
      severity: 'error',
      from: { path: '^src/main/' },
      to: { path: ['^src/renderer/', '^server/'] },
    },
    {
      name: 'preload-layer',
      comment: 'preload sees only electron and types from src/shared',
      severity: 'error',
      from: { path: '^src/preload/' },
      to: {
        pathNot: ['^src/preload/', '^src/shared/', '^node_modules/electron/'],
      },
    },
    {
      name: 'renderer-layer',
      severity: 'error',
      from: { path: '^src/renderer/' },
      to: {
        path: ['^src/(main|preload|agent|devices|bench|cli|client)/', '^server/', '^node_modules/electron/'],
      },
    },
    {
      name: 'renderer-no-node-builtins',
      severity: 'error',
      from: { path: '^src/renderer/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'shared-no-node-builtins',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { dependencyTypes: ['core'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Worktrees link node_modules to the main checkout; judge paths as written, not resolved.
    preserveSymlinks: true,
    exclude: { path: ['^node_modules', '^dist/', '^out/'] },
    tsConfig: { fileName: 'tsconfig.node.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'] },
  },
};
