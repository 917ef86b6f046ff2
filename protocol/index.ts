// protocol/: every format that crosses a thread, process or network boundary.
export * from './crc32';
export * from './engine-events';
export * from './engine-event-ring';
