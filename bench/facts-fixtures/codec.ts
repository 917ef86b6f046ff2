// The small function a hot loop calls per item (as decodeItch or crc32 on a record). Its
// arithmetic never leaves int32 (a 20-bit result), so no variant's optimized code hinges on
// whether an overflow happened to be seen before it was compiled.
export function mix(acc: number, x: number): number {
  return ((acc ^ x) * 31) & 0xfffff;
}
