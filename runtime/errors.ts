// runtime/'s catalogue: problems of the process wiring itself, each a stable TW_ERR_ code.

export const RuntimeErrorCode = {
  /** A piece failed to close at the end of the day or after a failed start (the others still closed). */
  Close: 'TW_ERR_RUNTIME_CLOSE',
  /** The order link (HA primary <-> stateless client gateway): a frame that is not a length and a JSON message; the connection is closed. */
  LinkBadFrame: 'TW_ERR_LINK_BAD_FRAME',
  /** The order link: a request without the shape of an OrderEntryRequest (mismatched versions); the connection is closed. */
  LinkBadRequest: 'TW_ERR_LINK_BAD_REQUEST',
  /** The new primary no longer holds every report after the gateway's last: requests in flight are resent, its order mirror misses some reports. */
  LinkGap: 'TW_ERR_LINK_GAP',
  /** The primary's order link could not listen: change ha.orderLink.port (gateways cannot reach it). */
  LinkBind: 'TW_ERR_LINK_BIND',
  /** The order link server failed after it listened. */
  Link: 'TW_ERR_LINK',
  /** A gateway could not journal the accounts' settings on a fresh session. */
  LinkOpenSession: 'TW_ERR_LINK_OPEN_SESSION',
  /**
   * The session's opening carries a different number of balances than this node's previous
   * journal gives (it was made from another node's previous journal, one this node lacks):
   * nothing more is carried; the operator compares the previous journals.
   */
  CarryMismatch: 'TW_ERR_CARRY_MISMATCH',
} as const;
export type RuntimeErrorCode = (typeof RuntimeErrorCode)[keyof typeof RuntimeErrorCode];
