export { storeConfigFromEnv, type StoreConfig } from './config.js';
export { openStore } from './store.js';
export { permitKeyFor } from './permits.js';
export { StoreInputError } from './validation.js';
export type {
  Adjustment,
  AdjustmentInput,
  AdjustmentResult,
  AnsweredDenial,
  ConsumeResult,
  BeginAttemptResult,
  InFlightOrder,
  OrderAttempt,
  OrderAttemptInput,
  LegacyAttemptInput,
  OrderAttemptOutcome,
  PlanClaim,
  PlanClaimResult,
  Fill,
  FillInput,
  LedgerPosition,
  PauseStatus,
  PermitLayer,
  PermitRecord,
  Side,
  Store,
  TradingMode,
  TradingState,
  TradingStateChange,
  TradingStateChangeInput,
} from './types.js';
