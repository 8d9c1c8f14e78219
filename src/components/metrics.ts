/** A sample of the agent's own metrics (intake, delivery, polls), as components report them for /metrics. */
import type { PromSample } from '../mapping/shapes.ts';

export interface MetricSample extends PromSample {
  type?: 'gauge' | 'counter';
}
