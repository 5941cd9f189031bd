import {
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionRuntime,
} from 'aws-cdk-lib/aws-cloudfront';
import { Construct } from 'constructs';

/**
 * The viewer-request handler of {@link SpaRewriteFunction}, as CloudFront runs it (the
 * cloudfront-js-2.0 runtime: ES 5.1 and a few later features, so `var` and plain functions).
 *
 * A path whose last segment has no dot is a route of the single-page app (`/`, `/chat/<id>`,
 * `/documents`, `/settings`, `/auth/callback`): it is served `/index.html`, and the app's router
 * reads the address bar. Anything with an extension (`/assets/index-abc.js`, `/config.json`,
 * `/favicon.svg`) goes to the bucket untouched, so a missing file stays an error instead of
 * becoming a 200 with HTML in it, which is what mapping 403/404 to index.html would do.
 */
export const SPA_REWRITE_FUNCTION_CODE = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  var last = uri.substring(uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}
`;

/** Properties of {@link SpaRewriteFunction}. */
export interface SpaRewriteFunctionProps {
  /** Shown in the console. */
  readonly comment: string;
}

/**
 * A CloudFront Function that sends the routes of the single-page app to `index.html` (see
 * {@link SPA_REWRITE_FUNCTION_CODE}). A CloudFront Function runs at every edge location before the
 * cache, for a sixth of the request price of Lambda@Edge and no duration charge.
 */
export class SpaRewriteFunction extends Construct {
  readonly function: CloudFrontFunction;

  constructor(scope: Construct, id: string, props: SpaRewriteFunctionProps) {
    super(scope, id);

    this.function = new CloudFrontFunction(this, 'Function', {
      comment: props.comment,
      code: FunctionCode.fromInline(SPA_REWRITE_FUNCTION_CODE),
      runtime: FunctionRuntime.JS_2_0,
    });
  }
}
