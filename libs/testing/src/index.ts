export {
  apiGatewayRestEvent,
  apiGatewayWebSocketEvent,
  lambdaContext,
  type RestEventInput,
  type WebSocketEventInput,
} from './aws-events';
export {
  type EntryRun,
  findWorkspaceRoot,
  probeEntryHealth,
  runEntry,
  type RunningEntry,
  startEntry,
} from './entry-process';
export { testServiceContext } from './service-context';
export { silentLogger } from './silent-logger';
