/** What a failed delivery write threw, for tests that check its kind and code. */
import assert from 'node:assert/strict';
import { DeliveryError } from '../../src/delivery/types.ts';

/** The DeliveryError `promise` rejects with (fails the test when it resolves or throws something else). */
export async function deliveryErrorOf(promise: Promise<unknown>): Promise<DeliveryError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof DeliveryError, `not a DeliveryError: ${error}`);
    return error;
  }
  assert.fail('expected the write to fail');
}
