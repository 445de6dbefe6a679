export { configuredBackends, type OpenedSource, openSource } from './backends.js';
export { EXIT } from './exit-codes.js';
export { main } from './main.js';
export { buildProgram } from './program.js';
