export { type ErrorBody, errorBodySchema } from './errors';
export {
  type HealthResponse,
  healthResponseSchema,
  type HealthStatus,
  healthStatusSchema,
  type ServiceName,
  serviceNameSchema,
} from './health';
