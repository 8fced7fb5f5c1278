/**
 * Cross-process tests share two cores with real services and Chromium; under heavy contention a
 * few have failed intermittently (see docs/TESTING.md, "Known intermittent failures"). Each such
 * test gets one retry, and the first failure is printed, so a flake stays visible in the log
 * instead of being hidden; a test that fails twice fails the run.
 */
jest.retryTimes(1, { logErrorsBeforeRetry: true });
