// IPC with a benchmark's forked child (a receiver, a feed handler): wait for one message type.
import type { ChildProcess } from 'node:child_process';

/** Resolves with the child's next IPC message of `type`; rejects, naming `who`, after `timeoutMs`. */
export function nextMessage<T extends { type: string }>(child: ChildProcess, type: T['type'], timeoutMs: number, who = 'child'): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${who}: no '${type}' within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (raw: unknown): void => {
      const msg = raw as T;
      if (msg.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(msg);
    };
    child.on('message', onMessage);
  });
}
