import { type JSX, useEffect, useRef, useState } from 'react';

import { useI18n } from '../i18n/i18n';
import { paths, useRouter } from '../router/router';
import { ErrorState, LoadingState } from '../ui/states';
import { useAuth } from './auth-context';

/**
 * `/auth/callback`: the issuer sends the browser here with the authorization code. The code is
 * exchanged (with the PKCE verifier) for tokens, then the app goes where the user was going.
 * In the hidden iframe of a silent renewal the same page hands the answer to the parent window.
 */
export function AuthCallbackPage(): JSX.Element {
  const { t } = useI18n();
  const { completeSignIn, signIn } = useAuth();
  const { navigate } = useRouter();
  const [failed, setFailed] = useState(false);
  const done = useRef(false);
  const inFrame = window.parent !== window;

  useEffect(() => {
    // Exactly once, even under StrictMode's double effects: a code can be exchanged only once.
    if (done.current) return;
    done.current = true;
    completeSignIn(window.location.href).then(
      ({ returnTo }) => {
        if (!inFrame) navigate(returnTo, { replace: true });
      },
      () => setFailed(true),
    );
  }, [completeSignIn, navigate, inFrame]);

  if (inFrame) return <></>;
  return (
    <main id="main" className="centered-page">
      {failed ? (
        <div className="card callback-card">
          <ErrorState title={t('auth.callbackFailed')} onRetry={() => void signIn(paths.chat())} />
        </div>
      ) : (
        <LoadingState label={t('auth.signingIn')} />
      )}
    </main>
  );
}
