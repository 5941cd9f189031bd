export type {
  AvailableTool,
  StartedTurn,
  StartTurnOptions,
  ToolCallResult,
  ToolExecutor,
  TurnEngine,
  TurnEventListener,
  TurnOutcome,
  TurnRequest,
} from './ports';
