// config/: every setting, its default, and loading from file, env and flags.
export * from './schema';
export * from './errors';
export { loadConfig, parseSetFlags, envName, settingPaths, parseScalar, type ConfigSources } from './load';
export { DEFAULT_LISTING, listing, type ListedSymbol } from './listing';
