import { defineNativeErrors, SYSTEM_ERROR_CODES } from '@photolala/core/backend';

export const BACKEND = 'local';

/** A local disk's errors are Node.js system errors: `ENOENT` is NOT_FOUND, `EACCES` PERMISSION_DENIED, and so on. */
export const localErrors = defineNativeErrors({ backend: BACKEND, codes: SYSTEM_ERROR_CODES });
