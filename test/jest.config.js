/**
 * The soak (load.test.ts) runs only through `npm run soak` (SOAK=1): it currently reproduces an
 * open bug (workflows that stall under sustained load, issue 6; see docs/TESTING.md), so it is
 * kept out of `npm test` until that is fixed rather than made to pass.
 */
module.exports = {
  ...require('../jest.preset.js'),
  roots: ['<rootDir>'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: process.env.SOAK ? ['/node_modules/'] : ['/node_modules/', 'load\\.test\\.ts$'],
  testTimeout: 60000,
  forceExit: true,
  setupFilesAfterEnv: ['<rootDir>/support/retry.ts'],
};
