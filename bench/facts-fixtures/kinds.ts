// The constants a hot loop reads: an enum-like object (as protocol's EngineEventType) and a
// plain number (as COMMAND_SIZE).
export const Kind = { Add: 65, Delete: 68, Execute: 69 } as const;
export const STEP = 7;
