export {
  type ConformanceFile,
  type ConformanceOptions,
  type ConformanceSourceFactory,
  runRootSourceConformance,
  type TestFunction,
} from './conformance.js';
