// protocol/: every format that crosses a thread, process or network boundary.
export * from './crc32';
export * from './engine-events';
export * from './engine-event-ring';
export * from './errors';
export * from './bytes';
export * from './itch-messages';
export * from './itch-encoder';
export * from './itch-decoder';
export * from './itch-file-reader';
export * from './moldudp64';
export * from './moldudp64-packetizer';
export * from './moldudp64-parser';
export * from './soupbintcp';
export * from './storage-records';
export * from './gateway-messages';
export * from './session-name';
export * from './market-data-records';
export { mulberry32, testSeed } from './prng';
