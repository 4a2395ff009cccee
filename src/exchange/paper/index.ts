export { startPaperExchange, type PaperExchange, type PaperExchangeOptions } from './server.js';
export { loadScenarioFile, parseScenario, ScenarioError, type Scenario } from './scenario.js';
export { signPayload } from './signing.js';
export type { FaultAction, FaultInput, Fault } from './faults.js';
export type { OrderLogEntry, OrderOutcome } from './order-log.js';
export type { PaperState, PaperOrder, PositionChange } from './state.js';
