export {
  createDeliveryQueue,
  type DeliveryQueue,
  type DeliveryQueueOptions,
  type RetryOptions,
} from './queue.ts';
export {
  DeliveryError,
  type DeliveryErrorCode,
  type DeliveryErrorKind,
  type DeliverySink,
  type DeliveryStats,
  type DropReason,
  type Overflow,
} from './types.ts';
