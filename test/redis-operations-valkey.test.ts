import { operationsSuite } from './redis-operations';
import { availableFlavours } from './support/redis-harness';

// The store's operations campaign (test/redis-operations.ts) on Valkey; its own file, so Jest runs the flavours side by side.
jest.setTimeout(600_000);
if (availableFlavours().includes('valkey')) operationsSuite('valkey');
else describe.skip('store operations on valkey (valkey is not installed, see the warning above)', () => test('skipped', () => undefined));
