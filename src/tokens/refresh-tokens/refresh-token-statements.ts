/**
 * The rotation statements. Each is ONE statement (data-modifying CTEs), so PostgreSQL runs it as one
 * transaction in one round trip: a crash, a kill -9 or a lost connection leaves either the presented token
 * unused or it used together with its successor — never a used token without a successor.
 *
 * Columns of a new row, in this order, in every INSERT: token_hash, grant_id, client_id, user_id, scopes,
 * resources, expires_at, parent_id, and the sign-in it descends from (auth_time, sid, amr, acr: OIDC Core §12.2, a
 * refreshed id_token states the original authentication), and the DPoP key binding (dpop_jkt, RFC 9449 §5).
 */

/**
 * RFC 9700 §4.14.2 rotation. $1 presented id, $2 successor hash, $3 successor expiry.
 *
 * The UPDATE claims the token when it is unused. When a concurrent duplicate got there first, the same
 * UPDATE stamps `retried_at` instead: a duplicate racing the rotation is not a lost response, so it
 * forfeits the retry grace for everyone, and the caller revokes the family. Row locking orders the two,
 * so exactly one caller sees `retried_at IS NULL` on a row it rotated itself.
 */
export const ROTATE = {
  name: 'refresh_tokens.rotate',
  text: `
  WITH hit AS (
    UPDATE "refresh_tokens"
       SET "rotated_at" = COALESCE("rotated_at", now()),
           "retried_at" = CASE WHEN "rotated_at" IS NULL THEN "retried_at" ELSE COALESCE("retried_at", now()) END
     WHERE "id" = $1 AND "revoked_at" IS NULL
    RETURNING "id", "grant_id", "client_id", "user_id", "scopes", "resources", "retried_at", "auth_time", "sid", "amr", "acr", "dpop_jkt"
  ), successor AS (
    INSERT INTO "refresh_tokens" ("token_hash", "grant_id", "client_id", "user_id", "scopes", "resources", "expires_at", "parent_id", "auth_time", "sid", "amr", "acr", "dpop_jkt")
    SELECT $2, "grant_id", "client_id", "user_id", "scopes", "resources", $3, "id", "auth_time", "sid", "amr", "acr", "dpop_jkt"
      FROM hit WHERE "retried_at" IS NULL
    RETURNING "id"
  )
  SELECT "id" FROM successor`,
};

/**
 * The retry grace: the rotated token $1, presented again within $4 seconds of its rotation, for the first
 * time, while its successor is unused. The unused successor is revoked and exactly one new one inserted,
 * so there is never more than one live successor. $2 new hash, $3 new expiry.
 *
 * When the successor was used meanwhile (its row lock orders the two), `superseded` is empty, nothing is
 * inserted, and the spent `retried_at` makes any further presentation plain reuse.
 */
export const RETRY = `
  WITH retry AS (
    UPDATE "refresh_tokens" SET "retried_at" = now()
     WHERE "id" = $1 AND "rotated_at" IS NOT NULL AND "retried_at" IS NULL AND "revoked_at" IS NULL
       AND "rotated_at" > now() - make_interval(secs => $4)
    RETURNING "id", "grant_id", "client_id", "user_id", "scopes", "resources", "auth_time", "sid", "amr", "acr", "dpop_jkt"
  ), superseded AS (
    UPDATE "refresh_tokens" AS s SET "revoked_at" = now()
      FROM retry
     WHERE s."parent_id" = retry."id" AND s."rotated_at" IS NULL AND s."revoked_at" IS NULL
    RETURNING s."id"
  ), successor AS (
    INSERT INTO "refresh_tokens" ("token_hash", "grant_id", "client_id", "user_id", "scopes", "resources", "expires_at", "parent_id", "auth_time", "sid", "amr", "acr", "dpop_jkt")
    SELECT $2, "grant_id", "client_id", "user_id", "scopes", "resources", $3, "id", "auth_time", "sid", "amr", "acr", "dpop_jkt"
      FROM retry
     WHERE (SELECT count(*) FROM superseded) = 1
    RETURNING "id"
  )
  SELECT "id" FROM successor`;

/**
 * RFC 6749 §4.1.2 code redemption with the refresh token it issues, as one statement: the code is never
 * spent without its refresh token being stored. $1 code hash, $2 refresh-token hash (null: the client
 * gets no refresh token), $3 its expiry, $4 the DPoP key it is bound to (RFC 9449 §5) or null. Returns one row when this call redeemed the code.
 */
export const REDEEM_CODE = {
  name: 'authorization_codes.redeem',
  text: `
  WITH redeemed AS (
    UPDATE "authorization_codes" SET "consumed_at" = now()
     WHERE "code_hash" = $1 AND "consumed_at" IS NULL
    RETURNING "grant_id", "client_id", "user_id", "scopes", "resources", "auth_time", "sid", "amr", "acr"
  ), issued AS (
    INSERT INTO "refresh_tokens" ("token_hash", "grant_id", "client_id", "user_id", "scopes", "resources", "expires_at", "parent_id", "auth_time", "sid", "amr", "acr", "dpop_jkt")
    SELECT $2, "grant_id", "client_id", "user_id", "scopes", "resources", $3, NULL, "auth_time", "sid", "amr", "acr", $4::varchar
      FROM redeemed WHERE $2::varchar IS NOT NULL
    RETURNING "id"
  )
  SELECT (SELECT count(*) FROM issued)::int AS "refresh_tokens" FROM redeemed`,
};
