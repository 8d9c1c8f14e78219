/**
 * The Sense log database table (`QLogs`, `public.log_entries`) as
 * docs/reference/sense-apis.md#qlogs-table describes it.
 */
export const QLOGS_LOG_ENTRIES_DDL = `CREATE TABLE public.log_entries (
  id bigserial PRIMARY KEY,
  entry_timestamp timestamp without time zone NOT NULL,
  entry_level character varying(10) NOT NULL,
  process_host text NOT NULL,
  process_name text NOT NULL,
  payload json
)`;
