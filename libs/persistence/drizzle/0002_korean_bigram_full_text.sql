-- Hand-written prelude (drizzle-kit does not model functions): Korean-capable full text without
-- extensions. PostgreSQL's parsers keep `보안그룹은` and `보안그룹` as different words, and no
-- Korean dictionary (mecab, pg_bigm) is available on PGlite or Aurora by default, so Hangul runs
-- are indexed as overlapping syllable bigrams as well; a query word becomes a phrase of its bigrams
-- with a trailing particle dropped, so particles on either side no longer decide the match.
-- The functions are IMMUTABLE because generated columns and index expressions require it; changing
-- them later needs a migration that rewrites chunks.search_terms (e.g. drop and re-add the column).
CREATE OR REPLACE FUNCTION lgm_hangul_bigrams(input text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$
    SELECT coalesce(string_agg(substr(m.word, g.i, 2), ' ' ORDER BY m.ord, g.i), '')
    FROM (
      SELECT t.r[1] AS word, t.ord
      FROM regexp_matches(input, '[가-힣]+', 'g') WITH ORDINALITY AS t(r, ord)
    ) m
    CROSS JOIN LATERAL generate_series(1, greatest(char_length(m.word) - 1, 1)) AS g(i)
  $$;--> statement-breakpoint
-- simple (exact forms, any script) || english (stems, so `groups` finds `group`) || Hangul bigrams.
-- Latin letters and digits glued to Hangul (`DLQ에`, `ACL은`, `S3를`) are split apart first: the
-- parser would otherwise index `dlq에` as one word that neither `DLQ` nor `DLQ가` matches.
CREATE OR REPLACE FUNCTION lgm_chunk_search_vector(heading_path text[], body text) RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$
    SELECT to_tsvector('simple'::regconfig, s.doc)
      || to_tsvector('english'::regconfig, s.doc)
      || to_tsvector('simple'::regconfig, lgm_hangul_bigrams(s.doc))
    FROM (
      SELECT regexp_replace(
        regexp_replace(lgm_chunk_search_text(heading_path, body), '([A-Za-z0-9])([가-힣])', '\1 \2', 'g'),
        '([가-힣])([A-Za-z0-9])', '\1 \2', 'g'
      ) AS doc
    ) s
  $$;--> statement-breakpoint
-- Non-Hangul query words, stemmed (`groups` → `group`) OR exact; one of them when they agree, so
-- the planner's selectivity estimate (and ts_rank) does not count the same words twice.
CREATE OR REPLACE FUNCTION lgm_words_query(words text) RETURNS tsquery
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$
    SELECT CASE WHEN q.stemmed = q.exact THEN q.exact ELSE q.stemmed || q.exact END
    FROM (
      SELECT
        websearch_to_tsquery('english'::regconfig, words) AS stemmed,
        websearch_to_tsquery('simple'::regconfig, words) AS exact
    ) q
  $$;--> statement-breakpoint
-- The query side of the same split: non-Hangul words through lgm_words_query, each Hangul word as
-- a phrase of its bigrams, all ANDed; websearch operators (quotes, -, or) apply to non-Hangul words.
-- Because the passage may carry another particle or ending than the question, a Hangul query word
-- (a) attached to a Latin word (`DLQ에`, `ACL의`) and being a particle is dropped; (b) loses one
-- trailing particle or verb ending when two syllables remain (보안그룹이 → 보안그룹, 허용하는 →
-- 허용, 기록하나요 → 기록); (c) is dropped when it is a question word (방법, 이유, 어떻게), which
-- names what is asked rather than what the answer contains. The passage side keeps every bigram,
-- so all three only widen the match.
CREATE OR REPLACE FUNCTION lgm_search_query(query text) RETURNS tsquery
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$
    -- Each part only when present: an empty tsquery raises a NOTICE on every search.
    SELECT CASE
        WHEN p.latin !~ '[[:alnum:]]' THEN to_tsquery('simple'::regconfig, coalesce(p.hangul, ''))
        WHEN p.hangul IS NULL THEN lgm_words_query(p.latin)
        ELSE lgm_words_query(p.latin) && to_tsquery('simple'::regconfig, p.hangul)
      END
    FROM (
      SELECT
        regexp_replace(c.query, '[가-힣]+', ' ', 'g') AS latin,
        (
          SELECT string_agg(replace(lgm_hangul_bigrams(w.stem), ' ', ' <-> '), ' & ' ORDER BY w.ord)
          FROM (
            SELECT t.ord, CASE
                WHEN char_length(t.r[1]) > 2 THEN regexp_replace(
                  t.r[1],
                  '(.{2,}?)(에서는|으로는|인가요|하나요|되나요|합니다|됩니다|습니까|에서|으로|에게|한테|까지|부터|처럼|보다|이나|에는|에도|하는|하다|한다|했다|하고|해서|하여|하면|하기|되는|된다|되면|되기|나요|은|는|이|가|을|를|의|에|도|로|와|과|만|한|된|할)$',
                  '\1'
                )
                ELSE t.r[1]
              END AS stem
            FROM regexp_matches(c.query, '[가-힣]+', 'g') WITH ORDINALITY AS t(r, ord)
          ) w
          WHERE w.stem NOT IN (
            '방법', '이유', '무엇', '어떻게', '어떤', '무슨', '왜', '언제', '어디', '누가', '누구',
            '뭐', '뭔가요', '있나요', '되나요', '하나요', '인가요', '알려줘', '알려주세요'
          )
        ) AS hangul
      FROM (
        SELECT regexp_replace(
          query,
          '([A-Za-z0-9])(에서는|으로는|에서|으로|에게|에는|은|는|이|가|을|를|의|에|도|로|와|과|만)(?![가-힣])',
          '\1 ',
          'g'
        ) AS query
      ) c
    ) p
  $$;--> statement-breakpoint
DROP INDEX "chunks_search_vector_idx";--> statement-breakpoint
ALTER TABLE "chunks" ADD COLUMN "search_terms" "tsvector" GENERATED ALWAYS AS (lgm_chunk_search_vector("chunks"."heading_path", "chunks"."text")) STORED;--> statement-breakpoint
CREATE INDEX "chunks_search_terms_idx" ON "chunks" USING gin ("search_terms");--> statement-breakpoint
ALTER TABLE "chunks" DROP COLUMN "search_vector";
