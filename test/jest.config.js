module.exports = {
  ...require('../jest.preset.js'),
  roots: ['<rootDir>'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 60000,
  setupFilesAfterEnv: ['<rootDir>/support/close-clients.ts'],
  forceExit: true,
};
