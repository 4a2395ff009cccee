/** An error answered the way Binance USDⓈ-M does: HTTP status + `{"code":…,"msg":…}`. */
export class BinanceApiError extends Error {
  override readonly name = 'BinanceApiError';
  constructor(
    readonly status: number,
    readonly code: number,
    readonly msg: string,
  ) {
    super(`${code} ${msg}`);
  }

  body(): { code: number; msg: string } {
    return { code: this.code, msg: this.msg };
  }
}

const bad = (code: number, msg: string) => new BinanceApiError(400, code, msg);

export const binanceErrors = {
  unknown: (msg = 'An unknown error occured while processing the request.') => bad(-1000, msg),
  backendTimeout: () =>
    new BinanceApiError(
      503,
      -1007,
      'Timeout waiting for response from backend server. Send status unknown; execution status unknown.',
    ),
  staleTimestamp: () => bad(-1021, 'Timestamp for this request is outside of the recvWindow.'),
  aheadTimestamp: () => bad(-1021, "Timestamp for this request was 1000ms ahead of the server's time."),
  badSignature: () => bad(-1022, 'Signature for this request is not valid.'),
  illegalChars: (param: string, rule: string) =>
    bad(-1100, `Illegal characters found in parameter '${param}'; legal range is '${rule}'.`),
  mandatoryParam: (param: string) =>
    bad(-1102, `Mandatory parameter '${param}' was not sent, was empty/null, or malformed.`),
  eitherOrderIdParam: () => bad(-1102, 'Param orderId or origClientOrderId must be sent, but both were empty/null!'),
  invalidOrderType: () => bad(-1116, 'Invalid orderType.'),
  invalidSide: () => bad(-1117, 'Invalid side.'),
  invalidSymbol: () => bad(-1121, 'Invalid symbol.'),
  lotSize: () => bad(-1013, 'Filter failure: LOT_SIZE'),
  orderNotFound: () => bad(-2013, 'Order does not exist.'),
  badApiKeyFormat: () => new BinanceApiError(401, -2014, 'API-key format invalid.'),
  unknownApiKey: () => new BinanceApiError(401, -2015, 'Invalid API-key, IP, or permissions for action.'),
  marginInsufficient: () => bad(-2019, 'Margin is insufficient.'),
  reduceOnlyRejected: () => bad(-2022, 'ReduceOnly Order is rejected.'),
  duplicateClientOrderId: () => bad(-4116, 'ClientOrderId is duplicated.'),
  minNotional: (min: string) =>
    bad(-4164, `Order's notional must be no smaller than ${min} (unless you choose reduce only).`),
} as const;
