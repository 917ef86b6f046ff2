// runtime/'s catalogue: problems of the process wiring itself, each a stable TW_ERR_ code.

export const RuntimeErrorCode = {
  /** A piece failed to close at the end of the day or after a failed start (the others still closed). */
  Close: 'TW_ERR_RUNTIME_CLOSE',
} as const;
export type RuntimeErrorCode = (typeof RuntimeErrorCode)[keyof typeof RuntimeErrorCode];
