package org.vhostvertx.console;

import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Who may do what: the token, from {@code Authorization: Bearer <token>} (or, for the event
 * stream, which EventSource cannot give headers, a {@code token} query parameter), and the
 * read-only switch. A refusal ends the request before any handler that could change something.
 */
final class Access {

    private final byte[] token;
    private final boolean readOnly;

    Access(String token, boolean readOnly) {
        this.token = token.getBytes(StandardCharsets.UTF_8);
        this.readOnly = readOnly;
    }

    /** 401 unless the request carries the token in its Authorization header. */
    void requireToken(RoutingContext ctx) {
        check(ctx, bearer(ctx.request().getHeader("Authorization")));
    }

    /** 401 unless the request carries the token in its header or its query. */
    void requireTokenOrQuery(RoutingContext ctx) {
        String given = bearer(ctx.request().getHeader("Authorization"));
        check(ctx, given != null ? given : ctx.queryParams().get("token"));
    }

    /** 403 for a call that changes something when the console is read-only. */
    void refuseChangesIfReadOnly(RoutingContext ctx) {
        if (readOnly && DeviceApi.mutating(ctx)) {
            DeviceApi.fail(ctx, new ApiException(403, "the console is read-only (console.readOnly): "
                    + ctx.request().method() + " " + ctx.normalizedPath() + " is refused"));
        } else {
            ctx.next();
        }
    }

    private void check(RoutingContext ctx, String given) {
        if (given == null || given.isEmpty()) {
            refuse(ctx, "a token is required (Authorization: Bearer <token>)");
        } else if (!MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8))) {
            refuse(ctx, "wrong token");
        } else {
            ctx.next();
        }
    }

    private static void refuse(RoutingContext ctx, String reason) {
        ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"vhost-vertx console\"");
        DeviceApi.fail(ctx, new ApiException(401, reason));
    }

    private static String bearer(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return header.substring(7).trim();
    }
}
