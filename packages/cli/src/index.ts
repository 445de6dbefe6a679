export { configuredBackends, type OpenedSource, openSource } from './backends.js';
export { EXIT } from './context.js';
export { buildProgram, main } from './main.js';
