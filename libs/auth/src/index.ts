export type { Principal, TokenVerifier } from './principal';
