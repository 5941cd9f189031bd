import type { JSX } from 'react';

import type { FetchLike } from './fetch-like';
import { PlatformStatus } from './platform-status';

export interface AppProps {
  /** Every request the app makes goes through this function. */
  readonly fetchFn: FetchLike;
  /** Where the runtime configuration is served; `/config.json` by default. */
  readonly configUrl?: string;
}

const PILLARS = [
  {
    title: 'Answers from your documents',
    text: 'Upload PDFs, Word files, web pages and notes. Answers cite the passages they come from.',
  },
  {
    title: 'Tools over MCP',
    text: 'The assistant calls tools through the Model Context Protocol, including ones you register.',
  },
  {
    title: 'Code in a sandbox',
    text: 'It runs Python and JavaScript without network access and hands back the files it makes.',
  },
] as const;

/** The application shell: header, what LGM is, and the platform status. */
export function App({ fetchFn, configUrl }: AppProps): JSX.Element {
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <div className="app-header-inner">
          <span className="brand">
            <span className="brand-mark" aria-hidden="true">
              L
            </span>
            <span className="brand-name">LGM</span>
          </span>
          <span className="brand-tagline">AI assistant platform</span>
        </div>
      </header>
      <main id="main" className="app-main" tabIndex={-1}>
        <section className="intro" aria-labelledby="intro-heading">
          <h1 id="intro-heading">An AI assistant that answers from your own documents</h1>
          <p className="lead">
            LGM runs natively on AWS. It chats with a large language model on Amazon Bedrock,
            grounds its answers in the documents you give it, and shows where every answer comes
            from.
          </p>
          <ul className="pillars" aria-label="What LGM does">
            {PILLARS.map((pillar) => (
              <li key={pillar.title} className="pillar">
                <h2 className="pillar-title">{pillar.title}</h2>
                <p>{pillar.text}</p>
              </li>
            ))}
          </ul>
        </section>
        <PlatformStatus fetchFn={fetchFn} configUrl={configUrl} />
      </main>
      <footer className="app-footer">
        <p>LGM · Amazon Bedrock, AWS Lambda, Amazon S3, Aurora PostgreSQL</p>
      </footer>
    </div>
  );
}
