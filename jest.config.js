// Two projects: fast unit specs beside the code, and e2e specs that boot the whole app over HTTP
// against real PostgreSQL (DATABASE_URL, or an embedded PGlite started once in globalSetup).
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];
// jose 6 and a few other dependencies ship ESM only (otplib's @scure/base and @noble/hashes too): let swc
// compile them to CommonJS.
const transformIgnorePatterns = ['/node_modules/(?!(jose|@electric-sql|cookie|content-disposition|openid-client|oauth4webapi|@apidevtools/json-schema-ref-parser|@scure|@noble)/)'];
const transform = { '^.+\\.(t|j|mj|cj)s$': swc };

module.exports = {
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
      transform,
      transformIgnorePatterns,
      testEnvironment: 'node',
    },
    {
      displayName: 'e2e',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      transform,
      transformIgnorePatterns,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/global-setup.ts',
      setupFiles: ['<rootDir>/test/setup-env.ts'],
      globalTeardown: '<rootDir>/test/global-teardown.ts',
    },
  ],
  maxWorkers: 2,
  // e2e tests boot servers and spawn the CLI; unit tests finish far sooner anyway.
  testTimeout: 60000,
};
