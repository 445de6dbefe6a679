export {
  type ConformanceFile,
  type ConformanceOptions,
  type ConformanceSourceFactory,
  runRootSourceConformance,
  type SourceUnderTest,
  type TestFunction,
} from './conformance.js';
export { type CountingSource, countingSource } from './counting-source.js';
export {
  type FaultKind,
  type FaultOptions,
  type FaultySource,
  faultySource,
  type InjectedFault,
} from './faulty-source.js';
export { freeLocalPort, writeTempTree } from './fixtures.js';
