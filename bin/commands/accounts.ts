// tickwire accounts: the running exchange's accounts, through the client gateway's admin
// routes (loopback only, with the admin token `tickwire run` writes to
// orderEntry.adminTokenFile). Money, shares, risk settings and the kill switch go through
// the exchange core as journaled commands; the account database only through the gateway,
// so nothing here opens it behind the running process's back.
import * as fs from 'node:fs';
import type { Command } from 'commander';
import type { TickwireConfig } from '../../config';
import { collect, resolveConfig } from '../cli-config';
import { CliErrorCode, EXIT_BAD_INPUT, EXIT_FAILED } from '../errors';

interface CommonFlags {
  config?: string;
  set?: string[];
  url?: string;
  json?: boolean;
  actor?: string;
}

type Json = Record<string, unknown>;

class AdminClient {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  async call(method: string, route: string, body?: Json): Promise<Json> {
    let res: Response;
    try {
      res = await fetch(this.url + route, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new CliFailure(`TW_ERR_OE_UNREACHABLE: no client gateway answers at ${this.url} (${(err as Error).message}); is \`tickwire run\` running? (orderEntry.host/port, or --url)`, EXIT_FAILED);
    }
    const text = await res.text();
    const parsed = text === '' ? {} : (JSON.parse(text) as Json);
    if (!res.ok) throw new CliFailure(`${String(parsed.code ?? res.status)}: ${String(parsed.message ?? text)}`, res.status < 500 ? EXIT_BAD_INPUT : EXIT_FAILED);
    return parsed;
  }

  /** An account id from an id or a name. */
  async resolve(who: string): Promise<number> {
    if (/^\d+$/.test(who)) return Number(who);
    const list = (await this.call('GET', '/admin/v1/accounts')).accounts as Json[];
    const found = list.find((a) => a.name === who || a.loginId === who);
    if (found === undefined) throw new CliFailure(`TW_ERR_OE_NOT_FOUND: no account named ${JSON.stringify(who)}`, EXIT_BAD_INPUT);
    return Number(found.id);
  }
}

class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

function client(opts: CommonFlags): AdminClient {
  const config: TickwireConfig = resolveConfig(opts, {});
  const oe = config.orderEntry;
  const host = oe.host.includes(':') ? `[${oe.host}]` : oe.host;
  const url = (opts.url ?? `http://${host}:${oe.port}`).replace(/\/$/, '');
  let token: string;
  try {
    token = fs.readFileSync(oe.adminTokenFile, 'utf8').trim();
  } catch (err) {
    throw new CliFailure(`${CliErrorCode.File}: cannot read the admin token ${oe.adminTokenFile} (${(err as Error).message}); \`tickwire run\` writes it at start (orderEntry.adminTokenFile)`, EXIT_FAILED);
  }
  return new AdminClient(url, token);
}

function print(opts: CommonFlags, value: Json, human: (v: Json) => string): void {
  process.stdout.write(opts.json === true ? `${JSON.stringify(value)}\n` : `${human(value)}\n`);
}

function accountLine(a: Json): string {
  return `${String(a.id).padStart(6)}  ${String(a.loginId)}  ${String(a.kyc).padEnd(8)}  ${String(a.status).padEnd(9)}  ${String(a.riskClass).padEnd(13)}  ${a.killSwitch === true ? 'KILL  ' : '      '}${String(a.name)}`;
}

type Flags = CommonFlags & Json & { args: string[] };

/** Commander passes positionals, then the options, then the command: hand both to `action`. */
function run(action: (opts: Flags) => Promise<void>): (...given: unknown[]) => Promise<void> {
  return async (...given) => {
    const command = given[given.length - 1] as Command;
    try {
      await action({ ...(command.opts() as CommonFlags & Json), args: command.args });
    } catch (err) {
      process.stderr.write(`${(err as Error).message}\n`);
      process.exitCode = err instanceof CliFailure ? err.exitCode : EXIT_FAILED;
    }
  };
}

export function registerAccounts(program: Command): void {
  const accounts = program.command('accounts').description("the running exchange's trading accounts (through the client gateway's admin routes)");
  const common = (c: Command): Command =>
    c
      .option('--url <url>', 'client gateway (default from orderEntry.host/port: http://127.0.0.1:8081)')
      .option('--actor <name>', 'who makes the change (recorded)', process.env.USER ?? 'cli')
      .option('--json', 'print JSON')
      .option('--config <file>', 'JSON config file')
      .option('--set <path=value>', 'any setting (repeatable)', collect, []);

  common(
    accounts
      .command('create')
      .description('create an account; prints its id, loginId (the binary protocols\' username) and API key (shown once)')
      .requiredOption('--name <name>', 'unique account name')
      .option('--password <password>', 'password for logins (at most 10 characters to also log in over OUCH/SoupBinTCP)')
      .option('--cash <dollars>', 'opening cash deposit, e.g. 100000.00')
      .option('--kyc <state>', 'pending | approved | rejected', 'pending')
      .option('--risk-class <name>', 'one of orderEntry.riskClasses (default the first)')
      .option('--allow-short', 'allow short sales'),
  )
    .addHelpText('after', '\nExample:\n  tickwire accounts create --name alice --password s3cret --cash 100000 --kyc approved --json')
    .action(
      run(async (o) => {
        const c = client(o);
        const body: Json = { name: o.name, kyc: o.kyc, actor: o.actor };
        if (o.password !== undefined) body.password = o.password;
        if (o.cash !== undefined) body.cash = String(o.cash);
        if (o.riskClass !== undefined) body.riskClass = o.riskClass;
        if (o.allowShort === true) body.allowShort = true;
        const a = await c.call('POST', '/admin/v1/accounts', body);
        print(o, a, (v) => `account ${String(v.id)} "${String(v.name)}" loginId ${String(v.loginId)} kyc ${String(v.kyc)}\napi key (shown once): ${String(v.apiKey)}`);
      }),
    );

  for (const [verb, kyc, what] of [['approve', 'approved', 'approve its KYC'], ['reject', 'rejected', 'reject its KYC']] as const) {
    common(accounts.command(`${verb} <account>`).description(`${what} (id or name)`)).action(
      run(async (o) => {
        const c = client(o);
        const id = await c.resolve(o.args[0] ?? '');
        print(o, await c.call('POST', `/admin/v1/accounts/${id}/kyc`, { kyc, actor: o.actor }), accountLine);
      }),
    );
  }

  for (const [verb, route] of [['fund', 'fund'], ['withdraw', 'withdraw']] as const) {
    common(
      accounts
        .command(`${verb} <account>`)
        .description(`${verb === 'fund' ? 'deposit' : 'withdraw'} cash, or shares of a symbol (journaled)`)
        .option('--cash <dollars>', 'cash, e.g. 2500.00')
        .option('--symbol <ticker>', 'a listed symbol, with --shares')
        .option('--shares <n>', 'whole shares'),
    ).action(
      run(async (o) => {
        const c = client(o);
        const id = await c.resolve(o.args[0] ?? '');
        const body: Json = { actor: o.actor };
        if (o.cash !== undefined) body.cash = String(o.cash);
        if (o.symbol !== undefined) body.symbol = o.symbol;
        if (o.shares !== undefined) body.shares = Number(o.shares);
        print(o, await c.call('POST', `/admin/v1/accounts/${id}/${route}`, body), (v) => JSON.stringify(v));
      }),
    );
  }

  for (const verb of ['suspend', 'resume'] as const) {
    common(accounts.command(`${verb} <account>`).description(`${verb} an account (its keys and sessions stop or start working)`)).action(
      run(async (o) => {
        const c = client(o);
        const id = await c.resolve(o.args[0] ?? '');
        print(o, await c.call('POST', `/admin/v1/accounts/${id}/${verb}`, { actor: o.actor }), accountLine);
      }),
    );
  }

  common(accounts.command('kill-switch <account> <on|off>').description('on: cancel every open order of the account and refuse new ones; off: trade again')).action(
    run(async (o) => {
      const state = o.args[1] ?? '';
      if (state !== 'on' && state !== 'off') throw new CliFailure(`${CliErrorCode.BadFlag}: kill-switch takes on or off, got ${JSON.stringify(state)}`, EXIT_BAD_INPUT);
      const c = client(o);
      const id = await c.resolve(o.args[0] ?? '');
      print(o, await c.call('POST', `/admin/v1/accounts/${id}/kill-switch`, { on: state === 'on', actor: o.actor }), accountLine);
    }),
  );

  common(accounts.command('lift <sessionId>').description("lift a session's suspension for abnormal traffic (admin only)")).action(
    run(async (o) => {
      const c = client(o);
      print(o, await c.call('POST', `/admin/v1/sessions/${encodeURIComponent(o.args[0] ?? '')}/lift`, { actor: o.actor }), (v) => JSON.stringify(v));
    }),
  );

  common(accounts.command('list').description('list accounts')).action(
    run(async (o) => {
      const c = client(o);
      const res = await c.call('GET', '/admin/v1/accounts');
      if (o.json === true) process.stdout.write(`${JSON.stringify(res)}\n`);
      else for (const a of res.accounts as Json[]) process.stdout.write(`${accountLine(a)}\n`);
    }),
  );

  common(accounts.command('show <account>').description("one account with its balances")).action(
    run(async (o) => {
      const c = client(o);
      const id = await c.resolve(o.args[0] ?? '');
      print(o, await c.call('GET', `/admin/v1/accounts/${id}`), (v) => JSON.stringify(v, null, 2));
    }),
  );
}
