export { type LocalPostgres, startLocalPostgres } from './postgres-server';
export { type PostgresTarget, postgresTargets } from './postgres-targets';
