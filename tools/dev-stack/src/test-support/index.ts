// What other projects' tests (apps/web-e2e) use to run `npm start`'s stack and sign in to it.
export { WEB_CLIENT_ID } from '../services';
export { type DevStackProcess, randomPortBase, startDevStack } from './dev-stack-process';
export { signIn } from './sign-in';
