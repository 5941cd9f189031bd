-- Hand-written prelude (drizzle-kit does not model extensions or functions): pgvector, and the
-- IMMUTABLE helper that chunks.search_vector is generated from.
CREATE EXTENSION IF NOT EXISTS vector;--> statement-breakpoint
CREATE OR REPLACE FUNCTION lgm_chunk_search_text(heading_path text[], body text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT coalesce(array_to_string(heading_path, ' '), '') || ' ' || coalesce(body, '') $$;--> statement-breakpoint
CREATE TYPE "public"."document_status" AS ENUM('pending', 'processing', 'ready', 'failed');--> statement-breakpoint
CREATE TABLE "artifacts" (
	"id" text PRIMARY KEY NOT NULL,
	"owner_id" text NOT NULL,
	"session_id" text,
	"turn_id" text,
	"name" text NOT NULL,
	"content_type" text NOT NULL,
	"size_bytes" bigint NOT NULL,
	"s3_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "artifacts_size_non_negative" CHECK ("artifacts"."size_bytes" >= 0)
);
--> statement-breakpoint
CREATE TABLE "chunks" (
	"id" text PRIMARY KEY NOT NULL,
	"owner_id" text NOT NULL,
	"document_id" text NOT NULL,
	"ordinal" integer NOT NULL,
	"text" text NOT NULL,
	"heading_path" text[] DEFAULT '{}'::text[] NOT NULL,
	"page_start" integer,
	"page_end" integer,
	"token_count" integer NOT NULL,
	"embedding" vector,
	"search_vector" "tsvector" GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, lgm_chunk_search_text("chunks"."heading_path", "chunks"."text"))) STORED,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "chunks_pages_ordered" CHECK ("chunks"."page_start" is null or "chunks"."page_end" >= "chunks"."page_start")
);
--> statement-breakpoint
CREATE TABLE "documents" (
	"id" text PRIMARY KEY NOT NULL,
	"owner_id" text NOT NULL,
	"title" text NOT NULL,
	"file_name" text NOT NULL,
	"content_type" text NOT NULL,
	"size_bytes" bigint NOT NULL,
	"s3_key" text NOT NULL,
	"status" "document_status" DEFAULT 'pending' NOT NULL,
	"progress" integer DEFAULT 0 NOT NULL,
	"error_code" text,
	"error_message" text,
	"source_version" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "documents_progress_range" CHECK ("documents"."progress" between 0 and 100),
	CONSTRAINT "documents_size_non_negative" CHECK ("documents"."size_bytes" >= 0)
);
--> statement-breakpoint
CREATE TABLE "usage" (
	"id" text PRIMARY KEY NOT NULL,
	"owner_id" text NOT NULL,
	"session_id" text,
	"turn_id" text NOT NULL,
	"model_id" text NOT NULL,
	"day" date NOT NULL,
	"input_tokens" integer NOT NULL,
	"output_tokens" integer NOT NULL,
	"cost_usd" numeric(14, 8) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "usage_tokens_non_negative" CHECK ("usage"."input_tokens" >= 0 and "usage"."output_tokens" >= 0),
	CONSTRAINT "usage_cost_non_negative" CHECK ("usage"."cost_usd" >= 0)
);
--> statement-breakpoint
ALTER TABLE "chunks" ADD CONSTRAINT "chunks_document_id_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."documents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "artifacts_owner_created_idx" ON "artifacts" USING btree ("owner_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "artifacts_owner_session_idx" ON "artifacts" USING btree ("owner_id","session_id");--> statement-breakpoint
CREATE UNIQUE INDEX "chunks_document_ordinal_idx" ON "chunks" USING btree ("document_id","ordinal");--> statement-breakpoint
CREATE INDEX "chunks_owner_document_idx" ON "chunks" USING btree ("owner_id","document_id");--> statement-breakpoint
CREATE INDEX "chunks_search_vector_idx" ON "chunks" USING gin ("search_vector");--> statement-breakpoint
CREATE INDEX "documents_owner_created_idx" ON "documents" USING btree ("owner_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "usage_owner_turn_model_idx" ON "usage" USING btree ("owner_id","turn_id","model_id");--> statement-breakpoint
CREATE INDEX "usage_owner_day_idx" ON "usage" USING btree ("owner_id","day");