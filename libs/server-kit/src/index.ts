export {
  type BaseConfig,
  baseConfigSchema,
  corsOriginsSchema,
  type HttpConfig,
  httpConfigSchema,
} from './base-config';
export { createHttpApp, type HttpAppOptions } from './http-app';
export {
  createEventLambdaHandler,
  createHttpLambdaHandler,
  type HttpLambdaHandler,
} from './lambda';
export { listen, type ListenOptions } from './listen';
export { runMain } from './main-guard';
export { runHttpService } from './run-http-service';
export {
  createServiceContext,
  type ServiceContext,
  type ServiceContextOverrides,
} from './service-context';
