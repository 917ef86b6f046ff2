// The admin routes under /admin/v1/ that `tickwire accounts ...` calls: only from loopback
// and with the admin token (checked by the server's hook before these run). Every change
// names its `actor`; money and shares move only through the exchange core as journaled
// deposit/withdraw requests, and risk class, short selling and the kill switch reach it as
// a journaled settings request, so a journal replay rebuilds every balance and setting.
import type { FastifyInstance } from 'fastify';
import type { RiskClassConfig } from '../config';
import type { OrderEntryReport, TradingPort } from '../protocol';
import type { Authenticator } from './auth';
import type { AccountDirectory, AccountView, OrderEntryLogger, SessionDirectory, SuspensionView } from './directories';
import type { OrderDesk } from './order-desk';
import { OrderEntryError, fromDirectoryError } from './errors';
import type { OrderFormatter } from './order-json';
import type { OrderRules } from './order-request';
import { MAX_CASH4, parseDecimal4 } from './prices';
import type { PrivateStream } from './private-stream';
import type { ReportRouter } from './report-router';
import {
  accountIdParamsSchema,
  actorBodySchema,
  createAccountBodySchema,
  killSwitchBodySchema,
  kycBodySchema,
  parseInput,
  sessionIdParamsSchema,
  transferBodySchema,
} from './schemas';

export interface AdminRouteDeps {
  accounts: AccountDirectory;
  sessions: SessionDirectory;
  auth: Authenticator;
  desk: OrderDesk;
  router: ReportRouter;
  formatter: OrderFormatter;
  rules: OrderRules;
  riskClasses: readonly RiskClassConfig[];
  stream: PrivateStream;
  trading: Pick<TradingPort, 'balances'>;
  log: OrderEntryLogger;
  now: () => number;
}

async function directory<T>(call: () => T | Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw fromDirectoryError(error);
  }
}

export function accountJson(a: AccountView) {
  return {
    id: a.id,
    name: a.name,
    loginId: a.loginId,
    kyc: a.kyc,
    status: a.status,
    riskClass: a.riskClass,
    allowShort: a.allowShort,
    killSwitch: a.killSwitch,
    createdAt: a.createdMs,
  };
}

function suspensionJson(s: SuspensionView) {
  return { sessionId: s.sessionId, account: s.accountId, reason: s.reason, detail: s.detail, at: s.atMs, liftedAt: s.liftedMs, liftedBy: s.liftedBy };
}

/** The one refusal a core answer may carry. */
function refusal(reports: OrderEntryReport[]): string {
  for (const r of reports) if (r.kind !== 'execution' && r.reject !== '') return r.reject;
  return '';
}

function parseCash(text: string): number {
  const v = parseDecimal4(text);
  if (v === null || v <= 0 || v > MAX_CASH4) throw new OrderEntryError('TW_ERR_OE_BAD_FIELD', `cash must be a positive decimal string with at most 4 places, at most 100000000000, got ${JSON.stringify(text)}`, { field: 'cash' });
  return v;
}

export function registerAdminRoutes(app: FastifyInstance, d: AdminRouteDeps): void {
  const riskClassIndex = (name: string): number => {
    const i = d.riskClasses.findIndex((c) => c.name === name);
    if (i < 0) throw new OrderEntryError('TW_ERR_OE_BAD_FIELD', `risk class ${JSON.stringify(name)} is not one of ${d.riskClasses.map((c) => c.name).join(', ')}`, { field: 'riskClass' });
    return i;
  };
  const account = async (id: number): Promise<AccountView> => {
    const a = await directory(() => d.accounts.get(id));
    if (a === undefined) throw new OrderEntryError('TW_ERR_OE_NOT_FOUND', `no account ${id}`, { field: 'id' });
    return a;
  };
  /** Sends the account's settings to the core (journaled), refusing on a core reject. */
  const sendSettings = async (a: AccountView, killSwitch: boolean): Promise<void> => {
    const reports = await d.router.request({ kind: 'settings', account: a.id, riskClass: riskClassIndex(a.riskClass), allowShort: a.allowShort, killSwitch });
    const reject = refusal(reports);
    if (reject !== '') throw new OrderEntryError('TW_ERR_OE_ACCOUNT_REJECTED', `the exchange refused the settings of account ${a.id}: ${reject}`, { reason: reject });
  };
  const transfer = async (kind: 'deposit' | 'withdraw', id: number, body: unknown) => {
    const b = parseInput(transferBodySchema, body, 'body');
    const a = await account(id);
    let locate = 0;
    let amount: number;
    if (b.cash !== undefined) {
      if (b.symbol !== undefined || b.shares !== undefined) throw new OrderEntryError('TW_ERR_OE_BAD_FIELD', 'name cash, or symbol and shares, not both', { field: 'cash' });
      amount = parseCash(b.cash);
    } else {
      if (b.symbol === undefined || b.shares === undefined) throw new OrderEntryError('TW_ERR_OE_BAD_FIELD', 'name cash ("1000.00"), or symbol and shares', { field: b.symbol === undefined ? 'symbol' : 'shares' });
      const listed = d.rules.symbols.get(b.symbol);
      if (listed === undefined) throw new OrderEntryError('TW_ERR_OE_UNKNOWN_SYMBOL', `unknown symbol ${JSON.stringify(b.symbol)}`, { field: 'symbol' });
      if (!Number.isSafeInteger(b.shares) || b.shares < 1 || b.shares > 0xffffffff) throw new OrderEntryError('TW_ERR_OE_BAD_QUANTITY', `shares must be a whole number from 1 to ${0xffffffff}`, { field: 'shares' });
      locate = listed.locate;
      amount = b.shares;
    }
    const reports = await d.router.request({ kind, account: a.id, locate, amount });
    const reject = refusal(reports);
    if (reject !== '') throw new OrderEntryError('TW_ERR_OE_ACCOUNT_REJECTED', `the exchange refused the ${kind} for account ${a.id}: ${reject}`, { reason: reject });
    d.log.info({ account: a.id, kind, locate, amount, actor: b.actor }, `${kind} of ${locate === 0 ? 'cash' : d.formatter.ticker(locate)}`);
    return { account: a.id, ...d.formatter.balances(await d.trading.balances(a.id)) };
  };

  app.post('/admin/v1/accounts', async (req) => {
    const b = parseInput(createAccountBodySchema, req.body, 'body');
    const riskClass = b.riskClass ?? d.riskClasses[0].name;
    riskClassIndex(riskClass);
    const cash = b.cash === undefined ? 0 : parseCash(b.cash);
    const { account: a, apiKey } = await directory(() =>
      d.accounts.create(b.name, { password: b.password, riskClass, allowShort: b.allowShort ?? false, kyc: b.kyc ?? 'pending', actor: b.actor }),
    );
    await sendSettings(a, false);
    if (cash > 0) {
      const reports = await d.router.request({ kind: 'deposit', account: a.id, locate: 0, amount: cash });
      const reject = refusal(reports);
      if (reject !== '') throw new OrderEntryError('TW_ERR_OE_ACCOUNT_REJECTED', `account ${a.id} was created, and the exchange refused its deposit: ${reject}`, { reason: reject });
    }
    d.log.info({ account: a.id, name: a.name, actor: b.actor }, 'account created');
    return { ...accountJson(a), apiKey: apiKey.key };
  });

  app.get('/admin/v1/accounts', async () => ({ accounts: (await directory(() => d.accounts.list())).map(accountJson) }));

  app.get('/admin/v1/accounts/:id', async (req) => {
    const { id } = parseInput(accountIdParamsSchema, req.params, 'query');
    const a = await account(id);
    return { ...accountJson(a), balances: d.formatter.balances(await d.trading.balances(a.id)) };
  });

  app.post('/admin/v1/accounts/:id/kyc', async (req) => {
    const { id } = parseInput(accountIdParamsSchema, req.params, 'query');
    const b = parseInput(kycBodySchema, req.body, 'body');
    const a = await directory(() => d.accounts.setKyc(id, b.kyc, b.actor));
    d.auth.forgetAccount(id);
    return accountJson(a);
  });

  for (const action of ['suspend', 'resume'] as const) {
    app.post(`/admin/v1/accounts/:id/${action}`, async (req) => {
      const { id } = parseInput(accountIdParamsSchema, req.params, 'query');
      const b = parseInput(actorBodySchema, req.body, 'body');
      const a = await directory(() => d.accounts[action](id, b.actor));
      d.auth.forgetAccount(id);
      return accountJson(a);
    });
  }

  app.post('/admin/v1/accounts/:id/kill-switch', async (req) => {
    const { id } = parseInput(accountIdParamsSchema, req.params, 'query');
    const b = parseInput(killSwitchBodySchema, req.body, 'body');
    const before = await account(id);
    // The core first: with the switch on it cancels every open order and refuses new ones.
    await sendSettings(before, b.on);
    const a = await directory(() => d.accounts.setKillSwitch(id, b.on, b.actor));
    d.auth.forgetAccount(id);
    d.log.warn({ account: id, on: b.on, actor: b.actor }, `kill switch ${b.on ? 'on' : 'off'}`);
    return accountJson(a);
  });

  app.post('/admin/v1/accounts/:id/fund', async (req) => transfer('deposit', parseInput(accountIdParamsSchema, req.params, 'query').id, req.body));
  app.post('/admin/v1/accounts/:id/withdraw', async (req) => transfer('withdraw', parseInput(accountIdParamsSchema, req.params, 'query').id, req.body));

  app.get('/admin/v1/accounts/:id/suspensions', async (req) => {
    const { id } = parseInput(accountIdParamsSchema, req.params, 'query');
    await account(id);
    return { suspensions: (await directory(() => d.sessions.suspensions(id))).map(suspensionJson) };
  });

  app.post('/admin/v1/sessions/:id/lift', async (req) => {
    const { id } = parseInput(sessionIdParamsSchema, req.params, 'query');
    const b = parseInput(actorBodySchema, req.body, 'body');
    const lifted = await directory(() => d.sessions.liftSuspension(id, b.actor));
    if (!lifted) throw new OrderEntryError('TW_ERR_OE_NOT_FOUND', `session ${id} is not suspended`, { field: 'id' });
    d.desk.liftedSession(id);
    d.auth.clear();
    d.log.info({ session: id, actor: b.actor }, 'session suspension lifted');
    return { sessionId: id, lifted };
  });
}
