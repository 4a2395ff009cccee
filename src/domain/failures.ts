/** ApplicationFailure types that activities throw and the plan workflow decides on. */
export const FailureTypes = {
  /** The exchange refused for good (e.g. -2019 margin insufficient): the plan ends FAILED with its reason. */
  exchangeRejected: 'ExchangeRejected',
  /** A network-class exchange error: retried with backoff. */
  exchangeRetryable: 'ExchangeRetryable',
  /** The order call timed out or was reset after it may have reached the exchange: look it up first. */
  orderAmbiguous: 'OrderAmbiguous',
  /** A permit expired (or was already used) before the order could be sent: nothing was sent. */
  permitExpired: 'PermitExpired',
  /** Trading was paused when the order was about to be sent: nothing was sent. */
  tradingPaused: 'TradingPaused',
  /** Trading was halted when the order was about to be sent: nothing was sent, the plan ends DENIED. */
  tradingHalted: 'TradingHalted',
  /**
   * An earlier order attempt of the plan may still execute or be found: nothing may be sent until it is
   * settled (its window has passed and a lookup found nothing, or the lookup found the order).
   */
  orderUnsettled: 'OrderUnsettled',
  /** The worker cannot tell the exchange's time closely enough (EXCHANGE_CLOCK_SKEW_BOUND_MS): nothing sent. */
  clockSkew: 'ClockSkew',
  /**
   * A ledger sync had to wait: an order of the symbol is in flight, or something was booked while the
   * exchange was read. Retried; the ledger is unchanged meanwhile.
   */
  reconcileFenced: 'ReconcileFenced',
} as const;

export const NON_RETRYABLE_ORDER_FAILURES = [
  FailureTypes.exchangeRejected,
  FailureTypes.permitExpired,
  FailureTypes.tradingPaused,
  FailureTypes.tradingHalted,
  FailureTypes.orderUnsettled,
  FailureTypes.clockSkew,
];
