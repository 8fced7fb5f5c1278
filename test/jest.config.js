module.exports = { ...require('../jest.preset.js'), roots: ['<rootDir>'], testMatch: ['**/*.test.ts'], testTimeout: 60000, forceExit: true, setupFilesAfterEnv: ['<rootDir>/support/retry.ts'] };
