// s3rver ships no types; this re-export gives it the typed surface in s3rver-module.d.ts without
// an ambient `declare module` that every tsconfig importing the local stack would have to include.
import S3rver from 's3rver';

export default S3rver;
