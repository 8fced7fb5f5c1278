/**
 * Every client a test connects is closed when the test ends, also when an assertion failed
 * before the test's own close() (a leaked socket would keep receiving events and hold jest open).
 */
import { TestClient } from './client';

beforeEach(() => TestClient.trackUntilTestEnds());
afterEach(() => TestClient.closeTracked());
