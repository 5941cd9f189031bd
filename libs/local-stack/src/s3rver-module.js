// s3rver ships no types; this re-export gives it the typed surface in s3rver-module.d.ts without
// an ambient `declare module` that every tsconfig importing the local stack would have to include.
import S3rver from 's3rver';
import AWSAccount from 's3rver/lib/models/account.js';

/** Lets s3rver accept another key pair (it knows only S3RVER/S3RVER); the registry is per process. */
export function registerS3rverAccessKey(accessKeyId, secretAccessKey) {
  AWSAccount.DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);
}

export default S3rver;
