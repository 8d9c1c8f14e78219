export { durationSeconds, isInfluxDuration } from './duration.ts';
export { encodeLine, encodeLines } from './line-protocol.ts';
export { createInfluxSink, type InfluxSink, type InfluxSinkOptions } from './sink.ts';
