// tickwire keys: API keys for the gateway. `create` prints the key once (only its SHA-256 is
// stored in gateway.keysFile); `list` shows ids, names and tiers; `revoke` removes one.
import type { Command } from 'commander';
import { GATEWAY_TIERS, type GatewayTier } from '../../protocol';
import { GatewayError, KeyStore } from '../../gateway';
import { collect, resolveConfig } from '../cli-config';

interface KeysOptions {
  file?: string;
  config?: string;
  set?: string[];
}

function store(opts: KeysOptions): KeyStore {
  const config = resolveConfig(opts, { 'gateway.keysFile': opts.file });
  return new KeyStore(config.gateway.keysFile);
}

function fail(err: unknown): never {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof GatewayError ? 2 : 1);
}

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('API keys for the websocket gateway and HTTP API (only a hash is stored)');
  const common = (c: Command): Command =>
    c
      .option('--file <path>', 'keys file (gateway.keysFile, default data/keys.json)')
      .option('--config <file>', 'JSON config file')
      .option('--set <path=value>', 'any setting (repeatable)', collect, []);
  common(
    keys
      .command('create')
      .description('create a key and print it once')
      .requiredOption('--tier <tier>', `entitlement tier: ${GATEWAY_TIERS.join(', ')}`)
      .requiredOption('--name <name>', 'who the key is for'),
  )
    .addHelpText('after', '\nExample:\n  tickwire keys create --tier pro --name acme-broker\n  (clients send Authorization: Bearer KEY)')
    .action((opts: KeysOptions & { tier: string; name: string }) => {
      if (!(GATEWAY_TIERS as readonly string[]).includes(opts.tier)) {
        process.stderr.write(`TW_ERR_GW_BAD_PARAM: --tier must be one of ${GATEWAY_TIERS.join(', ')}, got "${opts.tier}"\n`);
        process.exit(2);
      }
      try {
        const s = store(opts);
        const { key, record } = s.create(opts.tier as GatewayTier, opts.name);
        process.stdout.write(`${key}\n`);
        process.stderr.write(`key ${record.id} (${record.tier}, "${record.name}") saved as a SHA-256 hash in ${s.file}; this is the only time the key is shown\n`);
      } catch (err) {
        fail(err);
      }
    });
  common(keys.command('list').description('list keys (ids, names, tiers; never the keys)')).action((opts: KeysOptions) => {
    try {
      const s = store(opts);
      for (const r of s.list()) process.stdout.write(`${r.id}  ${r.tier.padEnd(7)}  ${r.createdAt}  ${r.name}\n`);
    } catch (err) {
      fail(err);
    }
  });
  common(keys.command('revoke').description('remove a key by id').argument('<id>', 'the key id (tickwire keys list)')).action((id: string, opts: KeysOptions) => {
    try {
      if (!store(opts).revoke(id)) {
        process.stderr.write(`TW_ERR_GW_BAD_PARAM: no key with id ${id}\n`);
        process.exit(2);
      }
      process.stdout.write(`revoked ${id}\n`);
    } catch (err) {
      fail(err);
    }
  });
}
