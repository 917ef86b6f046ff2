// The first screen: a live market for one symbol from the gateway's websocket and HTTP API.
// Candles: history from GET /v1/marketdata/candles, then the live candle from the
// `candles` channel. Ladder from the `book` channel (checksums verified), quote from `l1`,
// tape from `trades`. State is exposed on window.__tickwire for the browser test.
// The Trade panel (trade-panel.ts) trades the selected symbol through order entry, on its own
// port; its state is window.__tickwireTrade.
import { CandlestickSeries, createChart, HistogramSeries, type IChartApi, type ISeriesApi, type UTCTimestamp } from 'lightweight-charts';
import { BookView, type BookMessage } from './book-view';
import { orderEntryUrl, TradeApi } from './trade-api';
import { TradePanel } from './trade-panel';

type Interval = '1m' | '5m' | '1h' | '1d';
const RESOLUTION: Record<Interval, string> = { '1m': '60', '5m': '300', '1h': '3600', '1d': '86400' };

interface HttpCandle { time: number; open: string; high: string; low: string; close: string; volume: number }
interface WsCandle { start: number; open: string; high: string; low: string; close: string; volume: number; closed: boolean }
interface Trade { seq: number; ts: number; price: string; shares: number }

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const key = params.get('key') ?? '';

const state = {
  symbol: params.get('symbol') ?? '',
  interval: '1m' as Interval,
  book: new BookView(),
  seq: 0,
  candles: 0,
  trades: 0,
  connected: false,
  lastPrice: 0,
};
(window as unknown as { __tickwire: typeof state }).__tickwire = state;

const trade = new TradePanel({ api: new TradeApi(orderEntryUrl(location)), storage: window.sessionStorage });
(window as unknown as { __tickwireTrade: TradePanel }).__tickwireTrade = trade;
trade.setSymbol(state.symbol);
trade.start();

let ws: WebSocket | null = null;
let chart: IChartApi;
let candleSeries: ISeriesApi<'Candlestick'>;
let volumeSeries: ISeriesApi<'Histogram'>;

function fmtShares(n: number): string {
  return n.toLocaleString('en-US');
}

function nsToClock(ns: number): string {
  const s = Math.floor(ns / 1e9);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}.${String(Math.floor((ns % 1e9) / 1e6)).padStart(3, '0')}`;
}

function setConnection(text: string, s: 'connecting' | 'live' | 'closed'): void {
  $('conn').dataset.state = s;
  $('conn-text').textContent = text;
}

function renderLadder(): void {
  const b = state.book;
  const bids = b.topBids();
  const asks = b.topAsks();
  const max = Math.max(1, ...bids.map((l) => l[1]), ...asks.map((l) => l[1]));
  const row = (side: 'bid' | 'ask', price: string, shares: number): string => {
    const pct = Math.round((shares / max) * 100);
    const bar = `background-size:${pct}% 100%`;
    return side === 'bid'
      ? `<tr class="bid" data-price="${price}"><td class="size" style="${bar}">${fmtShares(shares)}</td><td>${price}</td><td></td></tr>`
      : `<tr class="ask" data-price="${price}"><td></td><td>${price}</td><td class="size" style="${bar}">${fmtShares(shares)}</td></tr>`;
  };
  $('asks').innerHTML = [...asks].reverse().map(([p, q]) => row('ask', p, q)).join('');
  $('bids').innerHTML = bids.map(([p, q]) => row('bid', p, q)).join('');
  const bestBid = bids[0]?.[0];
  const bestAsk = asks[0]?.[0];
  const ladder = $('ladder');
  ladder.dataset.seq = String(b.seq);
  ladder.dataset.bestBid = bestBid ?? '';
  ladder.dataset.bestAsk = bestAsk ?? '';
  $('spread').textContent = bestBid && bestAsk ? `spread ${(Number(bestAsk) - Number(bestBid)).toFixed(4)}` : '-';
  $('depth-label').textContent = `depth ${b.depth}`;
  const cs = $('checksum');
  cs.dataset.state = b.mismatches > 0 ? 'bad' : b.verified > 0 ? 'ok' : 'pending';
  cs.textContent = b.mismatches > 0 ? `checksum ✗ ${b.mismatches}` : `checksum ✓ ${b.verified}`;
}

function setSeq(seq: number): void {
  if (seq > state.seq) state.seq = seq;
  $('seq').textContent = state.seq.toLocaleString('en-US');
}

function addTrades(trades: Trade[]): void {
  const body = $<HTMLTableSectionElement>('tape');
  const rows: string[] = [];
  for (const t of trades) {
    const p = Number(t.price);
    const dir = state.lastPrice === 0 || p === state.lastPrice ? '' : p > state.lastPrice ? 'up' : 'down';
    state.lastPrice = p;
    state.trades++;
    rows.unshift(`<tr class="${dir}"><td>${nsToClock(t.ts)}</td><td>${t.price}</td><td>${fmtShares(t.shares)}</td></tr>`);
  }
  body.insertAdjacentHTML('afterbegin', rows.join(''));
  while (body.rows.length > 40) body.deleteRow(body.rows.length - 1);
}

function toBar(time: number, c: { open: string; high: string; low: string; close: string }) {
  return { time: Math.floor(time / 1000) as UTCTimestamp, open: Number(c.open), high: Number(c.high), low: Number(c.low), close: Number(c.close) };
}

function toVolume(time: number, c: { open: string; close: string; volume: number }) {
  return { time: Math.floor(time / 1000) as UTCTimestamp, value: c.volume, color: Number(c.close) >= Number(c.open) ? 'rgba(38,166,154,0.45)' : 'rgba(239,83,80,0.45)' };
}

async function loadHistory(): Promise<void> {
  const res = await fetch(`/v1/marketdata/candles?symbol=${encodeURIComponent(state.symbol)}&resolution=${RESOLUTION[state.interval]}&limit=1000`, authHeaders());
  if (!res.ok) return;
  const body = (await res.json()) as { candles: HttpCandle[] };
  candleSeries.setData(body.candles.map((c) => toBar(c.time, c)));
  volumeSeries.setData(body.candles.map((c) => toVolume(c.time, c)));
  state.candles = body.candles.length;
  $('chart').dataset.candles = String(state.candles);
}

function authHeaders(): RequestInit {
  return key === '' ? {} : { headers: { authorization: `Bearer ${key}` } };
}

function send(msg: object): void {
  if (ws !== null && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
}

function subscribeAll(symbol: string, op: 'subscribe' | 'unsubscribe'): void {
  send({ op, channel: 'book', symbol });
  send({ op, channel: 'l1', symbol });
  send({ op, channel: 'trades', symbol });
  send({ op, channel: 'candles', symbol, interval: state.interval });
}

function onMessage(raw: string): void {
  const m = JSON.parse(raw) as { channel?: string; type: string; seq?: number; symbol?: string } & Record<string, unknown>;
  if (m.type === 'ack' || m.type === 'error' || m.type === 'pong' || m.type === 'status') {
    if (m.type === 'error') console.warn('gateway:', m);
    if (m.type === 'ack' && m.channel === 'book') $('tier').textContent = key === '' ? 'free' : 'key';
    return;
  }
  if (typeof m.seq === 'number') setSeq(m.seq);
  if (m.symbol !== undefined && m.symbol !== state.symbol) return;
  switch (m.channel) {
    case 'book':
      state.book.apply(m as unknown as BookMessage);
      renderLadder();
      break;
    case 'l1': {
      const l = m as unknown as { bid: [string, number] | null; ask: [string, number] | null; last: [string, number] | null; volume: number };
      $('q-bid').textContent = l.bid ? `${l.bid[0]} × ${fmtShares(l.bid[1])}` : '-';
      $('q-ask').textContent = l.ask ? `${l.ask[0]} × ${fmtShares(l.ask[1])}` : '-';
      $('q-last').textContent = l.last ? l.last[0] : '-';
      $('q-volume').textContent = fmtShares(l.volume);
      break;
    }
    case 'trades':
      addTrades((m as unknown as { trades: Trade[] }).trades);
      break;
    case 'candles': {
      const c = (m as unknown as { interval: string; candle: WsCandle | null }).candle;
      if (c !== null && (m as unknown as { interval: string }).interval === state.interval) {
        candleSeries.update(toBar(c.start, c));
        volumeSeries.update(toVolume(c.start, c));
        if (m.type === 'snapshot' || c.closed) state.candles = Math.max(state.candles, 1);
        $('chart').dataset.candles = String(Math.max(state.candles, 1));
      }
      break;
    }
    default:
      break;
  }
}

function connect(): void {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/ws${key === '' ? '' : `?key=${encodeURIComponent(key)}`}`;
  setConnection('connecting', 'connecting');
  ws = new WebSocket(url);
  ws.onopen = () => {
    state.connected = true;
    setConnection('live', 'live');
    subscribeAll(state.symbol, 'subscribe');
  };
  ws.onmessage = (e) => onMessage(String(e.data));
  ws.onclose = () => {
    state.connected = false;
    setConnection('reconnecting', 'closed');
    setTimeout(connect, 1000);
  };
}

async function selectSymbol(symbol: string): Promise<void> {
  if (state.symbol !== '' && state.symbol !== symbol) subscribeAll(state.symbol, 'unsubscribe');
  state.symbol = symbol;
  state.book = new BookView();
  state.lastPrice = 0;
  $('tape').innerHTML = '';
  $('chart-title').textContent = `${symbol} · ${state.interval}`;
  trade.setSymbol(symbol);
  // Keep the other parameters (key, orderEntry) so a reload comes back the same.
  const query = new URLSearchParams(location.search);
  query.set('symbol', symbol);
  history.replaceState(null, '', `?${query.toString()}`);
  await loadHistory();
  subscribeAll(symbol, 'subscribe');
}

async function main(): Promise<void> {
  chart = createChart($('chart'), {
    layout: { background: { color: '#161b22' }, textColor: '#7d8792' },
    grid: { vertLines: { color: '#1f252d' }, horzLines: { color: '#1f252d' } },
    // Wide bars: early in the day there are only a few, and they should read as candles.
    timeScale: { timeVisible: true, secondsVisible: false, borderColor: '#262c36', barSpacing: 14, rightOffset: 6 },
    rightPriceScale: { borderColor: '#262c36' },
    autoSize: true,
  });
  candleSeries = chart.addSeries(CandlestickSeries, { upColor: '#26a69a', downColor: '#ef5350', borderVisible: false, wickUpColor: '#26a69a', wickDownColor: '#ef5350' });
  volumeSeries = chart.addSeries(HistogramSeries, { priceScaleId: '', priceFormat: { type: 'volume' } });
  volumeSeries.priceScale().applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });

  const res = await fetch('/v1/symbols');
  const { symbols } = (await res.json()) as { symbols: Array<{ symbol: string; locate?: number }> };
  const select = $<HTMLSelectElement>('symbol');
  select.innerHTML = symbols.map((s) => `<option>${s.symbol}</option>`).join('');
  if (state.symbol === '' || !symbols.some((s) => s.symbol === state.symbol)) state.symbol = symbols[0]?.symbol ?? '';
  select.value = state.symbol;
  trade.setSymbols(symbols);
  trade.setSymbol(state.symbol);
  select.onchange = () => void selectSymbol(select.value);
  for (const b of document.querySelectorAll<HTMLButtonElement>('#intervals button')) {
    b.onclick = () => {
      send({ op: 'unsubscribe', channel: 'candles', symbol: state.symbol, interval: state.interval });
      state.interval = b.dataset.interval as Interval;
      document.querySelectorAll('#intervals button').forEach((x) => x.classList.toggle('on', x === b));
      $('chart-title').textContent = `${state.symbol} · ${state.interval}`;
      void loadHistory().then(() => send({ op: 'subscribe', channel: 'candles', symbol: state.symbol, interval: state.interval }));
    };
  }
  $('chart-title').textContent = `${state.symbol} · ${state.interval}`;
  await loadHistory();
  connect();
}

void main();
